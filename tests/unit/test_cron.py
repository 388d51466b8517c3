from datetime import UTC, datetime

import pytest

from services.worker.cron import CronError, parse_cron


def test_every_field_form():
    schedule = parse_cron("*/15 3,4 1-5 * 1")
    assert schedule.minute == {0, 15, 30, 45}
    assert schedule.hour == {3, 4}
    assert schedule.day == {1, 2, 3, 4, 5}
    assert schedule.month == set(range(1, 13))
    assert schedule.weekday == {0}  # cron 1 = Monday = Python 0


def test_sunday_is_0_or_7():
    assert parse_cron("0 0 * * 0").weekday == parse_cron("0 0 * * 7").weekday == {6}


def test_next_run_of_a_nightly_schedule():
    schedule = parse_cron("30 2 * * *")
    assert schedule.next_after(datetime(2026, 11, 26, 1, 0, tzinfo=UTC)) == datetime(
        2026, 11, 26, 2, 30, tzinfo=UTC
    )
    assert schedule.next_after(datetime(2026, 11, 26, 2, 30, tzinfo=UTC)) == datetime(
        2026, 11, 27, 2, 30, tzinfo=UTC
    )


def test_next_run_on_the_first_monday_of_a_month_range():
    schedule = parse_cron("0 6 * 12 1")  # Mondays of December, 06:00
    assert schedule.next_after(datetime(2026, 11, 26, tzinfo=UTC)) == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    ["", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "*/0 * * * *", "a * * * *"],
)
def test_invalid_expressions_are_refused(expression):
    with pytest.raises(CronError):
        parse_cron(expression)
