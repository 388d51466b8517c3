from datetime import date

import pytest

from services.core.errors import Invalid
from services.core.indicators.rules import check_definition, definition_errors


def definition(**overrides) -> dict:
    base = {
        "code": "EMP-01",
        "name": "Emplois créés",
        "calculation_method": "Contrats signés dans l'année.",
        "measure_type": "quantity",
        "scale_min": None,
        "scale_max": None,
        "direction": "increase",
        "baseline_value": None,
        "baseline_date": None,
        "target_value": None,
        "target_date": None,
        "worst": None,
        "best": None,
        "axis": "performance",
        "weight": 1.0,
        "status": "active",
    }
    base.update(overrides)
    return base


def errors_of(**overrides) -> list[tuple[str, str]]:
    """(field, code) of every error of the definition."""
    return [(error["loc"][1], error["code"]) for error in definition_errors(definition(**overrides))]


def test_a_plain_definition_is_valid():
    assert definition_errors(definition()) == []
    check_definition(definition())  # does not raise


def test_errors_name_the_body_field():
    [error] = definition_errors(definition(weight=0))
    assert error["loc"] == ["body", "weight"]
    assert error["msg"]


# calculation_method


@pytest.mark.parametrize("method", ["", "   ", "\n\t"])
def test_calculation_method_must_not_be_blank(method):
    assert errors_of(calculation_method=method) == [("calculation_method", "missing")]


def test_calculation_method_is_required():
    data = definition()
    del data["calculation_method"]
    assert [(e["loc"][1], e["code"]) for e in definition_errors(data)] == [("calculation_method", "missing")]


# ordinal scales


def test_ordinal_with_an_increasing_scale_is_valid():
    assert errors_of(measure_type="ordinal", scale_min=1, scale_max=5) == []
    assert errors_of(measure_type="ordinal", scale_min=-2, scale_max=2.5) == []


@pytest.mark.parametrize(("low", "high"), [(5, 5), (5, 1), (0.0, -0.5)])
def test_ordinal_scale_min_must_be_below_scale_max(low, high):
    assert errors_of(measure_type="ordinal", scale_min=low, scale_max=high) == [("scale_max", "scale_order")]


def test_ordinal_needs_both_ends_of_the_scale():
    assert errors_of(measure_type="ordinal") == [("scale_min", "missing"), ("scale_max", "missing")]
    assert errors_of(measure_type="ordinal", scale_min=1) == [("scale_max", "missing")]
    assert errors_of(measure_type="ordinal", scale_max=5) == [("scale_min", "missing")]


def test_ordinal_scale_of_zero_to_something_is_valid():
    # 0 is falsy: it must still count as a given scale_min.
    assert errors_of(measure_type="ordinal", scale_min=0, scale_max=4) == []


@pytest.mark.parametrize("measure_type", ["quantity", "percentage", "binary"])
def test_a_scale_applies_to_ordinal_indicators_only(measure_type):
    assert errors_of(measure_type=measure_type, scale_min=1, scale_max=5) == [
        ("scale_min", "not_applicable"),
        ("scale_max", "not_applicable"),
    ]
    assert errors_of(measure_type=measure_type, scale_max=0) == [("scale_max", "not_applicable")]


# baseline, target and direction


@pytest.mark.parametrize(
    ("direction", "baseline", "target"),
    [("increase", 10, 20), ("increase", -5, 0), ("decrease", 20, 10), ("decrease", 0, -1)],
)
def test_target_that_agrees_with_the_direction_is_valid(direction, baseline, target):
    assert errors_of(direction=direction, baseline_value=baseline, target_value=target) == []


@pytest.mark.parametrize(
    ("direction", "baseline", "target"),
    [
        ("increase", 20, 10),
        ("increase", 10, 10),
        ("increase", 0, -1),
        ("decrease", 10, 20),
        ("decrease", 10, 10),
        ("decrease", -1, 0),
    ],
)
def test_target_must_agree_with_the_direction(direction, baseline, target):
    assert errors_of(direction=direction, baseline_value=baseline, target_value=target) == [
        ("target_value", "target_direction")
    ]


def test_target_direction_message_names_the_direction():
    [error] = definition_errors(definition(direction="decrease", baseline_value=1, target_value=2))
    assert "decrease" in error["msg"]


def test_baseline_or_target_alone_is_valid():
    assert errors_of(baseline_value=10) == []
    assert errors_of(target_value=10, direction="decrease") == []


def test_target_date_may_not_precede_baseline_date():
    assert errors_of(baseline_date=date(2024, 1, 1), target_date=date(2026, 12, 31)) == []
    assert errors_of(baseline_date=date(2024, 1, 1), target_date=date(2024, 1, 1)) == []
    assert errors_of(baseline_date=date(2024, 1, 2), target_date=date(2024, 1, 1)) == [
        ("target_date", "date_order")
    ]


# bounds


@pytest.mark.parametrize(("worst", "best"), [(0, 100), (100, 0), (-1, 1)])
def test_different_bounds_are_valid(worst, best):
    assert errors_of(worst=worst, best=best) == []


@pytest.mark.parametrize("bound", [0, 0.0, 50, -3.5])
def test_worst_and_best_must_differ(bound):
    assert errors_of(worst=bound, best=bound) == [("best", "bounds_equal")]


def test_one_bound_alone_is_valid():
    assert errors_of(worst=0) == []
    assert errors_of(best=0) == []


# weight


@pytest.mark.parametrize("weight", [0.001, 1, 2.5, 1000])
def test_positive_weight_is_valid(weight):
    assert errors_of(weight=weight) == []


@pytest.mark.parametrize("weight", [0, 0.0, -1, -0.001])
def test_weight_must_be_above_zero(weight):
    assert errors_of(weight=weight) == [("weight", "weight")]


def test_missing_weight_is_refused():
    data = definition()
    del data["weight"]
    assert [(e["loc"][1], e["code"]) for e in definition_errors(data)] == [("weight", "weight")]


# several at once


def test_every_broken_rule_is_reported():
    found = errors_of(
        measure_type="ordinal",
        scale_min=3,
        scale_max=1,
        direction="increase",
        baseline_value=5,
        target_value=4,
        baseline_date=date(2025, 1, 1),
        target_date=date(2024, 1, 1),
        worst=2,
        best=2,
        calculation_method=" ",
        weight=0,
    )
    assert found == [
        ("scale_max", "scale_order"),
        ("target_value", "target_direction"),
        ("target_date", "date_order"),
        ("best", "bounds_equal"),
        ("calculation_method", "missing"),
        ("weight", "weight"),
    ]


def test_check_definition_raises_invalid_with_every_error():
    with pytest.raises(Invalid) as caught:
        check_definition(definition(worst=1, best=1, weight=-1))
    assert caught.value.status == 422
    assert [error["loc"] for error in caught.value.errors] == [["body", "best"], ["body", "weight"]]
    assert "worst and best must differ" in caught.value.detail
    assert "weight" in caught.value.detail
