"""Clients writing the same values at once: no error leaks, one value per period, full history."""

import asyncio

from tests.api.factories import create, create_alliance, create_catalyst


async def test_concurrent_corrections_of_one_period_keep_one_value_and_every_revision(client, staff):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    indicator = await create(
        client,
        f"/v1/alliances/{alliance['id']}/indicators",
        {"code": "C", "name": "Concurrence", "calculation_method": "Somme", "axis": "trust"},
        staff,
    )
    path = f"/v1/indicators/{indicator['id']}/observations"

    async def post(value: int):
        return await client.post(path, json={"period": "2024-03", "value": value}, headers=staff)

    responses = await asyncio.gather(*(post(value) for value in range(1, 11)))
    statuses = [response.status_code for response in responses]
    assert set(statuses) <= {200, 201, 409}, [r.text for r in responses if r.status_code >= 500]
    assert statuses.count(201) == 1
    accepted = [response.json() for response in responses if response.status_code in (200, 201)]
    series = (await client.get(path, headers=staff)).json()["items"]
    assert len(series) == 1
    history = (await client.get(f"/v1/observations/{series[0]['id']}/history", headers=staff)).json()["items"]
    # Every accepted write is in the history, in order, and the current value is the last one.
    assert len(history) == len(accepted)
    assert [revision["revision"] for revision in history] == list(range(1, len(accepted) + 1))
    assert history[-1]["value"] == series[0]["value"]
