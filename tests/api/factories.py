"""Builders of valid payloads, created through the API itself."""

import itertools

_counter = itertools.count(1)


def catalyst_payload(**overrides) -> dict:
    number = next(_counter)
    payload = {
        "name": f"Catalyseur {number}",
        "structure_type": "association",
        "trades": ["territorial_dialogue"],
        "territory_code": "FR-94",
        "latitude": 48.79,
        "longitude": 2.46,
    }
    payload.update(overrides)
    return payload


def organisation_payload(**overrides) -> dict:
    payload = {"name": f"Organisation {next(_counter)}", "actor_type": "company"}
    payload.update(overrides)
    return payload


def alliance_payload(catalyst_ids: list[str], **overrides) -> dict:
    payload = {
        "name": f"Alliance {next(_counter)}",
        "territory_code": "FR-94",
        "catalyst_ids": catalyst_ids,
        "domains": ["employment"],
        "sdgs": [8],
        "stage": "prototype",
        "started_on": "2023-01-01",
    }
    payload.update(overrides)
    return payload


async def create(client, path: str, payload: dict, headers: dict) -> dict:
    response = await client.post(path, json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def create_catalyst(client, staff, **overrides) -> dict:
    return await create(client, "/v1/catalysts", catalyst_payload(**overrides), staff)


async def create_organisation(client, headers, **overrides) -> dict:
    return await create(client, "/v1/organisations", organisation_payload(**overrides), headers)


async def create_alliance(client, headers, catalyst_ids, **overrides) -> dict:
    return await create(client, "/v1/alliances", alliance_payload(catalyst_ids, **overrides), headers)
