"""Only a lost database answers 503 "the database is not answering": any other OSError a
route raises (a missing file, a refused permission) is a bug, answered 500 and logged."""

import asyncio
import logging

import httpx
import pytest

from services.core.catalysts import service as catalysts
from services.core.db import CONNECT_TIMEOUT_SECONDS
from tests.api.conftest import app_client
from tests.api.factories import create_catalyst

PROBLEM = "application/problem+json"
SOME_KEY = {"Authorization": "Bearer obs_" + "a" * 43}


def _assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"/problems/{slug}"


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(2, "No such file or directory", "/srv/observatoire/missing.json"),
        PermissionError(13, "Permission denied", "/srv/observatoire/secret"),
        # Refused or reset, but by something else than the database.
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError("a computation took too long"),
    ],
    ids=type,
)
async def test_an_oserror_of_a_route_is_a_logged_500(client, staff, monkeypatch, caplog, error):
    catalyst = await create_catalyst(client, staff)

    async def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(catalysts, "get_catalyst", fail)
    with caplog.at_level(logging.ERROR):
        response = await client.get(f"/v1/catalysts/{catalyst['id']}", headers=staff)
    _assert_problem(response, 500, "internal-error")
    assert "retry-after" not in response.headers
    logged = [record for record in caplog.records if record.exc_info and record.exc_info[1] is error]
    assert len(logged) == 1


async def _assert_database_not_answering(url: str) -> None:
    async with app_client(url) as client:
        for method, path, body in (
            ("GET", "/v1/catalysts", None),
            ("POST", "/v1/organisations", {"name": "X", "actor_type": "public"}),
        ):
            response = await client.request(method, path, json=body, headers=SOME_KEY)
            _assert_problem(response, 503, "service-unavailable")
            assert response.headers["retry-after"]


async def test_a_refused_connection_to_the_database_is_a_503():
    await _assert_database_not_answering("postgresql+asyncpg://postgres@127.0.0.1:1/nope")


async def test_a_missing_unix_socket_of_the_database_is_a_503(tmp_path):
    # The driver reports it as FileNotFoundError: an OSError of the database, not of a route.
    await _assert_database_not_answering(f"postgresql+asyncpg://postgres@/nope?host={tmp_path}")


async def test_a_database_connection_that_times_out_is_a_503():
    # Something takes the connection and never answers (a proxy before a server gone).
    silent = await asyncio.start_server(lambda reader, writer: asyncio.sleep(3600), "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    try:
        started = asyncio.get_running_loop().time()
        async with app_client(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nope") as client:
            response = await client.get("/v1/catalysts", headers=SOME_KEY)
        _assert_problem(response, 503, "service-unavailable")
        assert asyncio.get_running_loop().time() - started < CONNECT_TIMEOUT_SECONDS + 3
    finally:
        silent.close()
