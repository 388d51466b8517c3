"""Builders of indicators and observations, created through the API itself."""

import itertools

from tests.api.factories import collect, create, create_alliance, create_catalyst, walk_pages

_counter = itertools.count(1)


def indicator_payload(**overrides) -> dict:
    payload = {
        "code": f"IND-{next(_counter):04d}",
        "name": "Emplois créés",
        "calculation_method": "Nombre de contrats signés dans l'année, d'après les registres.",
        "axis": "performance",
    }
    payload.update(overrides)
    return payload


async def create_indicator(client, headers, alliance_id: str, **overrides) -> dict:
    return await create(
        client, f"/v1/alliances/{alliance_id}/indicators", indicator_payload(**overrides), headers
    )


async def indicator_in_new_alliance(client, staff, **overrides) -> tuple[dict, dict, dict]:
    """A catalyst, an alliance it convenes, and an indicator of that alliance."""
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    indicator = await create_indicator(client, staff, alliance["id"], **overrides)
    return catalyst, alliance, indicator


def observations_path(indicator: dict) -> str:
    return f"/v1/indicators/{indicator['id']}/observations"


async def record(client, headers, indicator: dict, expected_status: int = 201, **body) -> dict:
    response = await client.post(observations_path(indicator), json=body, headers=headers)
    assert response.status_code == expected_status, response.text
    return response.json()


async def series(client, headers, indicator: dict, **params) -> list[dict]:
    return await collect(client, observations_path(indicator), headers, **params)


async def collect_revisions(client, path: str, headers: dict, limit: int = 50) -> list[dict]:
    """Every revision of a paginated revision list (indicator revisions, observation history)."""
    items = await walk_pages(client, path, headers, limit)
    numbers = [item["revision"] for item in items]
    assert len(numbers) == len(set(numbers)), "a revision came back twice"
    return items


async def history(client, headers, observation: dict, limit: int = 50) -> list[dict]:
    return await collect_revisions(client, f"/v1/observations/{observation['id']}/history", headers, limit)


async def key_id(client, staff, headers: dict) -> str:
    """The id of the API key whose Authorization header is `headers`."""
    secret = headers["Authorization"].removeprefix("Bearer ")
    keys = await collect(client, "/v1/api-keys", staff)
    matches = [key["id"] for key in keys if secret.startswith(key["prefix"])]
    assert len(matches) == 1, matches
    return matches[0]
