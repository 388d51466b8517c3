"""An incoming value is built in one place (services.core.observations.service), with the
limits of its texts defined once: the table, the request schema and the CSV reader agree."""

import uuid
from datetime import date

import pytest
from pydantic import ValidationError

from services.core.observations.csv_format import parse_import
from services.core.observations.ingest import ItemErrors
from services.core.observations.periods import PeriodError
from services.core.observations.schemas import ObservationCreate
from services.core.observations.service import TEXT_LIMITS, from_csv, from_json

INDICATOR = uuid.UUID("0190f5a0-0000-7000-8000-00000000000a")


@pytest.mark.parametrize("field", sorted(TEXT_LIMITS))
def test_the_schema_and_the_csv_reader_share_each_text_limit(field):
    limit = TEXT_LIMITS[field]
    assert getattr(ObservationCreate(period="2024", value=1, **{field: "x" * limit}), field) == "x" * limit
    with pytest.raises(ValidationError) as refused:
        ObservationCreate(period="2024", value=1, **{field: "x" * (limit + 1)})
    assert refused.value.errors()[0]["loc"] == (field,)
    cells = {"source": "", "comment": "", field: "x" * (limit + 1)}
    values, errors = parse_import(
        f"indicator_id,period,value,source,comment\n{INDICATOR},2024,1,{cells['source']},{cells['comment']}\n"
    )
    assert values == []
    assert [(item["loc"], item["code"]) for item in errors.items] == [(["line", 2, field], "string_too_long")]


def test_a_json_item_and_a_csv_line_give_the_same_value():
    item = ObservationCreate(period="2024-Q2", value=12.5, status="estimated", source="INSEE", comment="note")
    from_item = from_json(3, INDICATOR, item)
    cells = {
        "indicator_id": str(INDICATOR),
        "period": "2024-Q2",
        "value": "12,5",
        "status": "estimated",
        "source": " INSEE ",
        "comment": "note",
    }
    from_line = from_csv(3, cells, lambda text: float(text.replace(",", ".")), ItemErrors("line"))
    assert from_item == from_line
    assert (from_item.period_start, from_item.period_end) == (date(2024, 4, 1), date(2024, 6, 30))


def test_a_json_item_without_a_period_is_refused():
    item = ObservationCreate(value=1)
    with pytest.raises(PeriodError):
        from_json(0, INDICATOR, item)


def test_a_csv_line_reports_every_bad_cell_and_gives_no_value():
    def refuse(text: str) -> float:
        raise ValueError(f"Not a finite number: {text!r}.")

    errors = ItemErrors("line")
    cells = {"indicator_id": "x", "period": "2024-13", "value": "abc", "status": "draft", "source": ""}
    assert from_csv(7, cells, refuse, errors) is None
    assert [(item["loc"], item["msg"]) for item in errors.items][2] == (
        ["line", 7, "value"],
        "Not a finite number: 'abc'.",
    )
    assert [item["loc"][2] for item in errors.items] == ["indicator_id", "period", "value", "status"]
