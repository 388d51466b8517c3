"""Statements sent straight to asyncpg: a connection left broken never goes back to the pool
(session_scope drops it). And what the API answers when the pooled connections it takes turn
out dead: a read is answered on a new connection, a write is not sent again."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import make_url

from services.api.main import create_app
from services.core.auth.schemas import ApiKeyCreate
from services.core.auth.service import create_api_key
from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, driver_connection, session_scope
from services.core.vocabularies import ApiKeyScope
from tests.api.factories import catalyst_payload, create_catalyst
from tests.databases import fresh_database


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory):
    with fresh_database("postgresql", tmp_path_factory.mktemp("driver")) as url:
        yield url


@pytest.fixture
async def session_factory(postgres_url):
    engine = create_engine(Settings(database_url=postgres_url))
    yield create_session_factory(engine)
    await engine.dispose()


async def on_driver(session, operation):
    return await operation(await driver_connection(session))


async def backend_pid(session) -> int:
    return await on_driver(session, lambda connection: connection.fetchval("SELECT pg_backend_pid()"))


async def test_a_statement_the_server_refuses_leaves_the_connection_in_the_pool(session_factory):
    with pytest.raises(asyncpg.UndefinedTableError):
        async with session_scope(session_factory) as session:
            first_pid = await backend_pid(session)
            await on_driver(session, lambda connection: connection.fetch("SELECT * FROM no_such_table"))
    async with session_scope(session_factory) as session:
        assert await backend_pid(session) == first_pid


async def test_a_lost_connection_is_dropped_not_handed_to_the_next_request(session_factory, postgres_url):
    # How the driver reports the loss depends on when it notices it.
    lost = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError, OSError)
    with pytest.raises(lost):
        async with session_scope(session_factory) as session:
            lost_pid = await backend_pid(session)
            admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"))
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", lost_pid)
            finally:
                await admin.close()
            await on_driver(session, lambda connection: connection.fetchval("SELECT 1"))
    async with session_scope(session_factory) as session:
        assert await backend_pid(session) != lost_pid


async def test_a_request_cancelled_mid_statement_does_not_give_back_a_busy_connection(session_factory):
    pids = []

    async def slow_request():
        async with session_scope(session_factory) as session:
            pids.append(await backend_pid(session))
            await on_driver(session, lambda connection: connection.fetch("SELECT pg_sleep(5)"))

    slow = asyncio.ensure_future(slow_request())
    await asyncio.sleep(0.3)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    async with session_scope(session_factory) as session:
        # A fresh connection answers at once: the one cancelled mid-exchange was not reused.
        assert await asyncio.wait_for(backend_pid(session), 2) != pids[0]


@pytest.mark.parametrize(
    "error", [FileNotFoundError(2, "No such file"), PermissionError(13, "Permission denied")], ids=type
)
async def test_an_oserror_of_the_application_leaves_the_connection_in_the_pool(session_factory, error):
    with pytest.raises(type(error)):
        async with session_scope(session_factory) as session:
            first_pid = await backend_pid(session)
            raise error  # after the driver was used: not the driver's error
    async with session_scope(session_factory) as session:
        assert await backend_pid(session) == first_pid


async def test_a_statement_timed_out_inside_the_block_does_not_give_back_a_busy_connection(session_factory):
    # asyncio.timeout cancels the driver's await and raises TimeoutError (an OSError) from the
    # block itself, not from the driver: the cancellation underneath is what breaks it.
    with pytest.raises(TimeoutError):
        async with session_scope(session_factory) as session:
            timed_out_pid = await backend_pid(session)
            async with asyncio.timeout(0.3):
                await on_driver(session, lambda connection: connection.fetch("SELECT pg_sleep(5)"))
    async with session_scope(session_factory) as session:
        assert await asyncio.wait_for(backend_pid(session), 2) != timed_out_pid


# --- The API on pooled connections killed while idle -----------------------------------------

API_LOGGER = "observatoire.api"
PROBLEM = "application/problem+json"


@dataclass
class _Link:
    app_side: asyncio.StreamWriter
    server_side: asyncio.StreamWriter
    cut: bool = False


class Relay:
    """A TCP relay between the app and PostgreSQL. `cut` leaves every connection relayed so far
    open on the app's side but silent: a connection whose server is gone while the driver has
    heard nothing of it (a vanished host, a network cut, or the moment between the end of the
    server's session and the driver reading it). The app's next statement on such a connection
    meets a reset. Connections opened after a cut are relayed as usual."""

    def __init__(self, server_host: str, server_port: int) -> None:
        self._server_host = server_host
        self._server_port = server_port
        self._links: list[_Link] = []
        self._pumps: set[asyncio.Task] = set()
        self._listener: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> "Relay":
        self._listener = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._listener.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc_info) -> None:
        assert self._listener is not None
        self._listener.close()
        for link in self._links:
            link.app_side.transport.abort()
            link.server_side.transport.abort()
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        await self._listener.wait_closed()

    def cut(self) -> None:
        for link in self._links:
            link.cut = True

    async def _accept(self, app_reader: asyncio.StreamReader, app_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(self._server_host, self._server_port)
        link = _Link(app_writer, server_writer)
        self._links.append(link)
        for pump in (self._to_server(link, app_reader), self._to_app(link, server_reader)):
            task = asyncio.ensure_future(pump)
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    @staticmethod
    async def _to_server(link: _Link, app_reader: asyncio.StreamReader) -> None:
        # A side already reset by the other one ends its pump.
        with suppress(ConnectionError):
            while data := await app_reader.read(65536):
                if link.cut:
                    # The app wrote on a connection whose server is gone: it learns it now.
                    link.app_side.transport.abort()
                    return
                link.server_side.write(data)
            link.server_side.close()

    @staticmethod
    async def _to_app(link: _Link, server_reader: asyncio.StreamReader) -> None:
        with suppress(ConnectionError):
            while data := await server_reader.read(65536):
                if link.cut:
                    return  # the server's last words (and its closing) never reach the app
                link.app_side.write(data)
            if not link.cut:
                link.app_side.close()


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient
    staff: dict[str, str]
    # Every asyncpg connection the app opened, in order.
    opened: list[asyncpg.Connection]


@asynccontextmanager
async def api_on(database_url: str) -> AsyncIterator[Api]:
    """An app of its own on `database_url`, its client and a staff key."""
    app = create_app(Settings(database_url=database_url, rate_limit_requests=0))
    opened: list[asyncpg.Connection] = []
    event.listen(
        app.state.engine.sync_engine,
        "connect",
        lambda dbapi_connection, _record: opened.append(dbapi_connection.driver_connection),
    )
    try:
        async with session_scope(app.state.session_factory) as session:
            _, secret = await create_api_key(session, ApiKeyCreate(name="staff", scope=ApiKeyScope.staff))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(app, client, {"Authorization": f"Bearer {secret}"}, opened)
    finally:
        await app.state.engine.dispose()


@pytest.fixture
async def api(postgres_url):
    async with api_on(postgres_url) as api:
        yield api


@pytest.fixture
async def relay(postgres_url):
    server = make_url(postgres_url)
    async with Relay(server.host, server.port) as relay:
        yield relay


@pytest.fixture
async def api_through_relay(postgres_url, relay):
    relayed_url = make_url(postgres_url).set(port=relay.port).render_as_string(hide_password=False)
    async with api_on(relayed_url) as api:
        yield api


def admin_url(postgres_url: str) -> str:
    return postgres_url.replace("postgresql+asyncpg", "postgresql")


async def open_idle_connections(api: Api, path: str) -> None:
    """Reads at the same time, each on a connection of its own: they leave several idle in the pool."""
    responses = await asyncio.gather(*(api.client.get(path, headers=api.staff) for _ in range(4)))
    assert [response.status_code for response in responses] == [200] * 4


async def terminate_backends(postgres_url: str) -> int:
    """End the session of every other connection to the database, as a restart of the server
    does; how many were ended."""
    admin = await asyncpg.connect(admin_url(postgres_url))
    try:
        ended = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    return sum(1 for (terminated,) in ended if terminated)


async def catalyst_rows(postgres_url: str) -> int:
    admin = await asyncpg.connect(admin_url(postgres_url))
    try:
        return await admin.fetchval("SELECT count(*) FROM catalysts")
    finally:
        await admin.close()


def logged(caplog: pytest.LogCaptureFixture, start: str) -> list[str]:
    messages = [record.getMessage() for record in caplog.records if record.name == API_LOGGER]
    return [message for message in messages if message.startswith(start)]


def assert_database_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/service-unavailable"
    assert response.headers["retry-after"]


async def test_connections_the_server_ended_while_idle_are_replaced_when_taken(api, postgres_url, caplog):
    # The driver reads the end of each session as it comes: the connection is then known closed,
    # and the pool's checkout replaces it before any statement is sent on it.
    await open_idle_connections(api, "/v1/catalysts")
    assert await terminate_backends(postgres_url) >= 2
    async with asyncio.timeout(5):
        while not all(connection.is_closed() for connection in api.opened):
            await asyncio.sleep(0.01)
    before = await catalyst_rows(postgres_url)

    with caplog.at_level(logging.INFO, logger=API_LOGGER):
        listed = await api.client.get("/v1/catalysts", headers=api.staff)
        created = await api.client.post("/v1/catalysts", json=catalyst_payload(), headers=api.staff)

    assert listed.status_code == 200, listed.text
    assert created.status_code == 201, created.text
    assert await catalyst_rows(postgres_url) == before + 1
    # Neither request met a dead connection: nothing was retried, nothing was unavailable.
    assert logged(caplog, "retrying") == []
    assert logged(caplog, "database unavailable") == []


@pytest.mark.parametrize("through", ["SQLAlchemy", "the driver"])
async def test_a_read_on_pooled_connections_that_died_unnoticed_is_answered_on_a_new_one(
    api_through_relay, relay, postgres_url, caplog, through
):
    api = api_through_relay
    catalyst = await create_catalyst(api.client, api.staff)
    # One object is read through the ORM; a list page is one statement sent to the driver.
    path = (
        f"/v1/catalysts/{catalyst['id']}"
        if through == "SQLAlchemy"
        else f"/v1/catalysts?q={catalyst['name']}"
    )
    await open_idle_connections(api, path)
    relay.cut()
    assert await terminate_backends(postgres_url) >= 2

    with caplog.at_level(logging.INFO, logger=API_LOGGER):
        response = await api.client.get(path, headers=api.staff)

    assert response.status_code == 200, response.text
    assert response.json() == (
        catalyst if through == "SQLAlchemy" else {"items": [catalyst], "next_cursor": None}
    )
    # Its first statement met a dead connection: the read was sent once more, and once only.
    assert len(logged(caplog, f"retrying {path.split('?')[0]} on a new database connection")) == 1


async def test_a_write_on_a_pooled_connection_that_died_unnoticed_is_not_sent_again(
    api_through_relay, relay, postgres_url, caplog
):
    api = api_through_relay
    await open_idle_connections(api, "/v1/catalysts")
    relay.cut()
    assert await terminate_backends(postgres_url) >= 2
    before = await catalyst_rows(postgres_url)

    # Bounded: a request sent again would wait for a body already read, and hang this test.
    async with asyncio.timeout(10):
        with caplog.at_level(logging.INFO, logger=API_LOGGER):
            response = await api.client.post("/v1/catalysts", json=catalyst_payload(), headers=api.staff)

    # Whether the server had already written it is not known: the client is told to retry,
    # the write is not sent again behind its back.
    assert_database_unavailable(response)
    assert logged(caplog, "retrying") == []
    assert await catalyst_rows(postgres_url) == before
    # The client's own retry, as Retry-After asks, is written on a new connection.
    again = await api.client.post("/v1/catalysts", json=catalyst_payload(), headers=api.staff)
    assert again.status_code == 201, again.text
    assert await catalyst_rows(postgres_url) == before + 1
