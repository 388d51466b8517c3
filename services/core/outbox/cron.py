"""The aggregation schedule: a five-field cron expression (minute hour day-of-month month
day-of-week), read by croniter, always in UTC whatever the host's time zone.

croniter follows cron: `5/15` is minutes 5, 20, 35 and 50; day-of-week 0 and 7 are Sunday;
when both day-of-month and day-of-week are restricted, a day matching either one fires.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, CroniterError, croniter

FIELDS = "minute hour day-of-month month day-of-week"


class CronError(ValueError):
    pass


@dataclass(frozen=True)
class CronSchedule:
    expression: str

    def next_after(self, moment: datetime) -> datetime:
        """The first instant strictly after `moment`."""
        return croniter(self.expression, moment.astimezone(UTC)).get_next(datetime).astimezone(UTC)

    def latest_at_or_before(self, moment: datetime) -> datetime:
        """The most recent instant at or before `moment` (instants fall on whole minutes)."""
        next_minute = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        return croniter(self.expression, next_minute).get_prev(datetime).astimezone(UTC)


def parse_cron(expression: str) -> CronSchedule:
    """The schedule of `expression`; CronError says what is wrong with it."""
    if len(expression.split()) != 5:
        raise CronError(f"{expression!r}: a cron expression has 5 fields ({FIELDS})")
    schedule = CronSchedule(" ".join(expression.split()))
    try:
        # Parses, and finds an instant: `0 0 31 2 *` is well formed but never comes.
        schedule.next_after(datetime(2000, 1, 1, tzinfo=UTC))
    except CroniterBadDateError as exc:
        raise CronError(f"{expression!r}: the expression never matches a date") from exc
    except (CroniterError, ValueError, KeyError, IndexError) as exc:
        raise CronError(f"{expression!r}: not a valid cron expression ({exc})") from exc
    return schedule
