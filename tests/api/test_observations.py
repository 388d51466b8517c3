import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest

from tests.api.factories import create, create_alliance, create_catalyst, fetch, locs
from tests.api.indicator_factories import (
    create_indicator,
    history,
    key_id,
    observations_path,
    record,
    series,
)

UNKNOWN_ID = "0190f5a0-0000-7000-8000-000000000000"
IMPORT_HEADER = "indicator_id,period,value,status,source,comment"
CSV_HEADERS = {"Content-Type": "text/csv"}


@pytest.fixture
async def catalyst(client, staff):
    return await create_catalyst(client, staff)


@pytest.fixture
async def alliance(client, staff, catalyst):
    return await create_alliance(client, staff, [catalyst["id"]])


@pytest.fixture
async def indicator(client, staff, alliance):
    return await create_indicator(client, staff, alliance["id"])


@pytest.fixture
async def ordinal(client, staff, alliance):
    return await create_indicator(
        client, staff, alliance["id"], measure_type="ordinal", scale_min=1, scale_max=5
    )


@pytest.fixture
async def binary(client, staff, alliance):
    return await create_indicator(client, staff, alliance["id"], measure_type="binary")


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def periods(values: list[dict]) -> list[tuple[str, str]]:
    return [(v["period_start"], v["period_end"]) for v in values]


def error_positions(response, kind: str) -> list[tuple[int, str | None]]:
    """(index or line, field) of every error of a bulk problem response."""
    found = []
    for error in response.json()["errors"]:
        loc = error["loc"]
        assert loc[1] == error[kind], error
        found.append((error[kind], loc[2] if len(loc) > 2 else None))
    return found


async def post_batch(client, headers, items, **params):
    return await client.post("/v1/observations/batch", json=items, headers=headers, params=params)


async def post_import(client, headers, text: str | bytes, content_type: str = "text/csv", **params):
    body = text.encode() if isinstance(text, str) else text
    return await client.post(
        "/v1/observations/import",
        content=body,
        headers={**headers, "Content-Type": content_type},
        params=params,
    )


def csv_file(*rows: str, header: str = IMPORT_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


# --- periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("2024", "2024-01-01", "2024-12-31"),
        ("2024-Q1", "2024-01-01", "2024-03-31"),
        ("2024-Q2", "2024-04-01", "2024-06-30"),
        ("2024-Q4", "2024-10-01", "2024-12-31"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2023-02", "2023-02-01", "2023-02-28"),
        ("2024-05", "2024-05-01", "2024-05-31"),
        ("2024-05-17", "2024-05-17", "2024-05-17"),
        ("2024-02-29", "2024-02-29", "2024-02-29"),
        (" 2024-Q3 ", "2024-07-01", "2024-09-30"),
    ],
)
async def test_period_forms(client, staff, indicator, period, start, end):
    body = await record(client, staff, indicator, period=period, value=3)
    assert (body["period_start"], body["period_end"]) == (start, end)
    assert periods(await series(client, staff, indicator)) == [(start, end)]


async def test_explicit_period(client, staff, indicator):
    body = await record(client, staff, indicator, period_start="2024-03-15", period_end="2024-09-14", value=1)
    assert (body["period_start"], body["period_end"]) == ("2024-03-15", "2024-09-14")
    one_day = await record(
        client, staff, indicator, period_start="2024-12-01", period_end="2024-12-01", value=1
    )
    assert one_day["period_end"] == "2024-12-01"


@pytest.mark.parametrize(
    "period",
    [
        "2024-Q5",
        "2024-Q0",
        "2024-13",
        "2024-00",
        "2023-02-29",
        "2024-04-31",
        "24",
        "2024/05",
        "mai 2024",
        "2024-5",
        "2024-q2",
        "２０２４",
        "2024-05-17T00:00",
        "2024-05-17T00:00:00Z",
        "2024-01-01/2024-12-31",
        "",
    ],
)
async def test_anything_else_is_refused_with_the_accepted_forms(client, staff, indicator, period):
    response = await client.post(
        observations_path(indicator), json={"period": period, "value": 1}, headers=staff
    )
    body = assert_problem(response, 422)
    assert ["body", "period"] in locs(response)
    [message] = [error["msg"] for error in body["errors"] if error["loc"] == ["body", "period"]]
    for form in ("2024", "2024-Q2", "2024-05", "2024-05-17"):
        assert form in message, message
    assert await series(client, staff, indicator) == []


@pytest.mark.parametrize(
    "body",
    [
        {"period": "2024", "period_start": "2024-01-01", "period_end": "2024-12-31"},
        {"period": "2024", "period_start": "2024-01-01"},
        {"period": "2024", "period_end": "2024-12-31"},
    ],
)
async def test_both_period_forms_at_once_are_refused(client, staff, indicator, body):
    response = await client.post(observations_path(indicator), json={**body, "value": 1}, headers=staff)
    assert "not both" in assert_problem(response, 422)["detail"]
    assert await series(client, staff, indicator) == []


async def test_end_before_start_is_refused(client, staff, indicator):
    response = await client.post(
        observations_path(indicator),
        json={"period_start": "2024-05-02", "period_end": "2024-05-01", "value": 1},
        headers=staff,
    )
    assert "before" in assert_problem(response, 422)["detail"]
    assert await series(client, staff, indicator) == []


@pytest.mark.parametrize("body", [{}, {"period_start": "2024-01-01"}, {"period_end": "2024-01-01"}])
async def test_a_period_is_required(client, staff, indicator, body):
    response = await client.post(observations_path(indicator), json={**body, "value": 1}, headers=staff)
    assert_problem(response, 422)
    assert await series(client, staff, indicator) == []


# --- values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 3, 4.5, 5])
async def test_ordinal_value_inside_the_scale(client, staff, ordinal, value):
    assert (await record(client, staff, ordinal, period="2024", value=value))["value"] == value


@pytest.mark.parametrize("value", [0, 0.99, 5.01, 6, -1])
async def test_ordinal_value_outside_the_scale_is_refused(client, staff, ordinal, value):
    response = await client.post(
        observations_path(ordinal), json={"period": "2024", "value": value}, headers=staff
    )
    body = assert_problem(response, 422)
    assert ["body", "value"] in locs(response)
    assert "[1, 5]" in body["detail"]
    assert await series(client, staff, ordinal) == []


@pytest.mark.parametrize("value", [0, 1, 0.0, 1.0])
async def test_binary_values(client, staff, binary, value):
    assert (await record(client, staff, binary, period="2024", value=value))["value"] == value


@pytest.mark.parametrize("value", [0.5, 2, -1])
async def test_binary_value_outside_0_and_1_is_refused(client, staff, binary, value):
    response = await client.post(
        observations_path(binary), json={"period": "2024", "value": value}, headers=staff
    )
    assert_problem(response, 422)
    assert ["body", "value"] in locs(response)
    assert await series(client, staff, binary) == []


async def test_quantity_takes_any_finite_number(client, staff, indicator):
    assert (await record(client, staff, indicator, period="2023", value=-12.75))["value"] == -12.75
    assert (await record(client, staff, indicator, period="2024", value=1e12))["value"] == 1e12


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "nan", "inf", "abc", None, [1], {"n": 1}])
async def test_value_must_be_a_finite_number(client, staff, indicator, value):
    response = await client.post(
        observations_path(indicator), json={"period": "2024", "value": value}, headers=staff
    )
    assert_problem(response, 422)
    assert ["body", "value"] in locs(response)
    assert await series(client, staff, indicator) == []


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_raw_non_finite_json_literals_are_refused(client, staff, indicator, literal):
    body = '{"period": "2024", "value": ' + literal + "}"
    response = await client.post(
        observations_path(indicator), content=body, headers={**staff, "Content-Type": "application/json"}
    )
    assert_problem(response, 422)
    assert await series(client, staff, indicator) == []


async def test_value_is_required(client, staff, indicator):
    response = await client.post(observations_path(indicator), json={"period": "2024"}, headers=staff)
    assert ["body", "value"] in locs(response)
    assert response.status_code == 422


@pytest.mark.parametrize("status", ["provisional", "final", "estimated"])
async def test_statuses(client, staff, indicator, status):
    assert (await record(client, staff, indicator, period="2024", value=1, status=status))["status"] == status


async def test_status_defaults_to_final_and_others_are_refused(client, staff, indicator):
    assert (await record(client, staff, indicator, period="2023", value=1))["status"] == "final"
    response = await client.post(
        observations_path(indicator), json={"period": "2024", "value": 1, "status": "draft"}, headers=staff
    )
    assert_problem(response, 422)
    assert ["body", "status"] in locs(response)


async def test_unknown_fields_are_refused(client, staff, indicator):
    response = await client.post(
        observations_path(indicator), json={"period": "2024", "value": 1, "revision": 5}, headers=staff
    )
    assert ["body", "revision"] in locs(response)
    assert await series(client, staff, indicator) == []


# --- one value per (indicator, period): upsert and history ---------------------------------------


async def test_correction_keeps_the_id_and_adds_a_revision(client, staff, make_key, catalyst, indicator):
    writer = await make_key("write", catalyst_id=catalyst["id"])
    first = await client.post(
        observations_path(indicator),
        json={"period": "2024-Q2", "value": 10, "status": "provisional", "source": "Enquête"},
        headers=writer,
    )
    assert first.status_code == 201, first.text
    v1 = first.json()
    assert first.headers["location"] == f"/v1/observations/{v1['id']}"
    assert (v1["revision"], v1["indicator_id"]) == (1, indicator["id"])
    assert v1["recorded_by"] == await key_id(client, staff, writer)

    second = await client.post(
        observations_path(indicator),
        json={"period_start": "2024-04-01", "period_end": "2024-06-30", "value": 12, "comment": "corrigé"},
        headers=staff,
    )
    assert second.status_code == 200, second.text
    v2 = second.json()
    assert v2["id"] == v1["id"]
    assert (v2["value"], v2["status"], v2["revision"]) == (12, "final", 2)
    assert (v2["source"], v2["comment"]) == (None, "corrigé")
    assert v2["recorded_by"] == await key_id(client, staff, staff)
    assert datetime.fromisoformat(v2["recorded_at"]) >= datetime.fromisoformat(v1["recorded_at"])

    assert await series(client, staff, indicator) == [v2]
    assert await fetch(client, f"/v1/observations/{v1['id']}", staff) == v2
    revisions = await history(client, staff, v1)
    assert revisions == [v1, v2]


async def test_history_is_paginated_oldest_first(client, staff, indicator):
    first = await record(client, staff, indicator, period="2024", value=0)
    for value in range(1, 7):
        await record(client, staff, indicator, 200, period="2024", value=value)
    revisions = await history(client, staff, first, limit=2)
    assert [r["value"] for r in revisions] == list(range(7))
    assert [r["revision"] for r in revisions] == list(range(1, 8))
    assert {r["id"] for r in revisions} == {first["id"]}


async def test_same_value_again_records_no_revision(client, staff, indicator):
    first = await record(client, staff, indicator, period="2024", value=5, source="INSEE")
    again = await record(client, staff, indicator, 200, period="2024", value=5.0, source="INSEE")
    assert again == first
    assert len(await history(client, staff, first)) == 1


async def test_a_change_of_status_alone_is_a_correction(client, staff, indicator):
    first = await record(client, staff, indicator, period="2024", value=5, status="provisional")
    second = await record(client, staff, indicator, 200, period="2024", value=5, status="final")
    assert (second["id"], second["revision"], second["status"]) == (first["id"], 2, "final")
    assert [h["status"] for h in await history(client, staff, first)] == ["provisional", "final"]


async def test_periods_with_the_same_end_are_different_values(client, staff, indicator):
    year = await record(client, staff, indicator, period="2024", value=1)
    quarter = await record(client, staff, indicator, period="2024-Q4", value=2)
    month = await record(client, staff, indicator, period="2024-12", value=3)
    day = await record(client, staff, indicator, period="2024-12-31", value=4)
    assert len({year["id"], quarter["id"], month["id"], day["id"]}) == 4
    assert [v["value"] for v in await series(client, staff, indicator)] == [1, 2, 3, 4]


async def test_unknown_ids_are_404(client, staff):
    response = await client.post(
        f"/v1/indicators/{UNKNOWN_ID}/observations", json={"period": "2024", "value": 1}, headers=staff
    )
    assert_problem(response, 404)
    assert_problem(await client.get(f"/v1/indicators/{UNKNOWN_ID}/observations", headers=staff), 404)
    assert_problem(await client.get(f"/v1/observations/{UNKNOWN_ID}", headers=staff), 404)
    assert_problem(await client.get(f"/v1/observations/{UNKNOWN_ID}/history", headers=staff), 404)


# --- batch ----------------------------------------------------------------------------------------


async def test_batch_records_every_item_in_order(client, staff, indicator, ordinal):
    items = [
        {"indicator_id": indicator["id"], "period": "2024-Q2", "value": 7, "status": "estimated"},
        {"indicator_id": ordinal["id"], "period": "2024", "value": 4, "source": "Questionnaire"},
        {
            "indicator_id": indicator["id"],
            "period_start": "2024-01-10",
            "period_end": "2024-02-09",
            "value": -1,
        },
    ]
    response = await post_batch(client, staff, items)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dry_run"], body["created"], body["updated"], body["unchanged"]) == (False, 3, 0, 0)
    assert [item["indicator_id"] for item in body["items"]] == [
        indicator["id"],
        ordinal["id"],
        indicator["id"],
    ]
    assert periods(body["items"]) == [
        ("2024-04-01", "2024-06-30"),
        ("2024-01-01", "2024-12-31"),
        ("2024-01-10", "2024-02-09"),
    ]
    assert [item["value"] for item in body["items"]] == [7, 4, -1]
    assert body["items"][0]["status"] == "estimated"
    assert body["items"][1]["source"] == "Questionnaire"
    assert periods(await series(client, staff, indicator)) == [
        ("2024-01-10", "2024-02-09"),
        ("2024-04-01", "2024-06-30"),
    ]
    stored = await series(client, staff, ordinal)
    assert stored == [body["items"][1]]


async def test_batch_mixes_new_values_corrections_and_repeats(client, staff, indicator):
    kept = await record(client, staff, indicator, period="2023", value=1)
    corrected = await record(client, staff, indicator, period="2024", value=2)
    items = [
        {"indicator_id": indicator["id"], "period": "2023", "value": 1},
        {"indicator_id": indicator["id"], "period": "2024", "value": 20},
        {"indicator_id": indicator["id"], "period": "2025", "value": 3},
    ]
    body = (await post_batch(client, staff, items)).json()
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 1, 1)
    assert [item["id"] for item in body["items"][:2]] == [kept["id"], corrected["id"]]
    assert [item["revision"] for item in body["items"]] == [1, 2, 1]
    assert [h["value"] for h in await history(client, staff, corrected)] == [2, 20]
    assert len(await history(client, staff, kept)) == 1


async def test_batch_with_one_bad_item_writes_nothing(client, staff, indicator, ordinal):
    items = [
        {"indicator_id": indicator["id"], "period": "2024-01", "value": 1},
        {"indicator_id": ordinal["id"], "period": "2024-02", "value": 9},  # outside [1, 5]
        {"indicator_id": indicator["id"], "period": "2024-03", "value": 3},
    ]
    response = await post_batch(client, staff, items)
    body = assert_problem(response, 422)
    assert error_positions(response, "index") == [(1, "value")]
    assert "nothing was written" in body["detail"]
    assert await series(client, staff, indicator) == []
    assert await series(client, staff, ordinal) == []


async def test_batch_lists_every_bad_item(client, staff, indicator, binary):
    archived = await create_indicator(client, staff, indicator["alliance_id"])
    await client.delete(f"/v1/indicators/{archived['id']}", headers=staff)
    items = [
        {"indicator_id": indicator["id"], "period": "2024-Q5", "value": 1},
        {"indicator_id": indicator["id"], "period": "2024", "value": "NaN"},
        {"indicator_id": indicator["id"], "period": "2024", "value": 1},
        {"indicator_id": binary["id"], "period": "2024", "value": 0.5},
        {"indicator_id": UNKNOWN_ID, "period": "2024", "value": 1},
        {"indicator_id": indicator["id"], "period": "2023", "value": "Infinity"},
        {"indicator_id": indicator["id"], "period": "2022", "value": 1, "status": "draft"},
        {"indicator_id": indicator["id"], "value": 1},
        {"indicator_id": indicator["id"], "period": "2021", "period_start": "2021-01-01", "value": 1},
        {
            "indicator_id": indicator["id"],
            "period_start": "2021-02-01",
            "period_end": "2021-01-01",
            "value": 1,
        },
        {"indicator_id": archived["id"], "period": "2024", "value": 1},
        {"indicator_id": "not-a-uuid", "period": "2024", "value": 1},
        {"indicator_id": indicator["id"], "period": "2020", "value": 1, "colour": "blue"},
        "not an object",
    ]
    response = await post_batch(client, staff, items)
    assert_problem(response, 422)
    assert error_positions(response, "index") == [
        (0, "period"),
        (1, "value"),
        (3, "value"),
        (4, "indicator_id"),
        (5, "value"),
        (6, "status"),
        (7, "period"),
        (8, "period"),
        (9, "period"),
        (10, "indicator_id"),
        (11, "indicator_id"),
        (12, "colour"),
        (13, None),
    ]
    for indicator_ in (indicator, binary, archived):
        assert await series(client, staff, indicator_) == []


async def test_batch_period_errors_list_the_accepted_forms(client, staff, indicator):
    items = [
        {"indicator_id": indicator["id"], "period": "2024-Q9", "value": 1},
        {"indicator_id": indicator["id"], "period": "2024-05-17T00:00:00Z", "value": 1},
    ]
    response = await post_batch(client, staff, items)
    assert_problem(response, 422)
    assert error_positions(response, "index") == [(0, "period"), (1, "period")]
    for error in response.json()["errors"]:
        assert "2024-Q2" in error["msg"] and "2024-05-17" in error["msg"], error


async def test_duplicate_period_inside_a_batch_is_refused(client, staff, indicator):
    items = [
        {"indicator_id": indicator["id"], "period": "2024-05", "value": 1},
        {"indicator_id": indicator["id"], "period": "2024-06", "value": 2},
        {
            "indicator_id": indicator["id"],
            "period_start": "2024-05-01",
            "period_end": "2024-05-31",
            "value": 3,
        },
    ]
    response = await post_batch(client, staff, items)
    assert_problem(response, 422)
    assert error_positions(response, "index") == [(2, "period")]
    assert "0" in response.json()["errors"][0]["msg"]
    assert await series(client, staff, indicator) == []


async def test_batch_dry_run_validates_and_writes_nothing(client, staff, indicator):
    existing = await record(client, staff, indicator, period="2023", value=1)
    items = [
        {"indicator_id": indicator["id"], "period": "2023", "value": 10},
        {"indicator_id": indicator["id"], "period": "2024", "value": 2},
    ]
    response = await post_batch(client, staff, items, dry_run="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dry_run"], body["created"], body["updated"], body["unchanged"], body["items"]) == (
        True,
        1,
        1,
        0,
        [],
    )
    assert await series(client, staff, indicator) == [existing]
    assert len(await history(client, staff, existing)) == 1
    bad = await post_batch(
        client, staff, [*items, {"indicator_id": indicator["id"], "value": 1}], dry_run="true"
    )
    assert error_positions(bad, "index") == [(2, "period")]


async def test_batch_of_ten_thousand_items_is_accepted(client, staff, indicator):
    first_day = date(2000, 1, 1)
    items = [
        {
            "indicator_id": indicator["id"],
            "period_start": (first_day + timedelta(days=n)).isoformat(),
            "period_end": (first_day + timedelta(days=n)).isoformat(),
            "value": n,
        }
        for n in range(10_000)
    ]
    response = await post_batch(client, staff, items)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 10_000
    exported = await client.get(observations_path(indicator), params={"format": "csv"}, headers=staff)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 10_000
    assert float(rows[-1]["value"]) == 9_999


async def test_batch_over_the_limit_is_422_as_the_document_says(client, staff, indicator):
    """The body's schema has maxItems: 10000, and a body against its schema is a 422 (a 413
    is for a body over the size limit, or a file over the count limit)."""
    items = [{"indicator_id": indicator["id"], "period": "2024", "value": 1}] * 10_001
    response = await post_batch(client, staff, items)
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body"]
    assert "10000" in body["detail"].replace(",", "")
    assert await series(client, staff, indicator) == []


async def test_batch_body_must_be_a_json_array(client, staff, indicator):
    item = {"indicator_id": indicator["id"], "period": "2024", "value": 1}
    assert_problem(await post_batch(client, staff, item), 422)
    response = await client.post(
        "/v1/observations/batch", content=b"[{", headers={**staff, "Content-Type": "application/json"}
    )
    assert_problem(response, 422)
    response = await client.post(
        "/v1/observations/batch", content=json.dumps([item]), headers={**staff, "Content-Type": "text/plain"}
    )
    assert_problem(response, 415)
    assert await series(client, staff, indicator) == []


async def test_batch_refuses_raw_nan(client, staff, indicator):
    body = '[{"indicator_id": "' + indicator["id"] + '", "period": "2024", "value": NaN}]'
    response = await client.post(
        "/v1/observations/batch", content=body, headers={**staff, "Content-Type": "application/json"}
    )
    assert_problem(response, 422)
    assert await series(client, staff, indicator) == []


async def test_empty_batch_writes_nothing(client, staff):
    response = await post_batch(client, staff, [])
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["items"]) == (0, [])


# --- CSV import ------------------------------------------------------------------------------------


async def test_import_comma_separated(client, staff, indicator, ordinal):
    text = csv_file(
        f"{indicator['id']},2024-Q1,12.5,provisional,INSEE,premier relevé",
        f"{ordinal['id']},2024,3,,,",
        f'{indicator["id"]},2024-Q2,13,final,"Mairie, service emploi","deux\nlignes"',
    )
    response = await post_import(client, staff, text)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (3, 0, 0)
    values = await series(client, staff, indicator)
    assert [(v["value"], v["status"], v["source"], v["comment"]) for v in values] == [
        (12.5, "provisional", "INSEE", "premier relevé"),
        (13, "final", "Mairie, service emploi", "deux\nlignes"),
    ]
    assert [v["value"] for v in await series(client, staff, ordinal)] == [3]


async def test_import_semicolons_bom_and_decimal_comma(client, staff, indicator):
    text = "\ufeffindicator_id;period;value;status;source;comment\r\n"
    text += f"{indicator['id']};2024-02;1 234,5;estimated;Source, avec virgule;\r\n"
    text += f"{indicator['id']};2024-03;-0,25;;;\r\n"
    response = await post_import(client, staff, text, content_type="text/csv; charset=utf-8")
    assert response.status_code == 200, response.text
    values = await series(client, staff, indicator)
    assert [(v["period_start"], v["period_end"], v["value"]) for v in values] == [
        ("2024-02-01", "2024-02-29", 1234.5),
        ("2024-03-01", "2024-03-31", -0.25),
    ]
    assert values[0]["source"] == "Source, avec virgule"


async def test_import_errors_name_their_lines_and_nothing_is_written(client, staff, indicator, ordinal):
    text = csv_file(
        f"{indicator['id']},2024-01,1,,,",  # 2: fine
        f'{indicator["id"]},2024-02,2,,,"sur\ndeux lignes"',  # 3-4: fine
        f'{indicator["id"]},2024-03,"1,5",,,',  # 5: decimal comma with ","
        "",  # 6: blank
        f"{ordinal['id']},2024,7,,,",  # 7: outside the scale
        f"{UNKNOWN_ID},2024,1,,,",  # 8: unknown indicator
        f"{indicator['id']},2024-13,1,,,",  # 9: no such month
        f"{indicator['id']},2024-01,5,,,",  # 10: same period as line 2
    )
    response = await post_import(client, staff, text)
    body = assert_problem(response, 422)
    assert error_positions(response, "line") == [
        (5, "value"),
        (7, "value"),
        (8, "indicator_id"),
        (9, "period"),
        (10, "period"),
    ]
    assert "nothing was written" in body["detail"]
    assert "line 2" in response.json()["errors"][-1]["msg"]
    assert await series(client, staff, indicator) == []
    assert await series(client, staff, ordinal) == []


async def test_import_with_a_bad_header(client, staff, indicator):
    response = await post_import(
        client, staff, csv_file(f"{indicator['id']},2024,1", header="id,period,value")
    )
    assert_problem(response, 422)
    assert error_positions(response, "line") == [(1, None)]
    assert await series(client, staff, indicator) == []


async def test_import_dry_run(client, staff, indicator):
    existing = await record(client, staff, indicator, period="2023", value=1)
    text = csv_file(f"{indicator['id']},2023,1,,,", f"{indicator['id']},2024,2,,,")
    response = await post_import(client, staff, text, dry_run="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dry_run"], body["created"], body["unchanged"], body["items"]) == (True, 1, 1, [])
    assert await series(client, staff, indicator) == [existing]
    bad = await post_import(client, staff, text + f"{indicator['id']},2025,x,,,\n", dry_run="true")
    assert error_positions(bad, "line") == [(4, "value")]


async def test_import_over_16_mib_is_413(client, staff, indicator):
    row = f"{indicator['id']},2024,1,,,\n"
    text = IMPORT_HEADER + "\n" + row * (16 * 1024 * 1024 // len(row) + 1)
    assert len(text.encode()) > 16 * 1024 * 1024
    body = assert_problem(await post_import(client, staff, text), 413)
    assert "16 MiB" in body["detail"]
    assert await series(client, staff, indicator) == []


async def test_import_over_16_mib_without_a_declared_length_is_413(client, staff, indicator):
    chunk = b"x" * (1024 * 1024)

    async def body():
        yield (IMPORT_HEADER + "\n").encode()
        for _ in range(17):
            yield chunk

    response = await client.post(
        "/v1/observations/import", content=body(), headers={**staff, "Content-Type": "text/csv"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream", ""])
async def test_import_needs_a_csv_content_type(client, staff, indicator, content_type):
    text = csv_file(f"{indicator['id']},2024,1,,,")
    response = await post_import(client, staff, text, content_type=content_type)
    assert_problem(response, 415)
    assert await series(client, staff, indicator) == []


async def test_import_must_be_utf8(client, staff, indicator):
    text = csv_file(f"{indicator['id']},2024,1,,Données régionales,")
    response = await post_import(client, staff, text.encode("latin-1"))
    body = assert_problem(response, 422)
    assert "UTF-8" in body["detail"]
    assert await series(client, staff, indicator) == []


# --- reading the series ---------------------------------------------------------------------------


async def test_from_and_to_apply_to_the_period_end(client, staff, indicator):
    await record(client, staff, indicator, period="2024", value=1)  # ends 2024-12-31
    await record(client, staff, indicator, period="2024-Q2", value=2)  # ends 2024-06-30
    await record(client, staff, indicator, period="2024-05-17", value=3)
    await record(client, staff, indicator, period="2023-12", value=4)  # ends 2023-12-31

    async def values(**params) -> list[float]:
        return [v["value"] for v in await series(client, staff, indicator, **params)]

    assert await values() == [4, 3, 2, 1]
    assert await values(**{"from": "2024-06-30"}) == [2, 1]
    assert await values(**{"from": "2024-07-01"}) == [1]
    assert await values(to="2024-06-30") == [4, 3, 2]
    assert await values(to="2024-06-29") == [4, 3]
    # A period that starts before `from` still counts when it ends inside the window.
    assert await values(**{"from": "2024-05-18", "to": "2024-06-30"}) == [2]
    assert await values(**{"from": "2025-01-01"}) == []


async def test_to_before_from_is_refused(client, staff, indicator):
    response = await client.get(
        observations_path(indicator), params={"from": "2024-02-01", "to": "2024-01-01"}, headers=staff
    )
    assert_problem(response, 422)


async def test_as_of_returns_the_values_known_then(client, staff, indicator):
    v1 = await record(client, staff, indicator, period="2024", value=1)
    noted = v1["recorded_at"]
    await record(client, staff, indicator, 200, period="2024", value=2)
    other = await record(client, staff, indicator, period="2023", value=9)

    async def values(as_of: str) -> list[tuple[float, int]]:
        return [(v["value"], v["revision"]) for v in await series(client, staff, indicator, as_of=as_of)]

    assert await values(noted) == [(1, 1)]
    assert (await series(client, staff, indicator, as_of=noted))[0]["id"] == v1["id"]
    assert await values(other["recorded_at"]) == [(9, 1), (2, 2)]
    before = (datetime.fromisoformat(noted) - timedelta(microseconds=1)).isoformat()
    assert await values(before) == []
    assert await values("2000-01-01T00:00:00Z") == []
    # An offset other than UTC names the same instant.
    in_paris = datetime.fromisoformat(noted).astimezone(
        datetime.fromisoformat("2024-01-01T00:00+02:00").tzinfo
    )
    assert await values(in_paris.isoformat()) == [(1, 1)]
    # Without as_of: the current values.
    assert [v["value"] for v in await series(client, staff, indicator)] == [9, 2]


async def test_as_of_combines_with_from_to_and_csv(client, staff, indicator):
    v1 = await record(client, staff, indicator, period="2024", value=1, comment="=cmd")
    await record(client, staff, indicator, 200, period="2024", value=2)
    await record(client, staff, indicator, period="2022", value=3)
    assert await series(client, staff, indicator, as_of=v1["recorded_at"], to="2023-12-31") == []
    response = await client.get(
        observations_path(indicator), params={"as_of": v1["recorded_at"], "format": "csv"}, headers=staff
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["value"], row["comment"], row["id"]) for row in rows] == [("1.0", "'=cmd", v1["id"])]


async def test_as_of_needs_a_timezone(client, staff, indicator):
    response = await client.get(
        observations_path(indicator), params={"as_of": "2024-05-01T00:00:00"}, headers=staff
    )
    assert_problem(response, 422)
    assert ["query", "as_of"] in locs(response)


@pytest.mark.parametrize(
    ("granularity", "expected"),
    [
        ("month", [1, 3, 4, 5, 7]),
        ("quarter", [4, 5, 7]),
        ("year", [5, 7]),
    ],
)
async def test_granularity_keeps_the_last_value_of_each_bucket(
    client, staff, indicator, granularity, expected
):
    for period, value in [
        ("2024-01-10", 1),
        ("2024-02-03", 2),
        ("2024-02-20", 3),
        ("2024-03", 4),
        ("2024-04-01", 5),
        ("2025-01", 6),
        ("2025-01-31", 7),
    ]:
        await record(client, staff, indicator, period=period, value=value)
    values = await series(client, staff, indicator, granularity=granularity)
    assert [v["value"] for v in values] == expected


async def test_unknown_granularity_is_refused(client, staff, indicator):
    response = await client.get(observations_path(indicator), params={"granularity": "week"}, headers=staff)
    assert response.status_code == 422


async def test_json_series_is_paginated(client, staff, indicator):
    recorded = [
        await record(client, staff, indicator, period=f"2024-{month:02d}", value=month)
        for month in range(1, 8)
    ]
    first_page = await client.get(observations_path(indicator), params={"limit": 3}, headers=staff)
    body = first_page.json()
    assert set(body) == {"items", "next_cursor"}
    assert [v["value"] for v in body["items"]] == [1, 2, 3]
    assert body["next_cursor"]
    assert await series(client, staff, indicator, limit=3) == recorded
    assert await series(client, staff, indicator, limit=7) == recorded


@pytest.mark.parametrize("how", ["accept", "format"])
async def test_csv_series(client, staff, indicator, how):
    first = await record(
        client,
        staff,
        indicator,
        period="2024-Q1",
        value=-3.5,
        source="@SUM(A1:A9)",
        comment='=HYPERLINK("http://evil.example","clic")',
    )
    await record(client, staff, indicator, period="2024-Q2", value=4, source="+33 1 23 45", comment="-moins")
    await record(client, staff, indicator, period="2024-Q3", value=5, source="Mairie", comment="a, b\nc")
    if how == "accept":
        response = await client.get(observations_path(indicator), headers={**staff, "Accept": "text/csv"})
    else:
        response = await client.get(observations_path(indicator), params={"format": "csv"}, headers=staff)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[0] == [
        "id",
        "indicator_id",
        "period_start",
        "period_end",
        "value",
        "status",
        "source",
        "comment",
        "revision",
        "recorded_at",
        "recorded_by",
    ]
    data = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [row["value"] for row in data] == ["-3.5", "4.0", "5.0"]  # numbers are not escaped
    assert [row["source"] for row in data] == ["'@SUM(A1:A9)", "'+33 1 23 45", "Mairie"]
    assert [row["comment"] for row in data] == [
        '\'=HYPERLINK("http://evil.example","clic")',
        "'-moins",
        "a, b\nc",
    ]
    assert data[0]["id"] == first["id"]
    assert (data[0]["period_start"], data[0]["period_end"]) == ("2024-01-01", "2024-03-31")
    assert data[0]["recorded_by"] == await key_id(client, staff, staff)
    assert all(
        not cell.startswith(("=", "+", "-", "@"))
        for row in data
        for cell in row.values()
        if cell != row["value"]
    )


async def test_format_json_wins_over_accept(client, staff, indicator):
    await record(client, staff, indicator, period="2024", value=1)
    response = await client.get(
        observations_path(indicator), params={"format": "json"}, headers={**staff, "Accept": "text/csv"}
    )
    assert response.headers["content-type"].startswith("application/json")
    assert [v["value"] for v in response.json()["items"]] == [1]


async def test_csv_of_an_empty_series_is_its_header(client, staff, indicator):
    response = await client.get(observations_path(indicator), params={"format": "csv"}, headers=staff)
    assert response.text.startswith("id,indicator_id,period_start")
    assert len(list(csv.reader(io.StringIO(response.text)))) == 1


async def test_reader_can_read_but_not_write(client, staff, reader, indicator):
    observation = await record(client, staff, indicator, period="2024", value=1)
    assert await series(client, reader, indicator) == [observation]
    assert len(await history(client, reader, observation)) == 1
    response = await client.post(
        observations_path(indicator), json={"period": "2025", "value": 1}, headers=reader
    )
    assert_problem(response, 403)
    item = {"indicator_id": indicator["id"], "period": "2025", "value": 1}
    assert_problem(await post_batch(client, reader, [item]), 403)
    assert_problem(await post_import(client, reader, csv_file(f"{indicator['id']},2025,1,,,")), 403)
    assert await series(client, staff, indicator) == [observation]


# --- write keys -----------------------------------------------------------------------------------


@pytest.fixture
async def two_catalysts(client, staff, make_key):
    a, b = await create_catalyst(client, staff), await create_catalyst(client, staff)
    alliance_a = await create_alliance(client, staff, [a["id"]])
    alliance_b = await create_alliance(client, staff, [b["id"]])
    return {
        "indicator_a": await create_indicator(client, staff, alliance_a["id"]),
        "indicator_b": await create_indicator(client, staff, alliance_b["id"]),
        "key_a": await make_key("write", catalyst_id=a["id"]),
    }


async def test_write_key_records_on_its_own_indicators(client, staff, two_catalysts):
    key_a, indicator_a = two_catalysts["key_a"], two_catalysts["indicator_a"]
    single = await record(client, key_a, indicator_a, period="2022", value=1)
    batch = await post_batch(
        client, key_a, [{"indicator_id": indicator_a["id"], "period": "2023", "value": 2}]
    )
    assert batch.status_code == 200, batch.text
    imported = await post_import(client, key_a, csv_file(f"{indicator_a['id']},2024,3,,,"))
    assert imported.status_code == 200, imported.text
    values = await series(client, staff, indicator_a)
    assert [v["value"] for v in values] == [1, 2, 3]
    assert (
        {v["recorded_by"] for v in values} == {single["recorded_by"]} == {await key_id(client, staff, key_a)}
    )


async def test_write_key_cannot_record_on_another_catalysts_indicators(client, staff, two_catalysts):
    key_a, indicator_a, indicator_b = (
        two_catalysts["key_a"],
        two_catalysts["indicator_a"],
        two_catalysts["indicator_b"],
    )
    response = await client.post(
        observations_path(indicator_b), json={"period": "2024", "value": 1}, headers=key_a
    )
    detail = assert_problem(response, 403)["detail"]
    assert "alliance" in detail and "single" not in detail
    # A batch with one foreign item is refused whole, its own items included.
    items = [
        {"indicator_id": indicator_a["id"], "period": "2024", "value": 1},
        {"indicator_id": indicator_b["id"], "period": "2024", "value": 1},
    ]
    response = await post_batch(client, key_a, items)
    assert "items 1;" in assert_problem(response, 403)["detail"]
    response = await post_batch(client, key_a, items, dry_run="true")
    assert_problem(response, 403)
    text = csv_file(f"{indicator_a['id']},2024,1,,,", f"{indicator_b['id']},2024,1,,,")
    response = await post_import(client, key_a, text)
    assert "lines 3;" in assert_problem(response, 403)["detail"]
    assert await series(client, staff, indicator_a) == []
    assert await series(client, staff, indicator_b) == []


async def test_write_key_cannot_correct_another_catalysts_value(client, staff, two_catalysts):
    key_a, indicator_b = two_catalysts["key_a"], two_catalysts["indicator_b"]
    original = await record(client, staff, indicator_b, period="2024", value=1)
    response = await client.post(
        observations_path(indicator_b), json={"period": "2024", "value": 99}, headers=key_a
    )
    assert_problem(response, 403)
    assert await series(client, staff, indicator_b) == [original]
    assert len(await history(client, staff, original)) == 1


@pytest.mark.parametrize("value", [True, False, "12"])
async def test_a_value_must_be_a_json_number(client, staff, value):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    indicator = await create(
        client,
        f"/v1/alliances/{alliance['id']}/indicators",
        {"code": "N", "name": "Nombre", "calculation_method": "Somme", "axis": "trust"},
        staff,
    )
    response = await client.post(
        f"/v1/indicators/{indicator['id']}/observations",
        json={"period": "2024", "value": value},
        headers=staff,
    )
    assert response.status_code == 422
    assert ["body", "value"] in [error["loc"] for error in response.json()["errors"]]
