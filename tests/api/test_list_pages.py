"""The hot lists (catalysts, alliances, snapshot scores) build their pages straight from the
driver on PostgreSQL (services/core/pg_reads) and encode them once (services/api/pages): every
page, filtered or not, is byte for byte what the ORM path and the response model give."""

import pytest

from services.api.pages import page_response
from services.core.alliances import service as alliances
from services.core.alliances.schemas import AllianceRead
from services.core.catalysts import service as catalysts
from services.core.catalysts.schemas import CatalystRead
from services.core.db import session_scope
from services.core.demo.seed import demo_id, seed_demo
from services.core.pagination import Page
from services.core.snapshots import service as snapshots
from services.core.snapshots.schemas import ScoreRead
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
SCORE_FILTERS = [
    {},
    {"subject_type": "territory"},
    {"subject_type": "alliance", "axis": "trust"},
    {"subject_type": "territory", "subject_id": "FR-IDF"},
    {"axis": "innovation"},
    {"subject_type": "all"},
]


async def _pages(fetch, limit: int) -> list[tuple[list, str | None]]:
    """Every page of a list, following the cursors."""
    pages, cursor = [], None
    while True:
        items, cursor = await fetch(cursor, limit)
        pages.append((items, cursor))
        if cursor is None:
            return pages


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


@pytest.mark.parametrize("limit", [3, 50])
async def test_pages_are_those_of_the_orm_path(app, demo, limit):
    async with session_scope(app.state.session_factory) as session:
        for filters in CATALYST_FILTERS:
            fast = await _pages(
                lambda cursor, limit, f=filters: catalysts.list_catalyst_rows(
                    session, cursor=cursor, limit=limit, **f
                ),
                limit,
            )
            orm = await _pages(
                lambda cursor, limit, f=filters: catalysts.list_catalysts(
                    session, cursor=cursor, limit=limit, **f
                ),
                limit,
            )
            assert len(fast) == len(orm), filters
            for (items, cursor), (orm_items, orm_cursor) in zip(fast, orm, strict=True):
                expected = _expected(CatalystRead, orm_items, orm_cursor)
                assert page_response(items, cursor).body == expected.model_dump_json().encode(), filters

        for filters in ALLIANCE_FILTERS:
            arguments = {
                "catalyst": None,
                "territory": None,
                "domain": None,
                "sdg": None,
                "stage": None,
                "status": None,
                "q": None,
            } | filters
            fast = await _pages(
                lambda cursor, limit, f=arguments: alliances.list_alliance_rows(
                    session, cursor=cursor, limit=limit, **f
                ),
                limit,
            )
            orm = await _pages(
                lambda cursor, limit, f=arguments: alliances.list_alliances(
                    session, cursor=cursor, limit=limit, **f
                ),
                limit,
            )
            assert len(fast) == len(orm), filters
            for (items, cursor), (orm_items, orm_cursor) in zip(fast, orm, strict=True):
                expected = _expected(AllianceRead, orm_items, orm_cursor)
                assert page_response(items, cursor).body == expected.model_dump_json().encode(), filters

        snapshot = await snapshots.get_snapshot(session, "latest")
        assert await snapshots.get_snapshot_id(session, "latest") == snapshot.id
        assert await snapshots.get_snapshot_id(session, str(snapshot.id)) == snapshot.id
        for filters in SCORE_FILTERS:
            arguments = {"subject_type": None, "subject_id": None, "axis": None} | filters
            fast = await _pages(
                lambda cursor, limit, f=arguments: snapshots.list_score_rows(
                    session, snapshot.id, cursor=cursor, limit=limit, **f
                ),
                limit,
            )
            orm = await _pages(
                lambda cursor, limit, f=arguments: snapshots.list_scores(
                    session, snapshot, cursor=cursor, limit=limit, **f
                ),
                limit,
            )
            assert len(fast) == len(orm), filters
            for (items, cursor), (orm_items, orm_cursor) in zip(fast, orm, strict=True):
                expected = _expected(ScoreRead, orm_items, orm_cursor)
                assert page_response(items, cursor).body == expected.model_dump_json().encode(), filters


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
