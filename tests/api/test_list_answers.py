"""The registry's lists kept as bytes while the registry tag reads the same: the application's
bytes, one tag read and no session once kept, and every kind of write seen by the next list
(both databases; across processes in tests/worker/test_read_freshness.py)."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Table, event, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from services.api.list_answers import KEPT_LISTS, SeenOnce
from services.core import registry_tag as registry_tag_module
from services.core.alliances.repository import ALLIANCE_LIST
from services.core.catalysts.repository import CATALYST_LIST, CATALYST_MAP
from services.core.db import metadata, session_scope
from services.core.list_queries import AFTER, ListQuery, Shape
from services.core.registry_tag import TAGGED_TABLES, RegistryTag, RegistryTagReader
from services.core.territories.repository import TERRITORY_LIST
from tests.api.conftest import counting_checkouts, stable_headers
from tests.api.factories import create_alliance, create_catalyst, create_territory

LIST_QUERIES: dict[str, ListQuery] = {
    "/v1/territories": TERRITORY_LIST,
    "/v1/catalysts": CATALYST_LIST,
    "/v1/map/catalysts": CATALYST_MAP,
    "/v1/alliances": ALLIANCE_LIST,
}
QUERIES = [
    ("/v1/catalysts", {"limit": 50}),
    ("/v1/catalysts", {"territory": "FR-IDF", "trade": "territorial_dialogue"}),
    ("/v1/alliances", {"territory": "FR-IDF"}),
    ("/v1/alliances", {"domain": "employment", "limit": 2}),
    ("/v1/territories", {"parent": "FR-IDF"}),
    ("/v1/map/catalysts", {}),
]


@contextmanager
def counting_sessions(app) -> Iterator[list[int]]:
    """How many sessions of the app begin a transaction in the block."""
    begun = [0]

    def after_begin(session, _transaction, _connection):
        if session.bind is app.state.engine.sync_engine:
            begun[0] += 1

    event.listen(Session, "after_begin", after_begin)
    try:
        yield begun
    finally:
        event.remove(Session, "after_begin", after_begin)


async def _tag(app) -> int:
    async with session_scope(app.state.session_factory) as session:
        return await session.scalar(select(RegistryTag.tag))


def _tables_read(query: ListQuery) -> set[str]:
    """Every table the statements of a list read, with all its filters and a cursor, and the
    tables of the relationships its models load with them (on SQLite, the related codes)."""
    shape = Shape((*query.filters, AFTER), 50)
    tables = set()
    for statement in (query.statement(shape), query.model_statement(shape)):
        tables |= {element.name for element in visitors.iterate(statement) if isinstance(element, Table)}
    eager = [r for r in sa_inspect(query.model).relationships if r.lazy in ("selectin", "joined", "subquery")]
    return tables | {relationship.mapper.local_table.name for relationship in eager}


def test_every_table_a_kept_list_reads_changes_the_registry_tag():
    assert set(LIST_QUERIES) == KEPT_LISTS
    for path, query in LIST_QUERIES.items():
        assert _tables_read(query) <= set(TAGGED_TABLES), path


async def test_a_committed_write_to_any_tagged_table_changes_the_tag_and_others_do_not(app, client, staff):
    catalyst = await create_catalyst(client, staff)
    await create_alliance(client, staff, [catalyst["id"]])
    for table in TAGGED_TABLES:
        before = await _tag(app)
        column = next(iter(metadata.tables[table].primary_key.columns)).name
        async with session_scope(app.state.session_factory) as session:
            await session.execute(text(f"UPDATE {table} SET {column} = {column}"))
            # Not seen by others before the commit.
            assert await _tag(app) == before, table
        assert await _tag(app) != before, table
    before = await _tag(app)
    async with session_scope(app.state.session_factory) as session:
        await session.execute(text("UPDATE organisations SET name = name"))
        await session.execute(text("UPDATE api_keys SET name = name"))
    assert await _tag(app) == before
    # A write rolled back changes nothing.
    with pytest.raises(RuntimeError):
        async with session_scope(app.state.session_factory) as session:
            await session.execute(text("UPDATE catalysts SET name = name"))
            raise RuntimeError("rolled back")
    assert await _tag(app) == before


async def test_kept_lists_are_the_applications_bytes_and_read_only_the_tag(
    app, client, uncached_client, staff
):
    catalyst = await create_catalyst(client, staff, territory_code="FR-75C")
    await create_alliance(client, staff, [catalyst["id"]], territory_code="FR-75C")
    await create_alliance(client, staff, [catalyst["id"]], territory_code="FR-94", domains=["health"])
    for path, params in QUERIES:
        uncached = await uncached_client.get(path, params=params, headers=staff)
        assert uncached.status_code == 200, (path, uncached.text)
        first = await client.get(path, params=params, headers=staff)
        second = await client.get(path, params=params, headers=staff)  # kept from this one
        with counting_checkouts(app) as checkouts, counting_sessions(app) as sessions:
            kept = await client.get(path, params=params, headers=staff)
        assert (checkouts[0], sessions[0]) == (1, 0), path  # the tag, and no session
        for response in (first, second, kept):
            assert response.content == uncached.content, path
            assert stable_headers(response) == stable_headers(uncached), path
    # The query in another order, or spelt with other escapes, is the same answer.
    with counting_sessions(app) as sessions:
        reordered = await client.get(
            "/v1/catalysts?trade=territorial_dialogue&territory=FR%2DIDF", headers=staff
        )
    assert sessions[0] == 0
    assert (
        reordered.content
        == (
            await uncached_client.get(
                "/v1/catalysts?territory=FR-IDF&trade=territorial_dialogue", headers=staff
            )
        ).content
    )


async def test_a_query_seen_once_is_answered_by_the_application_alone(app, client, staff):
    await create_catalyst(client, staff)
    with counting_checkouts(app) as checkouts, counting_sessions(app) as sessions:
        await client.get("/v1/catalysts?q=seen", headers=staff)
    assert (checkouts[0], sessions[0]) == (1, 1)  # the page, and no tag read
    with counting_sessions(app) as sessions:
        await client.get("/v1/catalysts?q=seen", headers=staff)
        await client.get("/v1/catalysts?q=seen", headers=staff)
    assert sessions[0] == 1  # computed again on the second sighting, then kept


async def test_every_kind_of_write_is_seen_by_the_next_kept_list(app, client, uncached_client, staff):
    catalyst = await create_catalyst(client, staff, territory_code="FR-75C")
    alliance = await create_alliance(client, staff, [catalyst["id"]], territory_code="FR-75C")

    async def same_as_uncached() -> None:
        for path, params in QUERIES:
            for _ in range(2):  # seen, then kept
                kept = await client.get(path, params=params, headers=staff)
            uncached = await uncached_client.get(path, params=params, headers=staff)
            assert kept.content == uncached.content, (path, params)

    await same_as_uncached()
    writes = [
        (
            "post",
            "/v1/catalysts",
            {
                "name": "Nouveau",
                "structure_type": "association",
                "trades": ["actor_support"],
                "territory_code": "FR-92",
            },
        ),
        ("patch", f"/v1/catalysts/{catalyst['id']}", {"trades": ["territorial_dialogue", "shared_space"]}),
        (
            "patch",
            f"/v1/alliances/{alliance['id']}",
            {"domains": ["employment", "mobility"], "sdgs": [8, 11]},
        ),
        ("patch", f"/v1/alliances/{alliance['id']}", {"territory_code": "FR-94"}),
        ("patch", "/v1/territories/FR-94", {"name": "Val-de-Marne (94)"}),
        ("delete", f"/v1/alliances/{alliance['id']}", None),
        ("delete", f"/v1/catalysts/{catalyst['id']}", None),
    ]
    for method, path, body in writes:
        response = await client.request(method, path, json=body, headers=staff)
        assert response.status_code in (200, 201, 204), (path, response.text)
        await same_as_uncached()
    await create_territory(client, staff, "FR-94-CRE", "commune", "FR-94")
    await same_as_uncached()
    # A write that does not go through the API (a fix made in the database) is seen as well.
    async with session_scope(app.state.session_factory) as session:
        await session.execute(text("UPDATE territories SET name = 'Paris (75)' WHERE code = 'FR-75C'"))
    kept = await client.get("/v1/territories", params={"parent": "FR-IDF"}, headers=staff)
    assert "Paris (75)" in {item["name"] for item in kept.json()["items"]}


async def test_a_read_of_the_tag_is_shared_only_by_requests_that_arrived_before_it_was_sent(app, monkeypatch):
    reader = RegistryTagReader(app.state.engine)
    with counting_checkouts(app) as checkouts:
        together = await asyncio.gather(*(reader.read() for _ in range(50)))
    assert len(set(together)) == 1
    assert checkouts[0] <= 2  # one query for the 50, two if the first was sent before the rest came

    # A query in flight (sent, its answer not yet back) is not joined by a request that arrives
    # after a write committed: that request waits for a query of its own.
    answered = asyncio.Event()
    real_read_scalar = registry_tag_module.read_scalar

    async def slow_answer(engine, statement):
        value = await real_read_scalar(engine, statement)
        await answered.wait()
        return value

    monkeypatch.setattr(registry_tag_module, "read_scalar", slow_answer)
    in_flight = asyncio.ensure_future(reader.read())
    await asyncio.sleep(0.2)  # its query has been answered, its answer is held back
    before = await _tag(app)
    async with session_scope(app.state.session_factory) as session:
        await session.execute(text("UPDATE catalysts SET name = name"))
        await session.execute(text("UPDATE territories SET name = name WHERE code = 'FR'"))
    after_write = asyncio.ensure_future(reader.read())
    await asyncio.sleep(0.05)
    answered.set()
    assert await in_flight == before
    assert await after_write == await _tag(app) != before


def test_seen_once_remembers_a_bounded_number_of_queries():
    seen = SeenOnce(size=3)
    assert not seen.second_sighting(("a",))
    assert seen.second_sighting(("a",))
    assert not seen.second_sighting(("a",))  # kept by then: seen once again from scratch
    for key in ("b", "c", "d"):
        seen.second_sighting((key,))
    assert len(seen) == 3
    assert not seen.second_sighting(("a",))  # the oldest went
    assert seen.second_sighting(("d",))
