"""Statements sent straight to asyncpg: a connection left broken never goes back to the pool
(session_scope drops it)."""

import asyncio

import asyncpg
import pytest

from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, driver_connection, session_scope
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
