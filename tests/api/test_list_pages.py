"""The lists (catalysts, alliances, territories, snapshot scores) are each one statement
(services/core/list_queries): every filter selects what it says on both databases, the pages
follow each other, and on PostgreSQL, where the statement is run straight on the driver, every
page is byte for byte what the ORM path and the response model give (services/api/pages)."""

import pytest
from sqlalchemy import select

from services.api.pages import page_response
from services.core.alliances import service as alliances
from services.core.alliances.repository import ALLIANCE_LIST
from services.core.alliances.schemas import AllianceRead
from services.core.catalysts import service as catalysts
from services.core.catalysts.repository import CATALYST_LIST
from services.core.catalysts.schemas import CatalystRead
from services.core.db import session_scope
from services.core.demo.seed import demo_id, seed_demo
from services.core.list_queries import Shape
from services.core.pagination import Page
from services.core.snapshots import service as snapshots
from services.core.snapshots.repository import SNAPSHOT_SCORE_LIST
from services.core.snapshots.schemas import ScoreRead
from services.core.territories import service as territories
from services.core.territories.models import Territory
from services.core.territories.schemas import TerritoryRead
from tests.api.factories import create_alliance, create_catalyst

CATALYST_FILTERS = [
    {},
    {"territory": "FR-IDF"},
    {"territory": "FR"},
    {"territory": "FR-COM-94028"},
    {"structure_type": "association"},
    {"trade": "shared_space"},
    {"q": "ATELIERS"},
    {"q": "é"},
    {"q": "100%_\\"},
    {"territory": "FR-HDF", "trade": "collective_experimentation", "q": "a"},
]
ALLIANCE_FILTERS = [
    {},
    {"territory": "FR-IDF"},
    {"territory": "FR-94"},
    {"catalyst": demo_id("catalyst", "ateliers-du-val")},
    {"domain": "education"},
    {"sdg": 8},
    {"stage": "extension"},
    {"status": "active"},
    {"q": "lycée"},
    {"q": "x%_"},
    {"territory": "FR", "domain": "employment", "status": "active", "q": "e"},
]
TERRITORY_FILTERS = [
    {},
    {"parent": "FR-IDF"},
    {"level": "region"},
    {"q": "île"},
    {"q": "FR-9"},
    {"q": "_"},
    {"parent": "FR", "level": "region", "q": "e"},
]
SCORE_FILTERS = [
    {},
    {"subject_type": "territory"},
    {"subject_type": "alliance", "axis": "trust"},
    {"subject_type": "territory", "subject_id": "FR-IDF"},
    {"axis": "innovation"},
    {"subject_type": "all"},
]
SMALL_PAGE = 3
NO_ALLIANCE_FILTER = dict.fromkeys(("catalyst", "territory", "domain", "sdg", "stage", "status", "q"))
NO_TERRITORY_FILTER = dict.fromkeys(("parent", "level", "q"))
NO_SCORE_FILTER = dict.fromkeys(("subject_type", "subject_id", "axis"))


async def _pages(fetch, limit: int) -> list[tuple[list, str | None]]:
    """Every page of a list, following the cursors."""
    pages, cursor = [], None
    while True:
        items, cursor = await fetch(cursor, limit)
        pages.append((items, cursor))
        if cursor is None:
            return pages


async def _every_item(fetch, limit: int) -> list:
    pages = await _pages(fetch, limit)
    assert all(len(items) == limit for items, _ in pages[:-1])
    return [item for items, _ in pages for item in items]


def _expected(model, items, next_cursor) -> Page:
    return Page[model](items=[model.model_validate(item) for item in items], next_cursor=next_cursor)


@pytest.fixture
async def demo(app, client, staff):
    await seed_demo(app.state.settings)
    # A catalyst and an alliance with text that JSON must escape, and no optional field.
    catalyst = await create_catalyst(
        client, staff, name='Guillemets " et \\ barre, tab\t, €, 𝄞', latitude=None, longitude=None
    )
    await create_alliance(client, staff, [catalyst["id"]], name="Ligne\nnouvelle\u2028", domains=[], sdgs=[])
    response = await client.post("/v1/aggregation-jobs", json={"as_of": "2026-09-30"}, headers=staff)
    assert response.status_code == 202, response.text
    await app.state.jobs.drain()


def _contains(text: str | None, q: str) -> bool:
    return text is not None and q.lower() in text.lower()


async def test_each_filter_selects_what_it_says(app, demo):
    """On either database, through the path it uses: a filtered list is the unfiltered one
    with only the rows the filter describes, in the same order, whatever the page size."""
    async with session_scope(app.state.session_factory) as session:
        paths = dict((await session.execute(select(Territory.code, Territory.path))).all())

        def within(code: str, territory_code: str) -> bool:
            return f"/{code}/" in paths[territory_code]

        async def catalyst_rows(limit, **filters):
            return await _every_item(
                lambda cursor, limit: catalysts.list_catalyst_rows(
                    session, cursor=cursor, limit=limit, **filters
                ),
                limit,
            )

        every_catalyst = await catalyst_rows(500)
        assert len(every_catalyst) > 2 * SMALL_PAGE  # several pages
        assert [str(row["id"]) for row in every_catalyst] == sorted(str(row["id"]) for row in every_catalyst)
        for filters in CATALYST_FILTERS:
            expected = [
                row
                for row in every_catalyst
                if ("territory" not in filters or within(filters["territory"], row["territory_code"]))
                and filters.get("structure_type", row["structure_type"]) == row["structure_type"]
                and ("trade" not in filters or filters["trade"] in row["trades"])
                and ("q" not in filters or _contains(row["name"], filters["q"]))
            ]
            assert await catalyst_rows(SMALL_PAGE, **filters) == expected, filters
        assert len(await catalyst_rows(SMALL_PAGE, territory="FR-IDF")) not in (0, len(every_catalyst))

        async def alliance_rows(limit, **filters):
            return await _every_item(
                lambda cursor, limit: alliances.list_alliance_rows(
                    session, cursor=cursor, limit=limit, **(NO_ALLIANCE_FILTER | filters)
                ),
                limit,
            )

        every_alliance = await alliance_rows(500)
        assert len(every_alliance) > 2 * SMALL_PAGE
        for filters in ALLIANCE_FILTERS:
            expected = [
                row
                for row in every_alliance
                if ("territory" not in filters or within(filters["territory"], row["territory_code"]))
                and ("catalyst" not in filters or filters["catalyst"] in row["catalyst_ids"])
                and ("domain" not in filters or filters["domain"] in row["domains"])
                and ("sdg" not in filters or filters["sdg"] in row["sdgs"])
                and filters.get("stage", row["stage"]) == row["stage"]
                and filters.get("status", row["status"]) == row["status"]
                and (
                    "q" not in filters
                    or _contains(row["name"], filters["q"])
                    or _contains(row["description"], filters["q"])
                )
            ]
            assert await alliance_rows(SMALL_PAGE, **filters) == expected, filters

        async def territory_rows(limit, **filters):
            return await _every_item(
                lambda cursor, limit: territories.list_territories(
                    session, cursor=cursor, limit=limit, **(NO_TERRITORY_FILTER | filters)
                ),
                limit,
            )

        every_territory = [TerritoryRead.model_validate(row) for row in await territory_rows(500)]
        assert [row.code for row in every_territory] == sorted(row.code for row in every_territory)
        for filters in TERRITORY_FILTERS:
            expected = [
                row
                for row in every_territory
                if filters.get("parent", row.parent_code) == row.parent_code
                and filters.get("level", row.level) == row.level
                and (
                    "q" not in filters
                    or _contains(row.name, filters["q"])
                    or _contains(row.code, filters["q"])
                )
            ]
            found = [TerritoryRead.model_validate(row) for row in await territory_rows(SMALL_PAGE, **filters)]
            assert found == expected, filters

        snapshot_id = await snapshots.get_snapshot_id(session, "latest")

        async def score_rows(limit, **filters):
            return await _every_item(
                lambda cursor, limit: snapshots.list_score_rows(
                    session, snapshot_id, cursor=cursor, limit=limit, **(NO_SCORE_FILTER | filters)
                ),
                limit,
            )

        every_score = await score_rows(500)
        for filters in SCORE_FILTERS:
            expected = [row for row in every_score if filters.items() <= row.items()]
            assert await score_rows(SMALL_PAGE, **filters) == expected, filters
            assert expected, filters


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("limit", [3, 50])
async def test_pages_on_the_driver_are_those_of_the_orm_path(app, demo, limit):
    """On PostgreSQL the statement's rows, read on the driver, encode into the bytes of the
    models it selects through the ORM (SQLite has that path only)."""
    async with session_scope(app.state.session_factory) as session:
        lists = [
            (CatalystRead, catalysts.list_catalyst_rows, CATALYST_LIST, {}, CATALYST_FILTERS),
            (AllianceRead, alliances.list_alliance_rows, ALLIANCE_LIST, NO_ALLIANCE_FILTER, ALLIANCE_FILTERS),
        ]
        for model, read_rows, list_query, no_filter, filter_sets in lists:
            for filters in filter_sets:
                arguments = no_filter | filters
                fast = await _pages(
                    lambda cursor, limit, f=arguments, read=read_rows: read(
                        session, cursor=cursor, limit=limit, **f
                    ),
                    limit,
                )
                orm = await _pages(
                    lambda cursor, limit, f=arguments, query=list_query: query.model_page(
                        session, f, cursor=cursor, limit=limit
                    ),
                    limit,
                )
                assert len(fast) == len(orm), filters
                for (items, cursor), (orm_items, orm_cursor) in zip(fast, orm, strict=True):
                    expected = _expected(model, orm_items, orm_cursor)
                    assert page_response(items, cursor).body == expected.model_dump_json().encode(), filters

        snapshot = await snapshots.get_snapshot(session, "latest")
        assert await snapshots.get_snapshot_id(session, "latest") == snapshot.id
        assert await snapshots.get_snapshot_id(session, str(snapshot.id)) == snapshot.id
        for filters in SCORE_FILTERS:
            arguments = NO_SCORE_FILTER | filters
            fast = await _pages(
                lambda cursor, limit, f=arguments: snapshots.list_score_rows(
                    session, snapshot.id, cursor=cursor, limit=limit, **f
                ),
                limit,
            )
            orm = await _pages(
                lambda cursor, limit, f=arguments: SNAPSHOT_SCORE_LIST.model_page(
                    session, {"owner": snapshot.id} | f, cursor=cursor, limit=limit
                ),
                limit,
            )
            assert len(fast) == len(orm), filters
            for (items, cursor), (orm_items, orm_cursor) in zip(fast, orm, strict=True):
                expected = _expected(ScoreRead, orm_items, orm_cursor)
                assert page_response(items, cursor).body == expected.model_dump_json().encode(), filters


def test_a_shape_is_built_and_compiled_once():
    """Requests with the same filters and limit, whatever the filters' values, share one
    statement and one SQL text; the values travel as positional parameters, the limit is
    written out."""
    first_shape, first = CATALYST_LIST.arguments({"territory": "FR", "q": "a"}, limit=51)
    assert first == {"territory": "%/FR/%", "q": "%a%"}
    second_shape, second = CATALYST_LIST.arguments({"q": "b", "territory": "FR-IDF", "trade": None}, limit=51)
    assert first_shape == second_shape == Shape(("territory", "q"), 51)
    assert second == {"territory": "%/FR-IDF/%", "q": "%b%"}
    assert CATALYST_LIST.statement(first_shape) is CATALYST_LIST.statement(second_shape)
    compiled = CATALYST_LIST.compiled(first_shape)
    assert compiled is CATALYST_LIST.compiled(second_shape)
    assert compiled.arguments(second) == ["%/FR-IDF/%", "%b%"]
    assert "= ANY (array((SELECT territories.code" in compiled.sql
    # Trades sorted by code point, as Catalyst.trades sorts them, whatever the collation.
    assert 'ORDER BY catalyst_trades.trade COLLATE "C"' in compiled.sql
    assert "'%" not in compiled.sql  # no value is written into the text
    assert compiled.sql.endswith(" LIMIT 51")

    other_limit, _ = CATALYST_LIST.arguments({"territory": "FR", "q": "a"}, limit=3)
    assert other_limit == Shape(("territory", "q"), 3)
    assert CATALYST_LIST.compiled(other_limit).sql == compiled.sql.replace(" LIMIT 51", " LIMIT 3")


def test_an_unknown_filter_is_refused():
    with pytest.raises(TypeError, match="unknown filters: colour"):
        CATALYST_LIST.arguments({"colour": "blue"})


async def test_the_list_endpoints_answer_the_same_bytes(app, client, demo, reader):
    """Through the API: the body and content type of a response model's page."""
    for path, model in (
        ("/v1/catalysts?limit=4&territory=FR", CatalystRead),
        ("/v1/alliances?limit=4&q=e", AllianceRead),
        ("/v1/snapshots/latest/scores?subject_type=territory&limit=4", ScoreRead),
    ):
        response = await client.get(path, headers=reader)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        page = Page[model].model_validate_json(response.content)
        assert response.content == page.model_dump_json().encode()
        assert page.next_cursor is not None
