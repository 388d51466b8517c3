import pytest
from pydantic import ValidationError

from services.core.config import Settings
from services.core.outbox.cron import CronError, parse_cron
from tests.clock_helpers import at


def test_next_run_of_a_nightly_schedule():
    schedule = parse_cron("30 2 * * *")
    assert schedule.next_after(at("2026-11-26 01:00")) == at("2026-11-26 02:30")
    assert schedule.next_after(at("2026-11-26 02:30")) == at("2026-11-27 02:30")


def test_the_29th_of_february_comes_in_leap_years_only():
    schedule = parse_cron("0 0 29 2 *")
    assert schedule.next_after(at("2026-11-26 00:00")) == at("2028-02-29 00:00")
    assert schedule.latest_at_or_before(at("2026-11-26 00:00")) == at("2024-02-29 00:00")


def test_a_start_with_a_step_counts_from_the_start():
    schedule = parse_cron("5/15 * * * *")
    instants = [schedule.next_after(at("2026-11-26 09:59"))]
    for _ in range(4):
        instants.append(schedule.next_after(instants[-1]))
    assert [instant.strftime("%H:%M") for instant in instants] == [
        "10:05",
        "10:20",
        "10:35",
        "10:50",
        "11:05",
    ]


def test_day_of_month_or_day_of_week_when_both_are_restricted():
    # The 1st of the month, and every Monday: 2026-12-01 is a Tuesday, 2026-12-07 a Monday.
    schedule = parse_cron("0 6 1 * 1")
    first = schedule.next_after(at("2026-11-26 00:00"))
    second = schedule.next_after(first)
    third = schedule.next_after(second)
    assert [first, second, third] == [at("2026-11-30 06:00"), at("2026-12-01 06:00"), at("2026-12-07 06:00")]


def test_sunday_is_0_or_7():
    sunday = at("2026-11-29 00:00")
    assert parse_cron("0 0 * * 0").latest_at_or_before(sunday) == sunday
    assert parse_cron("0 0 * * 7").latest_at_or_before(sunday) == sunday


def test_the_latest_instant_includes_the_current_minute():
    schedule = parse_cron("0 3 * * *")
    assert schedule.latest_at_or_before(at("2026-11-26 03:00:59")) == at("2026-11-26 03:00")
    assert schedule.latest_at_or_before(at("2026-11-26 02:59:59")) == at("2026-11-25 03:00")


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "* * * *",
        "* * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "* * * * 8",
        "*/0 * * * *",
        "a * * * *",
        "0 0 31 2 *",
    ],
)
def test_invalid_expressions_are_refused(expression):
    with pytest.raises(CronError):
        parse_cron(expression)


def test_the_setting_refuses_an_invalid_expression_naming_it():
    with pytest.raises(ValidationError) as refused:
        Settings(aggregation_cron="0 0 31 2 *")
    [error] = refused.value.errors()
    assert error["loc"] == ("aggregation_cron",)
    assert "never matches" in error["msg"]
    assert Settings(aggregation_cron=" 0  3 * * * ").aggregation_cron == "0 3 * * *"
