"""Twenty clients, each on its own connection to a real server on PostgreSQL, upserting the
same observations at once: one value per period, and a revision history that holds every
accepted write exactly once, in order, ending with the current value."""

import asyncio
import random
from collections import defaultdict

import httpx
import pytest
from sqlalchemy import text
from starlette.requests import Request

from services.api.problems import unexpected_error_response
from services.core.config import Settings
from services.core.db import create_engine
from tests.databases import fresh_database
from tests.faults.support import PROBLEM_JSON, staff_headers
from tests.worker.processes import ApiServer

CLIENTS = 20
# Months and a quarter: periods of several lengths, all written by every client.
PERIODS = {
    "2024-01": ("2024-01-01", "2024-01-31"),
    "2024-02": ("2024-02-01", "2024-02-29"),
    "2024-03": ("2024-03-01", "2024-03-31"),
    "2024-04": ("2024-04-01", "2024-04-30"),
    "2024-Q3": ("2024-07-01", "2024-09-30"),
}
ROUNDS = 2
# A write that lost a race is answered 409 and nothing of it is kept: clients send it again.
MAX_ATTEMPTS = 40
TIMEOUT_SECONDS = 30


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with fresh_database("postgresql", tmp_path_factory.mktemp("concurrent")) as url:
        server = ApiServer({"DATABASE_URL": url})
        try:
            yield server, staff_headers(url), url
        finally:
            server.stop()


async def _created(client: httpx.AsyncClient, path: str, payload: dict) -> dict:
    response = await client.post(path, json=payload)
    assert response.status_code == 201, response.text
    return response.json()


async def _indicator_and_client_keys(client: httpx.AsyncClient) -> tuple[str, list[dict]]:
    """An indicator, and one write key per client (another platform each), bound to its catalyst."""
    catalyst = await _created(
        client,
        "/v1/catalysts",
        {"name": "Catalyseur", "structure_type": "association", "territory_code": "FR-94",
         "trades": ["territorial_dialogue"]},
    )  # fmt: skip
    alliance = await _created(
        client,
        "/v1/alliances",
        {"name": "Alliance", "territory_code": "FR-94", "catalyst_ids": [catalyst["id"]],
         "domains": ["employment"], "sdgs": [8], "stage": "prototype"},
    )  # fmt: skip
    indicator = await _created(
        client,
        f"/v1/alliances/{alliance['id']}/indicators",
        {"code": "C", "name": "Concurrence", "calculation_method": "Somme", "axis": "trust"},
    )
    keys = [
        await _created(
            client, "/v1/api-keys", {"name": f"client {n}", "scope": "write", "catalyst_id": catalyst["id"]}
        )
        for n in range(CLIENTS)
    ]
    return indicator["id"], keys


def _value(client_number: int, round_number: int, period_index: int) -> float:
    """Every write carries a value of its own, so that each one makes a revision."""
    return client_number * 1000 + round_number * 100 + period_index


async def _until_accepted(client: httpx.AsyncClient, path: str, body) -> httpx.Response:
    for _ in range(MAX_ATTEMPTS):
        response = await client.post(path, json=body)
        assert response.status_code < 500, response.text
        if response.status_code != 409:
            return response
        assert response.headers["content-type"] == PROBLEM_JSON
        await asyncio.sleep(random.uniform(0.01, 0.1))
    raise AssertionError(f"still 409 after {MAX_ATTEMPTS} attempts: {response.text}")


async def test_twenty_clients_upserting_the_same_periods_keep_one_value_and_every_revision(served):
    server, staff, _ = served
    async with httpx.AsyncClient(base_url=server.url, headers=staff, timeout=TIMEOUT_SECONDS) as admin:
        indicator_id, keys = await _indicator_and_client_keys(admin)
    start = asyncio.Event()
    accepted: dict[str, list[tuple[str, float]]] = defaultdict(list)  # period: (key id, value)

    async def run_client(number: int, key: dict) -> None:
        # One connection per client: twenty clients, not one client's twenty requests.
        async with httpx.AsyncClient(
            base_url=server.url,
            headers={"Authorization": f"Bearer {key['key']}"},
            timeout=TIMEOUT_SECONDS,
            limits=httpx.Limits(max_connections=1),
        ) as client:
            assert (await client.get(f"/v1/indicators/{indicator_id}")).status_code == 200
            await start.wait()
            for round_number in range(ROUNDS):
                periods = list(enumerate(PERIODS))
                if number % 3 == 0:
                    periods.reverse()  # the same rows, in the opposite order
                if (number + round_number) % 2 == 0:  # the whole set in one batch...
                    items = [
                        {"indicator_id": indicator_id, "period": period,
                         "value": _value(number, round_number, index)}
                        for index, period in periods
                    ]  # fmt: skip
                    response = await _until_accepted(client, "/v1/observations/batch", items)
                    assert response.status_code == 200, response.text
                    written = response.json()["items"]
                else:  # ...or period by period
                    written = []
                    for index, period in periods:
                        response = await _until_accepted(
                            client,
                            f"/v1/indicators/{indicator_id}/observations",
                            {"period": period, "value": _value(number, round_number, index)},
                        )
                        assert response.status_code in (200, 201), response.text
                        written.append(response.json())
                for (_, period), observation in zip(periods, written, strict=True):
                    assert observation["recorded_by"] == key["id"]
                    accepted[period].append((key["id"], observation["value"]))

    clients = [asyncio.create_task(run_client(number, key)) for number, key in enumerate(keys)]
    await asyncio.sleep(0.5)  # every client connected, waiting for the start
    start.set()
    try:
        await asyncio.wait_for(asyncio.gather(*clients), timeout=120)
    except BaseException:
        print(server.log_tail(20000))
        raise

    async with httpx.AsyncClient(base_url=server.url, headers=staff, timeout=TIMEOUT_SECONDS) as admin:
        path = f"/v1/indicators/{indicator_id}/observations"
        series = (await admin.get(path, params={"limit": 500})).json()["items"]
        # One value per period.
        assert sorted((o["period_start"], o["period_end"]) for o in series) == sorted(PERIODS.values())
        for observation in series:
            period = next(p for p, dates in PERIODS.items() if dates[0] == observation["period_start"])
            writes = accepted[period]
            assert len(writes) == CLIENTS * ROUNDS
            history = (
                await admin.get(f"/v1/observations/{observation['id']}/history", params={"limit": 500})
            ).json()
            assert history["next_cursor"] is None
            revisions = history["items"]
            # Every accepted write exactly once, numbered 1..n, the current value the last one.
            assert sorted((r["recorded_by"], r["value"]) for r in revisions) == sorted(writes)
            assert [r["revision"] for r in revisions] == list(range(1, len(writes) + 1))
            assert observation["revision"] == len(writes)
            assert (observation["value"], observation["recorded_by"]) == (
                revisions[-1]["value"],
                revisions[-1]["recorded_by"],
            )


async def test_the_loser_of_a_deadlock_is_told_to_retry_not_given_a_500(served):
    """PostgreSQL breaks a deadlock by failing one transaction: nothing of it was written, so
    the API answers 409 (send it again), as for any other lost race."""
    _, _, url = served
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE deadlock_probe (id int PRIMARY KEY)"))
            await connection.execute(text("INSERT INTO deadlock_probe VALUES (1), (2)"))
        both_hold_one = asyncio.Barrier(2)

        async def take(first: int, second: int) -> None:
            async with engine.begin() as connection:
                statement = text("UPDATE deadlock_probe SET id = id WHERE id = :id")
                await connection.execute(statement, {"id": first})
                await both_hold_one.wait()
                await connection.execute(statement, {"id": second})

        outcomes = await asyncio.gather(take(1, 2), take(2, 1), return_exceptions=True)
        (error,) = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    finally:
        await engine.dispose()
    request = Request({"type": "http", "method": "POST", "path": "/v1/observations/batch", "headers": []})
    response = await unexpected_error_response(request, error)
    assert response.status_code == 409
    assert response.media_type == PROBLEM_JSON
