"""Builders of valid payloads, created through the API itself."""

import itertools

_counter = itertools.count(1)

# The date the aggregation jobs of the tests score at (the scored alliance's values are dated around it).
AS_OF = "2024-12-31"


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


def member_payload(organisation_id: str, **overrides) -> dict:
    payload = {"organisation_id": organisation_id, "role": "member", "joined_on": "2023-01-01"}
    payload.update(overrides)
    return payload


async def create_territory(
    client, staff, code: str, level: str, parent_code: str | None, **overrides
) -> dict:
    payload = {"code": code, "name": f"Territoire {code}", "level": level, "parent_code": parent_code}
    payload.update(overrides)
    return await create(client, "/v1/territories", payload, staff)


async def create_member(client, headers, alliance_id: str, organisation_id: str, **overrides) -> dict:
    return await create(
        client, f"/v1/alliances/{alliance_id}/members", member_payload(organisation_id, **overrides), headers
    )


async def run_job(app, client, staff, **body) -> dict:
    """An aggregation job requested through the API and run to its end in process: its final state."""
    response = await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF, **body}, headers=staff)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/v1/aggregation-jobs/{response.json()['id']}"
    await app.state.jobs.drain()
    return (await client.get(response.headers["location"], headers=staff)).json()


async def fetch(client, path: str, headers: dict) -> dict:
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def walk_pages(client, path: str, headers: dict, limit: int = 50, **params) -> list[dict]:
    """Every item of a paginated list, following `next_cursor` until it is null."""
    items: list[dict] = []
    cursor = None
    for _ in range(1000):
        query = {**params, "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        response = await client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination never ended")


async def collect(client, path: str, headers: dict, limit: int = 50, **params) -> list[dict]:
    """Every item of a paginated list; fails on a repeated item."""
    items = await walk_pages(client, path, headers, limit, **params)
    keys = [item.get("id", item.get("code")) for item in items]
    assert len(keys) == len(set(keys)), "an item came back twice"
    return items


def ids(items: list[dict]) -> set[str]:
    return {item["id"] for item in items}


def locs(response) -> list[list]:
    """The `loc` of every error of a problem response."""
    return [error["loc"] for error in response.json().get("errors") or []]
