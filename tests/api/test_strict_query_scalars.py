"""Integers and booleans of the query and the path are taken as the OpenAPI document writes
them: pydantic's lax parsing alone would also read "1_000" or "+12" as integers and "yes" or
"1" as booleans, requests that the document does not describe."""

import pytest

from tests.api.factories import create_catalyst

PROBLEM_JSON = "application/problem+json"


@pytest.mark.parametrize("limit", ["1_000", "+12", " 12", "12 ", "0x1A", "012", "١٢", "1,2"])
async def test_an_integer_parameter_is_digits(client, reader, limit):
    response = await client.get("/v1/catalysts", params={"limit": limit}, headers=reader)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"] == [
        {
            "loc": ["query", "limit"],
            "msg": "Expected an integer.",
            "code": "integer_text",
        }
    ]


async def test_integers_written_as_digits_are_taken_and_bounds_still_apply(client, reader, staff):
    await create_catalyst(client, staff)
    assert (await client.get("/v1/catalysts", params={"limit": "7"}, headers=reader)).status_code == 200
    # JSON Schema's integer is a number of integral value: 7.0 is one.
    assert (await client.get("/v1/catalysts", params={"limit": "7.0"}, headers=reader)).status_code == 200
    assert (await client.get("/v1/alliances", params={"sdg": "17"}, headers=reader)).status_code == 200
    too_big = await client.get("/v1/alliances", params={"sdg": "18"}, headers=reader)
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["loc"] == ["query", "sdg"]
    assert (await client.get("/v1/methodologies/1", headers=reader)).status_code == 200
    version = await client.get("/v1/methodologies/+1", headers=reader)
    assert version.status_code == 422
    assert version.json()["errors"][0]["loc"] == ["path", "version"]


@pytest.mark.parametrize("dry_run", ["yes", "1", "on", "True", "t"])
async def test_a_boolean_parameter_is_true_or_false(client, staff, dry_run):
    response = await client.post(
        "/v1/observations/batch", params={"dry_run": dry_run}, json=[], headers=staff
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0] == {
        "loc": ["query", "dry_run"],
        "msg": "Expected `true` or `false`.",
        "code": "boolean_text",
    }


async def test_every_parameter_written_wrong_is_named(client, reader):
    response = await client.get("/v1/alliances", params={"sdg": "+3", "limit": "1_0"}, headers=reader)
    assert response.status_code == 422
    assert sorted(tuple(error["loc"]) for error in response.json()["errors"]) == [
        ("query", "limit"),
        ("query", "sdg"),
    ]
