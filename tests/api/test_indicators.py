from datetime import datetime

import pytest

from tests.api.factories import (
    collect,
    create_alliance,
    create_catalyst,
    create_member,
    create_organisation,
    fetch,
    ids,
    locs,
)
from tests.api.indicator_factories import (
    collect_revisions,
    create_indicator,
    history,
    indicator_payload,
    key_id,
    record,
    series,
)

UNKNOWN_ID = "0190f5a0-0000-7000-8000-000000000000"


@pytest.fixture
async def catalyst(client, staff):
    return await create_catalyst(client, staff)


@pytest.fixture
async def alliance(client, staff, catalyst):
    return await create_alliance(client, staff, [catalyst["id"]])


def indicators_path(alliance: dict) -> str:
    return f"/v1/alliances/{alliance['id']}/indicators"


def indicator_path(indicator: dict) -> str:
    return f"/v1/indicators/{indicator['id']}"


async def indicators_of(client, headers, alliance: dict) -> list[dict]:
    return await collect(client, indicators_path(alliance), headers)


async def revisions_of(client, headers, indicator: dict) -> list[dict]:
    return await collect_revisions(client, f"{indicator_path(indicator)}/revisions", headers)


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    if field is not None:
        assert ["body", field] in locs(response), body
    return body


# --- creation ----------------------------------------------------------------------------------


async def test_create_with_every_field(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    member = await create_member(client, staff, alliance["id"], organisation["id"])
    payload = {
        "code": "EMP-01",
        "name": "Emplois créés",
        "description": "Emplois durables créés par les membres.",
        "calculation_method": "Contrats de plus de six mois signés dans l'année (registre RH).",
        "unit": "emplois",
        "measure_type": "quantity",
        "scale_min": None,
        "scale_max": None,
        "direction": "increase",
        "baseline_value": 12.0,
        "baseline_date": "2023-01-01",
        "target_value": 40.0,
        "target_date": "2026-12-31",
        "worst": 0.0,
        "best": 50.0,
        "axis": "performance",
        "prism": "organisation",
        "dimension": "economic",
        "member_id": member["id"],
        "weight": 2.5,
    }
    response = await client.post(indicators_path(alliance), json=payload, headers=staff)
    assert response.status_code == 201, response.text
    body = response.json()
    for field, value in payload.items():
        assert body[field] == value, field
    assert body["alliance_id"] == alliance["id"]
    assert (body["status"], body["revision"]) == ("active", 1)
    assert response.headers["location"] == f"/v1/indicators/{body['id']}"
    assert response.headers["etag"]
    fetched = await fetch(client, indicator_path(body), staff)
    assert fetched == body


async def test_defaults(client, staff, alliance):
    body = await create_indicator(client, staff, alliance["id"])
    assert body["measure_type"] == "quantity"
    assert body["direction"] == "increase"
    assert body["weight"] == 1
    assert body["member_id"] is None  # collective
    assert body["status"] == "active"
    for field in ("scale_min", "scale_max", "baseline_value", "target_value", "worst", "best", "unit"):
        assert body[field] is None, field


async def test_ordinal_indicator(client, staff, alliance):
    body = await create_indicator(
        client, staff, alliance["id"], measure_type="ordinal", scale_min=1, scale_max=5, axis="trust"
    )
    assert (body["scale_min"], body["scale_max"]) == (1, 5)


async def test_reader_sees_indicators(client, staff, reader, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    assert ids(await indicators_of(client, reader, alliance)) == {indicator["id"]}
    assert (await fetch(client, indicator_path(indicator), reader))["code"] == indicator["code"]


async def test_list_filters_by_status_and_axis(client, staff, alliance):
    trust = await create_indicator(client, staff, alliance["id"], axis="trust")
    performance = await create_indicator(client, staff, alliance["id"], axis="performance")
    archived = await create_indicator(client, staff, alliance["id"], axis="trust")
    assert (await client.delete(indicator_path(archived), headers=staff)).status_code == 200
    path = indicators_path(alliance)
    assert ids(await collect(client, path, staff, axis="trust")) == {trust["id"], archived["id"]}
    assert ids(await collect(client, path, staff, status="active")) == {trust["id"], performance["id"]}
    assert ids(await collect(client, path, staff, status="archived")) == {archived["id"]}
    assert ids(await collect(client, path, staff, limit=1)) == {
        trust["id"],
        performance["id"],
        archived["id"],
    }


async def test_indicators_of_another_alliance_are_not_listed(client, staff, catalyst, alliance):
    other = await create_alliance(client, staff, [catalyst["id"]])
    mine = await create_indicator(client, staff, alliance["id"])
    await create_indicator(client, staff, other["id"])
    assert ids(await indicators_of(client, staff, alliance)) == {mine["id"]}


async def test_unknown_ids_are_404(client, staff):
    assert_problem(await client.get(f"/v1/indicators/{UNKNOWN_ID}", headers=staff), 404)
    assert_problem(await client.get(f"/v1/indicators/{UNKNOWN_ID}/revisions", headers=staff), 404)
    response = await client.post(
        f"/v1/alliances/{UNKNOWN_ID}/indicators", json=indicator_payload(), headers=staff
    )
    assert_problem(response, 404)


async def test_no_key_is_401(client, staff, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    assert (await client.get(indicator_path(indicator))).status_code == 401
    assert (await client.post(indicators_path(alliance), json=indicator_payload())).status_code == 401


# --- validation: nothing is written ------------------------------------------------------------


async def assert_refused(client, staff, alliance, expected: int, expected_field: str, **overrides) -> dict:
    before = ids(await indicators_of(client, staff, alliance))
    response = await client.post(
        indicators_path(alliance), json=indicator_payload(**overrides), headers=staff
    )
    body = assert_problem(response, expected, expected_field)
    assert ids(await indicators_of(client, staff, alliance)) == before
    return body


@pytest.mark.parametrize("method", ["", "   ", None])
async def test_calculation_method_must_be_written_down(client, staff, alliance, method):
    await assert_refused(client, staff, alliance, 422, "calculation_method", calculation_method=method)


async def test_calculation_method_is_required(client, staff, alliance):
    payload = indicator_payload()
    del payload["calculation_method"]
    response = await client.post(indicators_path(alliance), json=payload, headers=staff)
    assert_problem(response, 422, "calculation_method")
    assert await indicators_of(client, staff, alliance) == []


@pytest.mark.parametrize("field", ["code", "name", "axis"])
async def test_other_required_fields(client, staff, alliance, field):
    payload = indicator_payload()
    del payload[field]
    assert_problem(await client.post(indicators_path(alliance), json=payload, headers=staff), 422, field)
    assert await indicators_of(client, staff, alliance) == []


@pytest.mark.parametrize(("low", "high"), [(5, 5), (5, 1)])
async def test_ordinal_scale_must_increase(client, staff, alliance, low, high):
    await assert_refused(
        client, staff, alliance, 422, "scale_max", measure_type="ordinal", scale_min=low, scale_max=high
    )


async def test_ordinal_needs_a_scale(client, staff, alliance):
    body = await assert_refused(client, staff, alliance, 422, "scale_min", measure_type="ordinal")
    assert ["body", "scale_max"] in [error["loc"] for error in body["errors"]]


async def test_scale_on_a_quantity_is_refused(client, staff, alliance):
    await assert_refused(client, staff, alliance, 422, "scale_min", scale_min=0, scale_max=10)


@pytest.mark.parametrize(
    ("direction", "baseline", "target"),
    [("increase", 10, 5), ("increase", 10, 10), ("decrease", 5, 10), ("decrease", 10, 10)],
)
async def test_target_must_agree_with_direction(client, staff, alliance, direction, baseline, target):
    body = await assert_refused(
        client,
        staff,
        alliance,
        422,
        "target_value",
        direction=direction,
        baseline_value=baseline,
        target_value=target,
    )
    assert direction in body["detail"]


@pytest.mark.parametrize(("direction", "baseline", "target"), [("increase", 10, 11), ("decrease", 10, 9)])
async def test_target_that_agrees_is_accepted(client, staff, alliance, direction, baseline, target):
    body = await create_indicator(
        client, staff, alliance["id"], direction=direction, baseline_value=baseline, target_value=target
    )
    assert (body["direction"], body["baseline_value"], body["target_value"]) == (direction, baseline, target)


async def test_worst_and_best_must_differ(client, staff, alliance):
    await assert_refused(client, staff, alliance, 422, "best", worst=3, best=3)


@pytest.mark.parametrize("weight", [0, -1, -0.5])
async def test_weight_must_be_positive(client, staff, alliance, weight):
    await assert_refused(client, staff, alliance, 422, "weight", weight=weight)


@pytest.mark.parametrize("field", ["baseline_value", "target_value", "worst", "best", "weight"])
@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
async def test_numbers_must_be_finite(client, staff, alliance, field, number):
    await assert_refused(client, staff, alliance, 422, field, **{field: number})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("measure_type", "score"),
        ("direction", "up"),
        ("axis", "impact"),
        ("prism", "galaxy"),
        ("dimension", "spiritual"),
        ("code", "with space"),
        ("code", ""),
        ("name", ""),
        ("code", "x" * 65),
    ],
)
async def test_field_values_are_checked(client, staff, alliance, field, value):
    await assert_refused(client, staff, alliance, 422, field, **{field: value})


@pytest.mark.parametrize("field", ["status", "revision", "id", "alliance_id", "colour"])
async def test_read_only_and_unknown_fields_are_refused(client, staff, alliance, field):
    value = "archived" if field == "status" else 7 if field == "revision" else UNKNOWN_ID
    await assert_refused(client, staff, alliance, 422, field, **{field: value})


async def test_member_must_belong_to_the_alliance(client, staff, catalyst, alliance):
    other = await create_alliance(client, staff, [catalyst["id"]])
    organisation = await create_organisation(client, staff)
    foreign_member = await create_member(client, staff, other["id"], organisation["id"])
    body = await assert_refused(client, staff, alliance, 422, "member_id", member_id=foreign_member["id"])
    assert body["errors"][0]["code"] == "unknown_member"
    await assert_refused(client, staff, alliance, 422, "member_id", member_id=UNKNOWN_ID)
    own_member = await create_member(client, staff, alliance["id"], organisation["id"])
    indicator = await create_indicator(client, staff, alliance["id"], member_id=own_member["id"])
    assert indicator["member_id"] == own_member["id"]


async def test_code_is_unique_per_alliance(client, staff, catalyst, alliance):
    first = await create_indicator(client, staff, alliance["id"], code="EMP-01")
    body = await assert_refused(client, staff, alliance, 409, "code", code="EMP-01")
    assert "EMP-01" in body["detail"]
    assert ids(await indicators_of(client, staff, alliance)) == {first["id"]}
    other = await create_alliance(client, staff, [catalyst["id"]])
    elsewhere = await create_indicator(client, staff, other["id"], code="EMP-01")
    assert elsewhere["code"] == "EMP-01"


async def test_all_rules_broken_by_a_valid_schema_are_listed(client, staff, alliance):
    body = await assert_refused(
        client,
        staff,
        alliance,
        422,
        "target_value",
        measure_type="ordinal",
        scale_min=3,
        scale_max=1,
        direction="decrease",
        baseline_value=1,
        target_value=2,
        worst=0,
        best=0,
    )
    assert {tuple(loc) for loc in (error["loc"] for error in body["errors"])} == {
        ("body", "scale_max"),
        ("body", "target_value"),
        ("body", "best"),
    }
    assert body["type"].endswith("validation-error")


# --- revisions ---------------------------------------------------------------------------------


async def test_patch_makes_a_new_revision_and_keeps_the_old_one(client, staff, make_key, catalyst, alliance):
    writer = await make_key("write", catalyst_id=catalyst["id"])
    indicator = await create_indicator(client, staff, alliance["id"], name="Avant", target_value=10)
    response = await client.patch(
        indicator_path(indicator), json={"name": "Après", "target_value": 20}, headers=writer
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["name"], patched["target_value"], patched["revision"]) == ("Après", 20, 2)
    assert patched["id"] == indicator["id"]
    assert patched["code"] == indicator["code"]  # untouched fields are kept
    assert await fetch(client, indicator_path(indicator), staff) == patched

    revisions = await revisions_of(client, staff, indicator)
    assert [r["revision"] for r in revisions] == [1, 2]
    assert [r["name"] for r in revisions] == ["Avant", "Après"]
    assert [r["target_value"] for r in revisions] == [10, 20]
    assert [r["recorded_by"] for r in revisions] == [
        await key_id(client, staff, staff),
        await key_id(client, staff, writer),
    ]
    assert all(r["indicator_id"] == indicator["id"] for r in revisions)
    first, second = (datetime.fromisoformat(r["recorded_at"]) for r in revisions)
    assert first.tzinfo is not None
    assert first <= second
    assert revisions[1]["recorded_at"] == patched["updated_at"]


async def test_revisions_are_oldest_first_across_pages(client, staff, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    for number in range(2, 8):
        response = await client.patch(indicator_path(indicator), json={"name": f"v{number}"}, headers=staff)
        assert response.json()["revision"] == number
    revisions = await collect_revisions(client, f"{indicator_path(indicator)}/revisions", staff, limit=2)
    assert [r["revision"] for r in revisions] == list(range(1, 8))
    assert [r["name"] for r in revisions[1:]] == [f"v{n}" for n in range(2, 8)]


@pytest.mark.parametrize("body", [{}, "same"])
async def test_patch_that_changes_nothing_makes_no_revision(client, staff, alliance, body):
    indicator = await create_indicator(client, staff, alliance["id"], weight=2, baseline_value=3)
    if body == "same":
        body = {"name": indicator["name"], "weight": 2.0, "baseline_value": 3, "axis": indicator["axis"]}
    response = await client.patch(indicator_path(indicator), json=body, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 1
    assert response.json()["updated_at"] == indicator["updated_at"]
    assert len(await revisions_of(client, staff, indicator)) == 1


async def test_patch_is_checked_against_the_merged_definition(client, staff, alliance):
    indicator = await create_indicator(client, staff, alliance["id"], baseline_value=10, target_value=20)
    # Alone, the new direction is fine; with the stored baseline and target it is not.
    response = await client.patch(indicator_path(indicator), json={"direction": "decrease"}, headers=staff)
    assert_problem(response, 422, "target_value")
    response = await client.patch(indicator_path(indicator), json={"target_value": 5}, headers=staff)
    assert_problem(response, 422, "target_value")
    response = await client.patch(
        indicator_path(indicator), json={"direction": "decrease", "target_value": 5}, headers=staff
    )
    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 2
    assert len(await revisions_of(client, staff, indicator)) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"measure_type": "ordinal"}, "scale_min"),
        ({"worst": 4, "best": 4}, "best"),
        ({"weight": 0}, "weight"),
        ({"calculation_method": "  "}, "calculation_method"),
        ({"calculation_method": None}, "calculation_method"),
        ({"code": None}, "code"),
        ({"name": None}, "name"),
        ({"axis": None}, "axis"),
        ({"weight": None}, "weight"),
        ({"status": None}, "status"),
        ({"scale_min": 1}, "scale_min"),
        ({"member_id": UNKNOWN_ID}, "member_id"),
        ({"revision": 9}, "revision"),
    ],
)
async def test_invalid_patch_changes_nothing(client, staff, alliance, change, field):
    indicator = await create_indicator(client, staff, alliance["id"])
    response = await client.patch(indicator_path(indicator), json=change, headers=staff)
    assert_problem(response, 422, field)
    assert await fetch(client, indicator_path(indicator), staff) == indicator
    assert len(await revisions_of(client, staff, indicator)) == 1


async def test_patch_to_an_ordinal_needs_the_scale_in_the_same_request(client, staff, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    response = await client.patch(
        indicator_path(indicator),
        json={"measure_type": "ordinal", "scale_min": 0, "scale_max": 4},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["scale_min"], response.json()["scale_max"]) == (0, 4)


async def test_patch_can_clear_an_optional_field(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    member = await create_member(client, staff, alliance["id"], organisation["id"])
    indicator = await create_indicator(client, staff, alliance["id"], member_id=member["id"], unit="€")
    response = await client.patch(
        indicator_path(indicator), json={"member_id": None, "unit": None}, headers=staff
    )
    assert response.status_code == 200, response.text
    assert (response.json()["member_id"], response.json()["unit"]) == (None, None)
    assert [r["member_id"] for r in await revisions_of(client, staff, indicator)] == [member["id"], None]


async def test_patch_code_to_one_already_used_is_409(client, staff, alliance):
    taken = await create_indicator(client, staff, alliance["id"], code="TAKEN")
    indicator = await create_indicator(client, staff, alliance["id"], code="FREE")
    response = await client.patch(indicator_path(indicator), json={"code": "TAKEN"}, headers=staff)
    assert_problem(response, 409, "code")
    assert (await fetch(client, indicator_path(indicator), staff))["code"] == "FREE"
    # Its own code is not a conflict.
    response = await client.patch(indicator_path(taken), json={"code": "TAKEN", "name": "x"}, headers=staff)
    assert response.status_code == 200, response.text


async def test_patch_with_a_stale_if_match_is_412(client, staff, alliance):
    response = await client.post(indicators_path(alliance), json=indicator_payload(), headers=staff)
    indicator, etag = response.json(), response.headers["etag"]
    first = await client.patch(
        indicator_path(indicator), json={"name": "A"}, headers={**staff, "If-Match": etag}
    )
    assert first.status_code == 200, first.text
    stale = await client.patch(
        indicator_path(indicator), json={"name": "B"}, headers={**staff, "If-Match": etag}
    )
    assert_problem(stale, 412)
    assert (await fetch(client, indicator_path(indicator), staff))["name"] == "A"


# --- archiving ---------------------------------------------------------------------------------


async def test_delete_archives_with_a_new_revision(client, staff, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    response = await client.delete(indicator_path(indicator), headers=staff)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["revision"]) == ("archived", 2)
    assert (await fetch(client, indicator_path(indicator), staff))["status"] == "archived"
    revisions = await revisions_of(client, staff, indicator)
    assert [(r["revision"], r["status"]) for r in revisions] == [(1, "active"), (2, "archived")]
    # Archiving again changes nothing.
    again = await client.delete(indicator_path(indicator), headers=staff)
    assert again.status_code == 200
    assert again.json()["revision"] == 2
    assert len(await revisions_of(client, staff, indicator)) == 2


async def test_observations_stay_attached_across_revisions(client, staff, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    first = await record(client, staff, indicator, period="2023", value=5)
    await client.patch(indicator_path(indicator), json={"name": "Renommé"}, headers=staff)
    second = await record(client, staff, indicator, period="2024", value=6)
    assert (await client.delete(indicator_path(indicator), headers=staff)).status_code == 200
    values = await series(client, staff, indicator)
    assert [(v["id"], v["value"]) for v in values] == [(first["id"], 5), (second["id"], 6)]
    assert [h["value"] for h in await history(client, staff, first)] == [5]


async def test_archived_indicator_takes_no_observation(client, staff, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    await client.delete(indicator_path(indicator), headers=staff)
    response = await client.post(
        f"{indicator_path(indicator)}/observations", json={"period": "2024", "value": 1}, headers=staff
    )
    body = assert_problem(response, 422, "indicator_id")
    assert "archived" in body["detail"]
    assert await series(client, staff, indicator) == []


async def test_archived_indicator_can_be_reactivated(client, staff, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    await client.delete(indicator_path(indicator), headers=staff)
    response = await client.patch(indicator_path(indicator), json={"status": "active"}, headers=staff)
    assert (response.json()["status"], response.json()["revision"]) == ("active", 3)
    await record(client, staff, indicator, period="2024", value=1)


async def test_indicators_of_a_deleted_alliance_are_hidden(client, staff, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    assert (await client.delete(f"/v1/alliances/{alliance['id']}", headers=staff)).status_code in (200, 204)
    assert_problem(await client.get(indicator_path(indicator), headers=staff), 404)


# --- write keys ----------------------------------------------------------------------------------


@pytest.fixture
async def two_catalysts(client, staff, make_key):
    """Catalysts A and B, an alliance each, an indicator each and a write key each."""
    a, b = await create_catalyst(client, staff), await create_catalyst(client, staff)
    alliance_a = await create_alliance(client, staff, [a["id"]])
    alliance_b = await create_alliance(client, staff, [b["id"]])
    return {
        "alliance_a": alliance_a,
        "alliance_b": alliance_b,
        "indicator_a": await create_indicator(client, staff, alliance_a["id"]),
        "indicator_b": await create_indicator(client, staff, alliance_b["id"]),
        "key_a": await make_key("write", catalyst_id=a["id"]),
        "key_b": await make_key("write", catalyst_id=b["id"]),
        "catalysts": (a, b),
    }


async def test_write_key_manages_its_own_alliances_indicators(client, staff, two_catalysts):
    key_a, alliance_a = two_catalysts["key_a"], two_catalysts["alliance_a"]
    created = await create_indicator(client, key_a, alliance_a["id"])
    patched = await client.patch(indicator_path(created), json={"name": "Nouveau nom"}, headers=key_a)
    assert patched.status_code == 200, patched.text
    archived = await client.delete(indicator_path(two_catalysts["indicator_a"]), headers=key_a)
    assert archived.json()["status"] == "archived"
    recorded_by = [r["recorded_by"] for r in await revisions_of(client, staff, created)]
    assert recorded_by == [await key_id(client, staff, key_a)] * 2


async def test_write_key_cannot_touch_another_catalysts_indicators(client, staff, two_catalysts):
    key_a, alliance_b, indicator_b = (
        two_catalysts["key_a"],
        two_catalysts["alliance_b"],
        two_catalysts["indicator_b"],
    )
    response = await client.post(indicators_path(alliance_b), json=indicator_payload(), headers=key_a)
    assert_problem(response, 403)
    response = await client.patch(indicator_path(indicator_b), json={"name": "Piraté"}, headers=key_a)
    assert_problem(response, 403)
    response = await client.delete(indicator_path(indicator_b), headers=key_a)
    assert_problem(response, 403)
    assert ids(await indicators_of(client, staff, alliance_b)) == {indicator_b["id"]}
    assert await fetch(client, indicator_path(indicator_b), staff) == indicator_b
    assert len(await revisions_of(client, staff, indicator_b)) == 1


async def test_write_key_of_a_co_convener_may_write(client, staff, make_key, two_catalysts):
    a, b = two_catalysts["catalysts"]
    shared = await create_alliance(client, staff, [a["id"], b["id"]])
    for key in (two_catalysts["key_a"], two_catalysts["key_b"]):
        created = await create_indicator(client, key, shared["id"])
        assert created["alliance_id"] == shared["id"]


async def test_read_key_cannot_write(client, staff, reader, alliance):
    indicator = await create_indicator(client, staff, alliance["id"])
    assert_problem(
        await client.post(indicators_path(alliance), json=indicator_payload(), headers=reader), 403
    )
    assert_problem(await client.patch(indicator_path(indicator), json={"name": "x"}, headers=reader), 403)
    assert_problem(await client.delete(indicator_path(indicator), headers=reader), 403)
    assert await fetch(client, indicator_path(indicator), staff) == indicator
