"""Five-field cron expressions (minute hour day month weekday, UTC), as sets of values.

Supports `*`, numbers, lists (`1,15`), ranges (`1-5`) and steps (`*/10`, `0-30/5`); weekday
0 or 7 is Sunday. Both the arq worker and the in-process runner use these sets.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7))


class CronError(ValueError):
    pass


@dataclass(frozen=True)
class CronSchedule:
    minute: frozenset[int]
    hour: frozenset[int]
    day: frozenset[int]
    month: frozenset[int]
    weekday: frozenset[int]  # 0 = Monday ... 6 = Sunday (Python's and arq's convention)

    def matches(self, moment: datetime) -> bool:
        return (
            moment.minute in self.minute
            and moment.hour in self.hour
            and moment.day in self.day
            and moment.month in self.month
            and moment.weekday() in self.weekday
        )

    def next_after(self, moment: datetime) -> datetime:
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(366 * 24 * 60):
            if self.matches(candidate):
                return candidate
            candidate += timedelta(minutes=1)
        raise CronError("the expression never matches")


def _values(part: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for item in part.split(","):
        step = 1
        if "/" in item:
            item, step_text = item.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError
        if item == "*":
            first, last = low, high
        elif "-" in item:
            first, last = (int(x) for x in item.split("-", 1))
        else:
            first = last = int(item)
        if not low <= first <= last <= high:
            raise ValueError
        values.update(range(first, last + 1, step))
    return values


def parse_cron(expression: str) -> CronSchedule:
    parts = expression.split()
    if len(parts) != 5:
        raise CronError(f"{expression!r}: a cron expression has 5 fields (minute hour day month weekday)")
    sets = {}
    for part, (name, low, high) in zip(parts, FIELDS, strict=True):
        try:
            sets[name] = _values(part, low, high)
        except ValueError as exc:
            raise CronError(f"{expression!r}: invalid {name} field {part!r}") from exc
    # cron counts weekdays from Sunday (0 or 7); Python from Monday (0).
    weekdays = frozenset((day - 1) % 7 for day in sets.pop("weekday"))
    return CronSchedule(weekday=weekdays, **{name: frozenset(values) for name, values in sets.items()})
