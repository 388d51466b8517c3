"""Periods of observations: `2024`, `2024-Q2`, `2024-05`, `2024-05-17`, or explicit dates."""

import calendar
import re
from datetime import date
from functools import lru_cache

PERIOD_FORMS = "a year (2024), a quarter (2024-Q2), a month (2024-05) or a day (2024-05-17)"

# re.ASCII: `\d` would otherwise also match other scripts' digits, which int() then accepts.
_YEAR = re.compile(r"^(\d{4})$", re.ASCII)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.ASCII)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)


_YEAR_DIGITS = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"  # 0001 to 9999
_LEAP_YEAR_DIGITS = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
# Exactly the texts `parse_period` accepts (real dates included), for the OpenAPI document.
PERIOD_PATTERN = (
    f"^(?:{_YEAR_DIGITS}(?:-Q[1-4]|-(?:0[1-9]|1[0-2])|-{_MONTH_DAY})?|{_LEAP_YEAR_DIGITS}-02-29)$"
)


class PeriodError(ValueError):
    pass


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=4096)  # a batch names the same few periods thousands of times
def parse_period(text: str) -> tuple[date, date]:
    """The first and last day of the period that `text` names."""
    text = text.strip()
    try:
        if match := _YEAR.match(text):
            year = int(match[1])
            return date(year, 1, 1), date(year, 12, 31)
        if match := _QUARTER.match(text):
            year, quarter = int(match[1]), int(match[2])
            first_month = 3 * (quarter - 1) + 1
            return date(year, first_month, 1), _month_end(year, first_month + 2)
        if match := _MONTH.match(text):
            year, month = int(match[1]), int(match[2])
            return date(year, month, 1), _month_end(year, month)
        if match := _DAY.match(text):
            day = date(int(match[1]), int(match[2]), int(match[3]))
            return day, day
    except ValueError as exc:
        raise PeriodError(f"{text!r} is not a real date: expected {PERIOD_FORMS}.") from exc
    raise PeriodError(f"Unrecognised period {text!r}: expected {PERIOD_FORMS}.")


def resolve_period(
    period: str | None, period_start: date | None, period_end: date | None
) -> tuple[date, date]:
    """One period from either `period` or both explicit dates (not both forms)."""
    if period is not None:
        if period_start is not None or period_end is not None:
            raise PeriodError("Give either period or period_start and period_end, not both.")
        return parse_period(period)
    if period_start is None or period_end is None:
        raise PeriodError(f"A period is required: period as {PERIOD_FORMS}, or period_start and period_end.")
    if period_end < period_start:
        raise PeriodError("period_end is before period_start.")
    return period_start, period_end
