from datetime import date

import pytest

from services.core.observations.periods import PERIOD_FORMS, PeriodError, parse_period, resolve_period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("1999", date(1999, 1, 1), date(1999, 12, 31)),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024-01", date(2024, 1, 1), date(2024, 1, 31)),
        ("2024-04", date(2024, 4, 1), date(2024, 4, 30)),
        ("2024-05", date(2024, 5, 1), date(2024, 5, 31)),
        ("2024-12", date(2024, 12, 1), date(2024, 12, 31)),
        ("2024-05-17", date(2024, 5, 17), date(2024, 5, 17)),
        ("2024-12-31", date(2024, 12, 31), date(2024, 12, 31)),
    ],
)
def test_every_form_names_its_first_and_last_day(text, start, end):
    assert parse_period(text) == (start, end)


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("2024-02", date(2024, 2, 29)),  # divisible by 4
        ("2023-02", date(2023, 2, 28)),
        ("2000-02", date(2000, 2, 29)),  # divisible by 400
        ("1900-02", date(1900, 2, 28)),  # divisible by 100 only
        ("2100-02", date(2100, 2, 28)),
    ],
)
def test_february_ends_on_the_leap_day_only_in_leap_years(text, end):
    assert parse_period(text) == (end.replace(day=1), end)


def test_first_quarter_of_a_leap_year_ends_on_march_31():
    assert parse_period("2024-Q1") == (date(2024, 1, 1), date(2024, 3, 31))


def test_leap_day_exists_only_in_leap_years():
    assert parse_period("2024-02-29") == (date(2024, 2, 29), date(2024, 2, 29))
    assert parse_period("2000-02-29") == (date(2000, 2, 29), date(2000, 2, 29))
    for text in ("2023-02-29", "1900-02-29"):
        with pytest.raises(PeriodError, match="not a real date"):
            parse_period(text)


@pytest.mark.parametrize(
    "text",
    ["2024-00", "2024-13", "2024-99", "2024-04-31", "2024-06-31", "2024-01-00", "2024-01-32", "2024-13-01"],
)
def test_impossible_months_and_days_are_refused(text):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert PERIOD_FORMS in str(caught.value)


@pytest.mark.parametrize("text", ["2024-Q0", "2024-Q5", "2024-Q", "2024-Q12", "2024-q2", "2024Q2", "Q2-2024"])
def test_invalid_quarters_are_refused(text):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert PERIOD_FORMS in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "24",
        "202",
        "20245",
        "2024-5",
        "2024-05-1",
        "2024/05",
        "05/2024",
        "2024-05-17T00:00",
        "17/05/2024",
        "2024-W20",
        "2024-H1",
        "mai 2024",
        "2024-05-17/2024-05-18",
        "-2024",
        "+2024",
        "2024-",
        "2024 05",
        "２０２４",  # full-width digits
        "٢٠٢٤",  # Arabic-Indic digits
        "2024-٠٥",
    ],
)
def test_anything_else_is_refused_with_the_accepted_forms(text):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    message = str(caught.value)
    for form in ("2024", "2024-Q2", "2024-05", "2024-05-17"):
        assert form in message


def test_year_zero_is_refused():
    with pytest.raises(PeriodError):
        parse_period("0000")


def test_period_error_is_a_value_error():
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize("text", [" 2024", "2024 ", "\t2024-Q2\n", "  2024-05  ", "\n2024-05-17\r\n"])
def test_surrounding_whitespace_is_ignored(text):
    assert parse_period(text) == parse_period(text.strip())


@pytest.mark.parametrize("text", ["2024 -Q2", "2024- 05", "2024-05 -17", "20 24"])
def test_inner_whitespace_is_refused(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_resolve_takes_the_period_text():
    assert resolve_period("2024-Q2", None, None) == (date(2024, 4, 1), date(2024, 6, 30))
    assert resolve_period("2024-02", None, None) == (date(2024, 2, 1), date(2024, 2, 29))


def test_resolve_takes_explicit_dates():
    assert resolve_period(None, date(2024, 3, 15), date(2024, 9, 14)) == (
        date(2024, 3, 15),
        date(2024, 9, 14),
    )


def test_resolve_accepts_a_single_day_as_explicit_dates():
    assert resolve_period(None, date(2024, 2, 29), date(2024, 2, 29)) == (
        date(2024, 2, 29),
        date(2024, 2, 29),
    )


def test_resolve_refuses_end_before_start():
    with pytest.raises(PeriodError, match="before"):
        resolve_period(None, date(2024, 5, 2), date(2024, 5, 1))


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2024, 1, 1), date(2024, 12, 31)), (date(2024, 1, 1), None), (None, date(2024, 12, 31))],
)
def test_resolve_refuses_both_forms_at_once(start, end):
    with pytest.raises(PeriodError, match="not both"):
        resolve_period("2024", start, end)


@pytest.mark.parametrize(
    ("start", "end"), [(None, None), (date(2024, 1, 1), None), (None, date(2024, 12, 31))]
)
def test_resolve_needs_a_whole_period(start, end):
    with pytest.raises(PeriodError) as caught:
        resolve_period(None, start, end)
    assert PERIOD_FORMS in str(caught.value)


def test_resolve_refuses_an_invalid_period_text():
    with pytest.raises(PeriodError, match="Unrecognised"):
        resolve_period("2024-Q5", None, None)
