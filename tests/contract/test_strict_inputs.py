"""Requests outside the document are refused, naming the field: a date is YYYY-MM-DD text
(not 0, not a Unix time, not an instant), a number or an integer is not a boolean or text, a
boolean is not 0 or "true". Left to itself, pydantic reads all of these as valid values."""

import re
import typing
from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from services.api.openapi import IDEMPOTENCY_KEY_PARAMETER
from services.core.schemas_base import InputModel
from tests.api.factories import (
    alliance_payload,
    catalyst_payload,
    create_alliance,
    create_catalyst,
    create_organisation,
    locs,
    member_payload,
)
from tests.api.indicator_factories import indicator_in_new_alliance

NOT_DATES = [0, "0", 1700000000, "1700000000", "2024-01-01T00:00:00Z", "2024-1-1", True]
NOT_NUMBERS = [False, True, "12", "1e3"]
NOT_INTEGERS = [True, False, "12", "1_000"]
NOT_BOOLEANS = [0, 1, "true", "false", "yes"]
NOT_INSTANTS = ["0", "1700000000", "2024-01-01", "2024-01-01 00:00:00Z"]


def _request_models() -> list[type[InputModel]]:
    # Every request body, the nested ones included: each is an InputModel subclass.
    import services.api.main  # noqa: F401  (imports every module that declares one)

    found, pending = [], [InputModel]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.append(subclass)
            pending.append(subclass)
    return found


def _wrong_values(property_schema: dict) -> list:
    branches = property_schema.get("anyOf", [property_schema])
    # A list's items are judged one by one.
    branches = [
        branch.get("items", branch) if branch.get("type") == "array" else branch for branch in branches
    ]
    kinds = {(branch.get("type"), branch.get("format")) for branch in branches}
    if ("string", "date") in kinds:
        return NOT_DATES
    if ("number", None) in kinds:
        return NOT_NUMBERS
    if ("integer", None) in kinds:
        return NOT_INTEGERS
    if ("boolean", None) in kinds:
        return NOT_BOOLEANS
    return []


def _cases() -> list[tuple[str, str, object]]:
    cases = []
    for model in _request_models():
        for field, property_schema in model.model_json_schema()["properties"].items():
            cases += [(model.__name__, field, value) for value in _wrong_values(property_schema)]
    return cases


CASES = _cases()
MODELS = {model.__name__: model for model in _request_models()}


def test_the_sweep_covers_dates_numbers_integers_and_booleans():
    fields = {(model, field) for model, field, _ in CASES}
    assert {
        ("AllianceCreate", "started_on"),
        ("MemberCreate", "joined_on"),
        ("CatalystCreate", "longitude"),
        ("CatalystCreate", "founded_year"),
        ("AllianceCreate", "sdgs"),
        ("TerritoryCreate", "overseas"),
        ("WebhookUpdate", "active"),
        ("AggregationJobCreate", "methodology_version"),
        ("ObservationCreate", "period_start"),
    } - fields == set()


@pytest.mark.parametrize(("model", "field", "value"), CASES, ids=[f"{m}.{f}={v!r}" for m, f, v in CASES])
def test_a_value_of_another_json_type_is_refused_naming_its_field(model, field, value):
    schema = MODELS[model].model_json_schema()["properties"][field]
    # The wrong value goes inside a list.
    is_list = any(branch.get("type") == "array" for branch in schema.get("anyOf", [schema]))
    with pytest.raises(ValidationError) as refused:
        MODELS[model].model_validate({field: [value] if is_list else value})
    wrong = [error for error in refused.value.errors() if error["loc"][0] == field]
    assert wrong and all(error["type"] != "missing" for error in wrong), refused.value.errors()


def test_dates_built_by_the_service_itself_stay_accepted():
    model = typing.cast(type[BaseModel], MODELS["MemberUpdate"])
    assert model.model_validate({"joined_on": date(2024, 5, 1)}).joined_on == date(2024, 5, 1)
    assert model.model_validate({"joined_on": "2024-05-01"}).joined_on == date(2024, 5, 1)


async def test_zero_is_not_a_start_date(client, staff):
    catalyst = await create_catalyst(client, staff)
    payload = alliance_payload([catalyst["id"]], started_on=0)
    response = await client.post("/v1/alliances", json=payload, headers=staff)
    assert response.status_code == 422, response.text
    assert locs(response) == [["body", "started_on"]]


async def test_zero_is_not_a_joining_date(client, staff):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    organisation = await create_organisation(client, staff)
    payload = member_payload(organisation["id"], joined_on=0)
    response = await client.post(f"/v1/alliances/{alliance['id']}/members", json=payload, headers=staff)
    assert response.status_code == 422, response.text
    assert locs(response) == [["body", "joined_on"]]


async def test_false_is_not_a_longitude(client, staff):
    response = await client.post("/v1/catalysts", json=catalyst_payload(longitude=False), headers=staff)
    assert response.status_code == 422, response.text
    assert locs(response) == [["body", "longitude"]]


async def test_zero_is_not_a_day_to_list_members_on(client, staff):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    path = f"/v1/alliances/{alliance['id']}/members"
    refused = await client.get(path, params={"active_on": "0"}, headers=staff)
    accepted = await client.get(path, params={"active_on": "2024-05-01"}, headers=staff)
    assert refused.status_code == 422, refused.text
    assert locs(refused) == [["query", "active_on"]]
    assert accepted.status_code == 200, accepted.text


@pytest.mark.parametrize(
    ("name", "value"), [("to", "0"), ("from", "0"), *[("as_of", v) for v in NOT_INSTANTS]]
)
async def test_a_series_is_not_bounded_by_other_forms_of_dates(client, staff, name, value):
    _, _, indicator = await indicator_in_new_alliance(client, staff)
    path = f"/v1/indicators/{indicator['id']}/observations"
    response = await client.get(path, params={name: value}, headers=staff)
    assert response.status_code == 422, response.text
    assert locs(response) == [["query", name]]


async def test_an_instant_with_its_offset_bounds_a_series(client, staff):
    _, _, indicator = await indicator_in_new_alliance(client, staff)
    path = f"/v1/indicators/{indicator['id']}/observations"
    response = await client.get(
        path, params={"as_of": "2024-05-01T00:00:00Z", "to": "2024-05-01"}, headers=staff
    )
    assert response.status_code == 200, response.text


async def test_the_document_bounds_idempotency_keys_as_the_server_does(client, staff):
    """Every Latin-1 character (header values are read as Latin-1), inside a key and alone:
    the server refuses a key (400) exactly when the document's pattern does not match it."""
    schema = IDEMPOTENCY_KEY_PARAMETER["schema"]
    documented = re.compile(schema["pattern"])
    disagreements = []
    for code in range(256):
        # A lone space is no key: HTTP strips the spaces around a value, so it arrives empty
        # (refused); only this in-process transport delivers it as sent.
        for key in (f"k{chr(code)}k", chr(code)) if code != 0x20 else ("k k",):
            response = await client.post(
                "/v1/organisations",
                json={},
                headers={**staff, "Idempotency-Key": key.encode("latin-1")},
            )
            refused = response.status_code == 400
            if refused == bool(documented.match(key)):
                disagreements.append((key, response.status_code))
    assert disagreements == []
    assert (schema["minLength"], schema["maxLength"]) == (1, 255)
