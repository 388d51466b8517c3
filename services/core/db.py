"""Database engine, sessions and the column types shared by every module."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy import DateTime, TextClause, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import greenlet_spawn
from sqlmodel import SQLModel

from services.core.config import Settings

CONNECT_TIMEOUT_SECONDS = 5

metadata = SQLModel.metadata
metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no timezone type: values are stored as naive UTC and given back their tzinfo,
    so that comparisons behave the same on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.async_database_url
    if settings.is_sqlite:
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        # Up to twice the setting, opened as needed and kept: connections beyond a pool's size
        # ("overflow") would be closed as soon as they are given back, and under load each
        # request would then pay for a new backend (its start, type introspection, statements
        # prepared again).
        pool_size=2 * settings.db_pool_size,
        max_overflow=0,
        # No ping on each checkout: a round trip per request for a failure that comes once per
        # server restart. See _replace_closed_connections.
        pool_pre_ping=False,
        pool_recycle=1800,
        # Something that takes the connection but never answers (a proxy in front of a server
        # that is gone) costs a request this long, then a 503, rather than asyncpg's 60 s.
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
    )
    _replace_closed_connections(engine)
    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """A restart of the server leaves the pooled connections dead. The server closes their
    sockets as it goes, so the driver knows them closed without asking: such a connection is
    replaced when it is taken from the pool. One that died unnoticed fails its first statement;
    SQLAlchemy then discards every connection older than it, and a read is retried once
    (services.api.problems.UnexpectedErrorMiddleware)."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection, _record, _proxy):
        if dbapi_connection.driver_connection.is_closed():
            # The pool discards this one and takes, or opens, another.
            raise DisconnectionError("connection closed by the server")


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's lower() folds ASCII only: "Île" would not match "île" as it does on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def uses_postgresql(session: AsyncSession) -> bool:
    bind = session.bind
    assert bind is not None, "every session is made by create_session_factory, bound to the engine"
    return bind.dialect.name == "postgresql"


async def driver_connection(session: AsyncSession):
    """The asyncpg connection under the session, inside its transaction (for COPY)."""
    connection = await session.connection()
    # Remembered so that session_scope can drop it if the driver leaves it broken.
    session.info[_HANDED_TO_DRIVER] = connection
    return (await connection.get_raw_connection()).driver_connection


async def read_scalar(engine: AsyncEngine, statement: TextClause):
    """The first column of the first row of a read-only statement, in one round trip.

    On PostgreSQL the statement goes straight to the driver in autocommit, with no session: a
    session's connection would also send BEGIN and ROLLBACK around it. A connection the driver
    leaves broken is dropped from the pool rather than given to the next request."""
    async with engine.connect() as connection:
        if engine.dialect.name != "postgresql":
            return await connection.scalar(statement)
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None, "a pooled connection that is checked out has its driver connection"
        try:
            return await raw.fetchval(statement.text)
        except BaseException as exc:
            await _drop_broken(connection, exc)
            raise


_HANDED_TO_DRIVER = "connection handed to the driver"
# PostgreSQL's codes for a connection lost or refused: connection exceptions, the server shut
# down, crashed, starting or ending the session (57P...), too many connections.
CONNECTION_LOST_STATES = ("08", "57P", "53300")
# The driver's: its connection is closed (ConnectionDoesNotExistError...), or the server ended
# it between two messages of one exchange (seen on a fast shutdown).
CONNECTION_LOST_ERRORS = (asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError)


def _database_connection_lost(exc: BaseException) -> bool:
    """`exc` says the driver's connection to the database is gone (the server shut down,
    restarted or ended the session, the socket was reset)."""
    if isinstance(exc, CONNECTION_LOST_ERRORS):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return (getattr(exc, "sqlstate", None) or "").startswith(CONNECTION_LOST_STATES)
    # A file the request could not read says nothing about the connection.
    return isinstance(exc, OSError) and raised_by_database_driver(exc)


def _leaves_driver_connection_broken(exc: BaseException) -> bool:
    """After `exc`, the driver's connection cannot be trusted: lost, or left in the middle of a
    message exchange (a cancelled await)."""
    if isinstance(exc, asyncio.CancelledError):
        return True
    if isinstance(exc, TimeoutError) and isinstance(exc.__cause__, asyncio.CancelledError):
        # asyncio.timeout within the block: it cancelled an await, perhaps the driver's.
        return True
    return _database_connection_lost(exc)


async def _drop_broken(connection: AsyncConnection, exc: BaseException) -> None:
    """Drop a connection that a statement sent straight to the driver left broken (SQLAlchemy
    does so for its own statements only). When the database itself went away, every pooled
    connection opened before now is dropped too, as SQLAlchemy does on a disconnect: they are
    as dead, and a read answered again must not take one of them."""
    if not _leaves_driver_connection_broken(exc):
        return
    error = exc if isinstance(exc, Exception) else None
    if _database_connection_lost(exc):
        proxied = await connection.get_raw_connection()
        # What SQLAlchemy itself calls on a disconnect (Connection._handle_dbapi_exception).
        await greenlet_spawn(connection.engine.sync_engine.pool._invalidate, proxied, error)
    else:
        await connection.invalidate(error)


# The packages through which the database is reached.
_DATABASE_PACKAGES = frozenset({"asyncpg", "sqlalchemy"})


def raised_by_database_driver(exc: BaseException) -> bool:
    """Whether `exc` was raised inside the driver or SQLAlchemy (its pool, its connect).

    An OSError from there is the database's socket refused, reset or timed out (or its Unix
    socket missing); the same classes raised by the application's own code are not.
    """
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_globals.get("__name__", "").partition(".")[0] in _DATABASE_PACKAGES:
            return True
        traceback = traceback.tb_next
    return False


async def _drop_broken_connection(session: AsyncSession, exc: BaseException) -> None:
    """SQLAlchemy invalidates a connection when its own statements fail, not when statements
    sent straight to asyncpg (COPY, the hot reads) do: without this, such a connection would
    go back to the pool and fail the next request that takes it."""
    connection = session.info.pop(_HANDED_TO_DRIVER, None)
    if connection is not None:
        await _drop_broken(connection, exc)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
        if session.in_transaction():
            await session.commit()
    except BaseException as exc:
        await _drop_broken_connection(session, exc)
        await session.rollback()
        raise
    finally:
        if session.in_transaction():
            await session.close()
        else:
            # Nothing is held: closing does no I/O, and costs no trip through the async
            # bridge. Most requests whose key is in the process's cache use no database at all.
            session.sync_session.close()
