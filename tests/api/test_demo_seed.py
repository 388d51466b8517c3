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
from services.core.demo.seed import demo_id, indicator_id, member_id, seed_demo
from services.core.indicators.models import Indicator, IndicatorRevision
from services.core.observations.models import Observation, ObservationRevision
from services.core.organisations.models import Organisation
from services.core.territories.models import Territory
from services.core.vocabularies import (
    ActorType,
    Axis,
    Direction,
    MeasureType,
    MemberRole,
    ObservationStatus,
    StructureType,
    Trade,
)

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
    Indicator,
    IndicatorRevision,
    Observation,
    ObservationRevision,
]


async def _row_counts(app) -> dict[str, int]:
    async with session_scope(app.state.session_factory) as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in TABLES
        }


async def _items(client, path: str, headers: dict, **params) -> list[dict]:
    response = await client.get(path, params={"limit": 500, **params}, headers=headers)
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
    assert first["indicators"] >= 3 * first["alliances"]
    assert first["observations"] > 10 * first["indicators"]
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
        for territory in await _items(client, "/v1/territories", staff, level=level):
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


async def _indicators_by_alliance(client, headers: dict) -> dict[str, list[dict]]:
    return {
        alliance["id"]: await _items(client, f"/v1/alliances/{alliance['id']}/indicators", headers)
        for alliance in await _items(client, "/v1/alliances", headers)
    }


async def test_every_alliance_follows_a_few_varied_indicators(app, client, staff):
    await seed_demo(app.state.settings)
    by_alliance = await _indicators_by_alliance(client, staff)
    indicators = [indicator for group in by_alliance.values() for indicator in group]

    assert all(3 <= len(group) <= 5 for group in by_alliance.values())
    axes = {alliance: {i["axis"] for i in group} for alliance, group in by_alliance.items()}
    partial = [alliance for alliance, found in axes.items() if found != set(Axis)]
    assert len(partial) == 1, axes  # one alliance has no innovation indicator yet
    assert axes[partial[0]] == {"performance", "trust"}

    assert {i["measure_type"] for i in indicators} == set(MeasureType)
    assert {i["direction"] for i in indicators} == set(Direction)
    assert {(i["scale_min"], i["scale_max"]) for i in indicators if i["measure_type"] == "ordinal"} == {
        (1, 5),
        (1, 4),
    }
    assert {i["weight"] for i in indicators} == {1, 2}
    assert all(i["calculation_method"] and i["prism"] and i["dimension"] for i in indicators)
    assert any(i["direction"] == "decrease" and i["target_value"] < i["baseline_value"] for i in indicators)
    assert any(i["worst"] is not None and i["best"] is not None for i in indicators)

    member_scoped = [i for i in indicators if i["member_id"] is not None]
    assert len(member_scoped) >= 2
    for indicator in member_scoped:
        member = await client.get(
            f"/v1/alliances/{indicator['alliance_id']}/members/{indicator['member_id']}", headers=staff
        )
        assert member.status_code == 200, member.text

    delay = await client.get(
        f"/v1/indicators/{indicator_id('bien-voir-pour-apprendre', 'DELAI')}", headers=staff
    )
    assert delay.status_code == 200
    assert delay.json()["direction"] == "decrease"
    assert (delay.json()["baseline_value"], delay.json()["target_value"]) == (120, 45)


async def test_values_respect_their_indicator(app, client, staff):
    await seed_demo(app.state.settings)
    statuses: set[str] = set()
    for group in (await _indicators_by_alliance(client, staff)).values():
        for indicator in group:
            values = await _items(client, f"/v1/indicators/{indicator['id']}/observations", staff)
            assert values, indicator["code"]
            for value in values:
                assert "2022-01-01" <= value["period_start"] <= value["period_end"] <= "2026-09-30"
                assert value["source"]
                if indicator["measure_type"] == "ordinal":
                    assert indicator["scale_min"] <= value["value"] <= indicator["scale_max"]
                if indicator["measure_type"] == "binary":
                    assert value["value"] in (0, 1)
                if indicator["measure_type"] == "percentage":
                    assert 0 <= value["value"] <= 100
            statuses.update(value["status"] for value in values)
    assert statuses == set(ObservationStatus)


async def test_a_corrected_value_keeps_its_first_report(app, client, staff):
    await seed_demo(app.state.settings)
    await seed_demo(app.state.settings)  # the correction is not replayed
    stages = indicator_id("parcours-lycee-entreprises", "STAGES")
    values = await _items(client, f"/v1/indicators/{stages}/observations", staff)
    corrected = [value for value in values if value["revision"] == 2]
    assert len(corrected) == 1 and corrected[0]["period_start"] == "2024-01-01"

    history = await _items(client, f"/v1/observations/{corrected[0]['id']}/history", staff)
    assert [(h["revision"], h["value"], h["status"]) for h in history] == [
        (1, 147, "provisional"),
        (2, 132, "final"),
    ]
    assert history[1]["comment"].startswith("Correction")


async def test_an_aggregation_of_the_demo_shows_real_scores(app, client, staff):
    await seed_demo(app.state.settings)
    response = await client.post("/v1/aggregation-jobs", json={"as_of": "2026-09-30"}, headers=staff)
    assert response.status_code == 202, response.text
    await app.state.jobs.drain()
    job = (await client.get(response.headers["location"], headers=staff)).json()
    assert job["status"] == "succeeded", job

    rows = await _items(client, "/v1/snapshots/latest/scores", staff, subject_type="alliance")
    # The ended alliance is left out; every other one has a row per axis.
    assert len(rows) == 3 * 8
    scored = [row["score"] for row in rows if row["score"] is not None]
    assert len(scored) >= 0.9 * len(rows)
    assert all(0 <= score <= 100 for score in scored)
    assert len(set(scored)) > 10
    not_measured = [row for row in rows if "not_measured" in row["flags"]]
    assert [(row["subject_id"], row["axis"], row["score"]) for row in not_measured] == [
        (str(demo_id("alliance", "manger-mieux-sud-reunion")), "innovation", None)
    ]

    snapshot = (await client.get("/v1/snapshots/latest", headers=staff)).json()
    unscorable = snapshot["diagnostics"]["unscorable_indicators"]
    assert [item["indicator_id"] for item in unscorable] == [
        str(indicator_id("estuaire-zero-dechet", "REEMPLOI"))
    ]
