"""The demo dataset: idempotent, and as rich as the product asks, seen through the API."""

from sqlalchemy import func, select

from services.core.alliances.models import (
    Alliance,
    AllianceCatalyst,
    AllianceDomain,
    AllianceMember,
    AllianceSdg,
)
from services.core.catalysts.models import Catalyst, CatalystTrade
from services.core.db import session_scope
from services.core.demo.seed import demo_id, member_id, seed_demo
from services.core.organisations.models import Organisation
from services.core.territories.models import Territory
from services.core.vocabularies import ActorType, MemberRole, StructureType, Trade

TABLES = [
    Territory,
    Catalyst,
    CatalystTrade,
    Organisation,
    Alliance,
    AllianceCatalyst,
    AllianceDomain,
    AllianceSdg,
    AllianceMember,
]


async def _row_counts(app) -> dict[str, int]:
    async with session_scope(app.state.session_factory) as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in TABLES
        }


async def _items(client, path: str, headers: dict) -> list[dict]:
    response = await client.get(path, params={"limit": 500}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    return body["items"]


class Territories:
    """Territories fetched through the API, each once."""

    def __init__(self, client, headers: dict) -> None:
        self.client = client
        self.headers = headers
        self.cache: dict[str, dict] = {}

    async def get(self, code: str) -> dict:
        if code not in self.cache:
            response = await self.client.get(f"/v1/territories/{code}", headers=self.headers)
            assert response.status_code == 200, response.text
            self.cache[code] = response.json()
        return self.cache[code]

    async def ancestry(self, code: str) -> list[dict]:
        """The territory, then its parent, up to the root."""
        chain = [await self.get(code)]
        while chain[-1]["parent_code"] is not None:
            chain.append(await self.get(chain[-1]["parent_code"]))
        return chain


async def test_seeding_twice_adds_nothing_the_second_time(app):
    first = await seed_demo(app.state.settings)
    assert first["territories"] >= 2
    assert first["catalysts"] >= 12
    assert first["alliances"] >= 6
    assert all(count > 0 for count in first.values()), first
    counts = await _row_counts(app)

    second = await seed_demo(app.state.settings)

    assert set(second) == set(first)
    assert all(count == 0 for count in second.values()), second
    assert await _row_counts(app) == counts


async def test_catalysts_cover_regions_trades_and_structure_types(app, client, staff):
    await seed_demo(app.state.settings)
    catalysts = await _items(client, "/v1/catalysts", staff)
    assert len(catalysts) >= 12

    territories = Territories(client, staff)
    regions: set[str] = set()
    overseas = abroad = 0
    for catalyst in catalysts:
        chain = await territories.ancestry(catalyst["territory_code"])
        regions.update(t["code"] for t in chain if t["level"] == "region")
        overseas += chain[0]["overseas"]
        abroad += chain[-1]["code"] == "MA"
        assert catalyst["website"].startswith("https://") and ".example" in catalyst["website"]
        assert catalyst["description"] and catalyst["founded_year"]
        assert catalyst["latitude"] is not None and catalyst["longitude"] is not None

    assert len(regions) >= 8, regions
    assert overseas >= 1
    assert abroad >= 1
    assert {trade for c in catalysts for trade in c["trades"]} == set(Trade)
    assert {c["structure_type"] for c in catalysts} == set(StructureType)

    rehamna = await territories.get("MA-REH")
    assert (rehamna["level"], rehamna["parent_code"]) == ("other", "MA")
    assert (await territories.get("MA"))["level"] == "country"


async def test_local_territories_have_every_territory_type(app, client, staff):
    await seed_demo(app.state.settings)
    types = set()
    for level in ("epci", "commune", "district"):
        for territory in await _items(client, f"/v1/territories?level={level}", staff):
            types.add(territory["territory_type"])
    assert {"rural", "medium_town", "priority_district", "metropolis"} <= types


async def test_alliances_and_members_are_varied(app, client, staff):
    await seed_demo(app.state.settings)
    alliances = await _items(client, "/v1/alliances", staff)
    assert len(alliances) >= 6
    assert len({domain for a in alliances for domain in a["domains"]}) >= 4
    assert len({sdg for a in alliances for sdg in a["sdgs"]}) >= 4
    assert len({a["stage"] for a in alliances}) == 4
    assert {a["status"] for a in alliances} == {"active", "paused", "ended"}
    assert all(a["catalyst_ids"] for a in alliances)
    assert all("2019-01-01" <= a["started_on"] <= "2024-12-31" for a in alliances)

    organisations = {o["id"]: o for o in await _items(client, "/v1/organisations", staff)}
    members = []
    for alliance in alliances:
        members += await _items(client, f"/v1/alliances/{alliance['id']}/members", staff)
    assert {organisations[m["organisation_id"]]["actor_type"] for m in members} == set(ActorType)
    assert {m["role"] for m in members} == set(MemberRole)
    assert any(m["left_on"] is not None for m in members)
    assert all(m["joined_on"] and m["objectives"] for m in members)
    assert any(o["siren"] for o in organisations.values())


async def test_demo_objects_have_deterministic_ids(app, client, staff):
    await seed_demo(app.state.settings)
    catalyst = await client.get(f"/v1/catalysts/{demo_id('catalyst', 'ateliers-du-val')}", headers=staff)
    assert catalyst.status_code == 200
    assert catalyst.json()["name"] == "Les Ateliers du Val"
    assert "territorial_dialogue" in catalyst.json()["trades"]

    alliance_id = demo_id("alliance", "parcours-lycee-entreprises")
    alliance = await client.get(f"/v1/alliances/{alliance_id}", headers=staff)
    assert alliance.status_code == 200
    assert alliance.json()["catalyst_ids"] == [catalyst.json()["id"]]
    member = await client.get(
        f"/v1/alliances/{alliance_id}/members/{member_id('parcours-lycee-entreprises', 'lycee-mont-mesly')}",
        headers=staff,
    )
    assert member.status_code == 200
    assert member.json()["organisation_id"] == str(demo_id("organisation", "lycee-mont-mesly"))
