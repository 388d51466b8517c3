"""The rules an indicator definition must satisfy, checked on the whole definition.

They run on creation and on the merged result of every PATCH, so that no sequence of partial
updates can leave an indicator that the scoring method cannot read.
"""

from typing import Any

from services.core.errors import Invalid
from services.core.vocabularies import Direction, MeasureType


def definition_errors(definition: dict[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []

    def error(field: str, msg: str, code: str) -> None:
        errors.append({"loc": ["body", field], "msg": msg, "code": code})

    scale_min, scale_max = definition.get("scale_min"), definition.get("scale_max")
    if definition["measure_type"] == MeasureType.ordinal:
        if scale_min is None:
            error("scale_min", "An ordinal indicator needs scale_min.", "missing")
        if scale_max is None:
            error("scale_max", "An ordinal indicator needs scale_max.", "missing")
        if scale_min is not None and scale_max is not None and not scale_min < scale_max:
            error("scale_max", "scale_min must be lower than scale_max.", "scale_order")
    else:
        for field in ("scale_min", "scale_max"):
            if definition.get(field) is not None:
                error(field, f"{field} applies to ordinal indicators only.", "not_applicable")

    baseline, target = definition.get("baseline_value"), definition.get("target_value")
    if baseline is not None and target is not None:
        if definition["direction"] == Direction.increase and not target > baseline:
            error(
                "target_value",
                "With direction 'increase' the target must be above the baseline.",
                "target_direction",
            )
        if definition["direction"] == Direction.decrease and not target < baseline:
            error(
                "target_value",
                "With direction 'decrease' the target must be below the baseline.",
                "target_direction",
            )

    baseline_date, target_date = definition.get("baseline_date"), definition.get("target_date")
    if baseline_date is not None and target_date is not None and target_date < baseline_date:
        error("target_date", "target_date is before baseline_date.", "date_order")

    worst, best = definition.get("worst"), definition.get("best")
    if worst is not None and best is not None and worst == best:
        error("best", "worst and best must differ.", "bounds_equal")

    if not definition.get("calculation_method", "").strip():
        error("calculation_method", "Write down how the indicator is computed.", "missing")
    if not definition.get("weight", 0) > 0:
        error("weight", "The weight must be above 0.", "weight")
    return errors


def check_definition(definition: dict[str, Any]) -> None:
    errors = definition_errors(definition)
    if errors:
        raise Invalid(
            "The indicator definition is not consistent: " + "; ".join(item["msg"] for item in errors),
            errors=errors,
        )
