import pytest

from tests.api.factories import (
    alliance_payload,
    collect,
    create_alliance,
    create_catalyst,
    fetch,
    ids,
    locs,
)

UNKNOWN_ID = "0190f5a0-0000-7000-8000-000000000000"


@pytest.fixture
async def catalysts(client, staff):
    return [await create_catalyst(client, staff, name=f"Catalyseur {n}") for n in range(3)]


async def test_create_with_every_field(client, staff, catalysts):
    catalyst_ids = sorted(c["id"] for c in catalysts[:2])
    payload = {
        "name": "École-entreprise du Val",
        "description": "Un lycée, un club d'entreprises et deux villes.",
        "objectives": "Rapprocher les élèves des entreprises du territoire.",
        "territory_code": "FR-94",
        "catalyst_ids": catalyst_ids,
        "domains": ["education", "employment"],
        "sdgs": [4, 8],
        "stage": "extension",
        "started_on": "2021-09-01",
        "ended_on": "2024-06-30",
        "status": "ended",
    }
    response = await client.post("/v1/alliances", json=payload, headers=staff)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/alliances/{body['id']}"
    assert response.headers["etag"]
    for field, value in payload.items():
        assert body[field] == value, field
    assert await fetch(client, response.headers["location"], staff) == body


async def test_defaults(client, staff, catalysts):
    payload = {"name": "Minimal", "territory_code": "FR", "catalyst_ids": [catalysts[0]["id"]]}
    response = await client.post("/v1/alliances", json=payload, headers=staff)
    assert response.status_code == 201
    body = response.json()
    assert body["domains"] == []
    assert body["sdgs"] == []
    assert body["stage"] == "emergence"
    assert body["status"] == "active"
    assert body["started_on"] is None
    assert body["ended_on"] is None


async def test_filters(client, staff, reader, catalysts):
    a, b, c = (catalyst["id"] for catalyst in catalysts)
    mobility = await create_alliance(
        client,
        staff,
        [a],
        name="Covoiturage rural",
        territory_code="FR-29",
        domains=["mobility"],
        sdgs=[11],
        stage="emergence",
    )
    school = await create_alliance(
        client,
        staff,
        [a, b],
        name="Lycée et entreprises",
        description="Stages et MOBILITÉ internationale.",
        territory_code="FR-94",
        domains=["education", "employment"],
        sdgs=[4, 8],
        stage="prototype",
    )
    health = await create_alliance(
        client,
        staff,
        [c],
        name="Dépistage visuel",
        territory_code="FR-75C",
        domains=["health"],
        sdgs=[3],
        stage="spreading",
        status="paused",
    )

    async def found(**params):
        return ids(await collect(client, "/v1/alliances", reader, **params))

    assert await found() == {mobility["id"], school["id"], health["id"]}
    assert await found(catalyst=a) == {mobility["id"], school["id"]}
    assert await found(catalyst=b) == {school["id"]}
    assert await found(territory="FR-IDF") == {school["id"], health["id"]}
    assert await found(territory="FR-BRE") == {mobility["id"]}
    assert await found(domain="employment") == {school["id"]}
    assert await found(domain="culture") == set()
    assert await found(sdg=3) == {health["id"]}
    assert await found(sdg=8) == {school["id"]}
    assert await found(stage="spreading") == {health["id"]}
    assert await found(status="paused") == {health["id"]}
    assert await found(status="active") == {mobility["id"], school["id"]}
    # q looks at the name and the description, ignoring case.
    assert await found(q="mobilité") == {school["id"]}
    assert await found(q="RURAL") == {mobility["id"]}
    assert await found(q="rural", territory="FR-IDF") == set()
    assert await found(catalyst=a, domain="mobility", sdg=11) == {mobility["id"]}


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"sdg": 0}, ["query", "sdg"]),
        ({"sdg": 18}, ["query", "sdg"]),
        ({"domain": "sport"}, ["query", "domain"]),
        ({"stage": "mature"}, ["query", "stage"]),
        ({"status": "dead"}, ["query", "status"]),
        ({"catalyst": "not-a-uuid"}, ["query", "catalyst"]),
    ],
)
async def test_invalid_filters_are_422(client, reader, params, loc):
    response = await client.get("/v1/alliances", params=params, headers=reader)
    assert response.status_code == 422
    assert loc in locs(response)


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"sdgs": [0]}, ["body", "sdgs", 0]),
        ({"sdgs": [4, 18]}, ["body", "sdgs", 1]),
        ({"sdgs": [4, 4]}, ["body", "sdgs"]),
        ({"domains": ["sport"]}, ["body", "domains", 0]),
        ({"domains": ["health", "health"]}, ["body", "domains"]),
        ({"catalyst_ids": []}, ["body", "catalyst_ids"]),
        ({"stage": "mature"}, ["body", "stage"]),
        ({"status": "dead"}, ["body", "status"]),
        ({"territory_code": "XX-NOPE"}, ["body", "territory_code"]),
        ({"started_on": "2024-02-30"}, ["body", "started_on"]),
        ({"started_on": "2024-01-01", "ended_on": "2023-12-31"}, ["body", "ended_on"]),
        ({"name": None}, ["body", "name"]),
    ],
)
async def test_invalid_creation_names_the_field(client, staff, catalysts, overrides, loc):
    payload = {**alliance_payload([catalysts[0]["id"]]), **overrides}
    response = await client.post("/v1/alliances", json=payload, headers=staff)
    assert response.status_code == 422, response.text
    assert loc in locs(response)
    assert await collect(client, "/v1/alliances", staff) == []


async def test_unknown_catalyst_is_422_naming_its_index(client, staff, catalysts):
    payload = alliance_payload([UNKNOWN_ID, catalysts[0]["id"]])
    response = await client.post("/v1/alliances", json=payload, headers=staff)
    assert response.status_code == 422
    assert ["body", "catalyst_ids", 0] in locs(response)
    payload = alliance_payload([catalysts[0]["id"], UNKNOWN_ID])
    response = await client.post("/v1/alliances", json=payload, headers=staff)
    assert response.status_code == 422
    assert ["body", "catalyst_ids", 1] in locs(response)
    duplicated = alliance_payload([catalysts[0]["id"], catalysts[0]["id"]])
    response = await client.post("/v1/alliances", json=duplicated, headers=staff)
    assert response.status_code == 422
    assert ["body", "catalyst_ids"] in locs(response)
    assert await collect(client, "/v1/alliances", staff) == []


async def test_ended_on_equal_to_started_on_is_fine(client, staff, catalysts):
    alliance = await create_alliance(
        client, staff, [catalysts[0]["id"]], started_on="2024-01-01", ended_on="2024-01-01"
    )
    assert alliance["ended_on"] == "2024-01-01"


async def test_patch_replaces_lists_keeping_removing_and_adding(client, staff, catalysts):
    a, b, c = (catalyst["id"] for catalyst in catalysts)
    alliance = await create_alliance(
        client, staff, [a, b], domains=["education", "employment"], sdgs=[4, 8, 10]
    )
    response = await client.patch(
        f"/v1/alliances/{alliance['id']}",
        json={"catalyst_ids": [c, b], "domains": ["employment", "health"], "sdgs": [10, 3]},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["catalyst_ids"] == sorted([b, c])
    assert body["domains"] == ["employment", "health"]
    assert body["sdgs"] == [3, 10]
    assert await fetch(client, f"/v1/alliances/{alliance['id']}", staff) == body
    assert ids(await collect(client, "/v1/alliances", staff, catalyst=a)) == set()
    assert ids(await collect(client, "/v1/alliances", staff, catalyst=c)) == {alliance["id"]}
    assert ids(await collect(client, "/v1/alliances", staff, sdg=4)) == set()
    assert ids(await collect(client, "/v1/alliances", staff, domain="health")) == {alliance["id"]}

    # Emptying domains and SDGs is allowed; the other fields stay.
    response = await client.patch(
        f"/v1/alliances/{alliance['id']}", json={"domains": [], "sdgs": []}, headers=staff
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["domains"], body["sdgs"]) == ([], [])
    assert body["catalyst_ids"] == sorted([b, c])
    assert body["name"] == alliance["name"]


async def test_patch_is_partial(client, staff, catalysts):
    alliance = await create_alliance(client, staff, [catalysts[0]["id"]], description="Avant")
    response = await client.patch(
        f"/v1/alliances/{alliance['id']}", json={"stage": "spreading", "status": "paused"}, headers=staff
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["stage"], body["status"]) == ("spreading", "paused")
    kept = ("name", "description", "territory_code", "catalyst_ids", "domains", "sdgs", "started_on")
    for field in kept:
        assert body[field] == alliance[field], field


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"name": None}, ["body", "name"]),
        ({"catalyst_ids": None}, ["body", "catalyst_ids"]),
        ({"catalyst_ids": []}, ["body", "catalyst_ids"]),
        ({"catalyst_ids": [UNKNOWN_ID]}, ["body", "catalyst_ids", 0]),
        ({"domains": None}, ["body", "domains"]),
        ({"sdgs": None}, ["body", "sdgs"]),
        ({"sdgs": [18]}, ["body", "sdgs", 0]),
        ({"stage": None}, ["body", "stage"]),
        ({"status": None}, ["body", "status"]),
        ({"territory_code": None}, ["body", "territory_code"]),
        ({"territory_code": "XX-NOPE"}, ["body", "territory_code"]),
        ({"ended_on": "2022-12-31"}, ["body", "ended_on"]),
        ({"started_on": "2030-01-01", "ended_on": "2029-01-01"}, ["body", "ended_on"]),
    ],
)
async def test_invalid_patch_changes_nothing(client, staff, catalysts, change, loc):
    alliance = await create_alliance(client, staff, [catalysts[0]["id"]], started_on="2023-01-01")
    response = await client.patch(f"/v1/alliances/{alliance['id']}", json=change, headers=staff)
    assert response.status_code == 422, response.text
    assert loc in locs(response)
    assert await fetch(client, f"/v1/alliances/{alliance['id']}", staff) == alliance


async def test_started_on_moved_after_ended_on_is_refused(client, staff, catalysts):
    alliance = await create_alliance(
        client, staff, [catalysts[0]["id"]], started_on="2023-01-01", ended_on="2023-12-31"
    )
    response = await client.patch(
        f"/v1/alliances/{alliance['id']}", json={"started_on": "2024-01-01"}, headers=staff
    )
    assert response.status_code == 422
    assert await fetch(client, f"/v1/alliances/{alliance['id']}", staff) == alliance


async def test_delete_is_soft(client, staff, catalysts):
    kept = await create_alliance(client, staff, [catalysts[0]["id"]])
    gone = await create_alliance(client, staff, [catalysts[0]["id"]])
    response = await client.delete(f"/v1/alliances/{gone['id']}", headers=staff)
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/v1/alliances/{gone['id']}", headers=staff)).status_code == 404
    assert (await client.get(f"/v1/alliances/{gone['id']}/members", headers=staff)).status_code == 404
    assert ids(await collect(client, "/v1/alliances", staff)) == {kept["id"]}
    assert ids(await collect(client, "/v1/alliances", staff, catalyst=catalysts[0]["id"])) == {kept["id"]}
    patched = await client.patch(f"/v1/alliances/{gone['id']}", json={"name": "X"}, headers=staff)
    assert patched.status_code == 404
    assert (await client.delete(f"/v1/alliances/{gone['id']}", headers=staff)).status_code == 404


async def test_unknown_alliance_is_404(client, reader):
    response = await client.get(f"/v1/alliances/{UNKNOWN_ID}", headers=reader)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
