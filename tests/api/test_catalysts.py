import pytest

from tests.api.factories import (
    alliance_payload,
    catalyst_payload,
    collect,
    create,
    create_catalyst,
    fetch,
    ids,
    locs,
)


async def test_create_returns_location_and_the_stored_catalyst(client, staff):
    response = await client.post("/v1/catalysts", json=catalyst_payload(name="Ateliers"), headers=staff)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/catalysts/{body['id']}"
    fetched = await client.get(response.headers["location"], headers=staff)
    assert fetched.json() == body
    assert body["name"] == "Ateliers"


async def test_territory_filter_includes_descendants(client, staff):
    in_val_de_marne = await create_catalyst(client, staff, territory_code="FR-94")
    in_paris = await create_catalyst(client, staff, territory_code="FR-75C")
    in_brittany = await create_catalyst(client, staff, territory_code="FR-29")
    response = await client.get("/v1/catalysts", params={"territory": "FR-IDF"}, headers=staff)
    ids = {item["id"] for item in response.json()["items"]}
    assert ids == {in_val_de_marne["id"], in_paris["id"]}
    assert in_brittany["id"] not in ids


FULL = {
    "name": "La Fabrique des Territoires",
    "structure_type": "support_provider",
    "trades": ["shared_space", "actor_support", "territorial_dialogue", "collective_experimentation"],
    "territory_code": "FR-29",
    "latitude": 48.390394,
    "longitude": -4.486076,
    "website": "https://fabrique.example.org/accueil",
    "description": "Un lieu partagé à Brest.\nDeuxième ligne, « guillemets ».",
    "founded_year": 2014,
}


async def test_every_field_round_trips(client, staff):
    response = await client.post("/v1/catalysts", json=FULL, headers=staff)
    assert response.status_code == 201, response.text
    body = response.json()
    for field, value in FULL.items():
        if field == "trades":
            assert sorted(body["trades"]) == sorted(value)
        else:
            assert body[field] == value, field
    assert body["created_at"] and body["updated_at"]
    fetched = await fetch(client, f"/v1/catalysts/{body['id']}", staff)
    assert fetched == body


async def test_optional_fields_default_to_null(client, staff):
    payload = {
        "name": "Minimal",
        "structure_type": "company",
        "trades": ["actor_support"],
        "territory_code": "FR",
    }
    body = await create(client, "/v1/catalysts", payload, staff)
    for field in ("latitude", "longitude", "website", "description", "founded_year"):
        assert body[field] is None, field


@pytest.mark.parametrize(
    "website",
    [
        "https://example.org",  # normalised, it would gain a trailing slash
        "https://example.org/" + "0" * 480,  # 500 characters, the documented limit
        "https://example.org/" + "é" * 480,  # percent-escaped, it would pass 500
    ],
)
async def test_a_website_is_kept_as_written_up_to_the_documented_limit(client, staff, website):
    """The limit is on what the client sends: normalising first refused URLs within it."""
    body = await create_catalyst(client, staff, website=website)
    assert body["website"] == website


async def test_filters_structure_type_trade_and_q(client, staff, reader):
    fabrique = await create_catalyst(
        client, staff, name="La FABRIQUE", structure_type="company", trades=["shared_space", "actor_support"]
    )
    ateliers = await create_catalyst(
        client, staff, name="Ateliers du Lien", structure_type="association", trades=["actor_support"]
    )
    lab = await create_catalyst(
        client,
        staff,
        name="Labo Fabrique Sociale",
        structure_type="academic",
        trades=["territorial_dialogue"],
    )
    assert ids(await collect(client, "/v1/catalysts", reader, structure_type="company")) == {fabrique["id"]}
    assert ids(await collect(client, "/v1/catalysts", reader, trade="actor_support")) == {
        fabrique["id"],
        ateliers["id"],
    }
    assert ids(await collect(client, "/v1/catalysts", reader, trade="collective_experimentation")) == set()
    assert ids(await collect(client, "/v1/catalysts", reader, q="fabrique")) == {fabrique["id"], lab["id"]}
    assert ids(await collect(client, "/v1/catalysts", reader, q="LIEN")) == {ateliers["id"]}
    combined = await collect(client, "/v1/catalysts", reader, q="fabrique", trade="territorial_dialogue")
    assert ids(combined) == {lab["id"]}
    assert await collect(client, "/v1/catalysts", reader, q="_") == []


async def test_unknown_filter_values_are_422(client, reader):
    for params, loc in (
        ({"structure_type": "cooperative"}, ["query", "structure_type"]),
        ({"trade": "cooking"}, ["query", "trade"]),
    ):
        response = await client.get("/v1/catalysts", params=params, headers=reader)
        assert response.status_code == 422
        assert loc in locs(response)


async def test_territory_filter_on_an_unknown_territory_is_empty(client, staff):
    await create_catalyst(client, staff)
    assert await collect(client, "/v1/catalysts", staff, territory="XX-NOPE") == []
    assert len(await collect(client, "/v1/catalysts", staff, territory="FR")) == 1


INVALID_CREATIONS = [
    ({"latitude": 91.0}, ["body", "latitude"]),
    ({"latitude": -90.5}, ["body", "latitude"]),
    ({"longitude": 180.5}, ["body", "longitude"]),
    ({"trades": ["cooking"]}, ["body", "trades", 0]),
    ({"trades": []}, ["body", "trades"]),
    ({"trades": ["actor_support", "actor_support"]}, ["body", "trades"]),
    ({"structure_type": "cooperative"}, ["body", "structure_type"]),
    ({"name": ""}, ["body", "name"]),
    ({"name": "   "}, ["body", "name"]),
    # The documented limit holds for what is sent, surrounding whitespace included.
    ({"name": " " + "N" * 200}, ["body", "name"]),
    ({"name": "Nul\x00"}, ["body", "name"]),
    ({"founded_year": 1500}, ["body", "founded_year"]),
    ({"website": "not a url"}, ["body", "website"]),
    ({"territory_code": "XX-NOPE"}, ["body", "territory_code"]),
    ({"id": "0190f5a0-0000-7000-8000-000000000000"}, ["body", "id"]),
]


@pytest.mark.parametrize(("overrides", "loc"), INVALID_CREATIONS)
async def test_invalid_creation_names_the_field(client, staff, overrides, loc):
    response = await client.post("/v1/catalysts", json=catalyst_payload(**overrides), headers=staff)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert loc in locs(response)
    assert await collect(client, "/v1/catalysts", staff) == []


async def test_text_is_stored_without_surrounding_whitespace(client, staff):
    body = await create_catalyst(client, staff, name="  La Fabrique\t", description=" \n ")
    assert (body["name"], body["description"]) == ("La Fabrique", "")


async def test_latitude_without_longitude_is_422_naming_the_point(client, staff):
    for missing in ("longitude", "latitude"):
        payload = catalyst_payload()
        del payload[missing]
        response = await client.post("/v1/catalysts", json=payload, headers=staff)
        assert response.status_code == 422
        assert ["body", missing] in locs(response)
    assert await collect(client, "/v1/catalysts", staff) == []


async def test_missing_required_fields_are_named(client, staff):
    response = await client.post("/v1/catalysts", json={}, headers=staff)
    assert response.status_code == 422
    found = locs(response)
    for field in ("name", "structure_type", "trades", "territory_code"):
        assert ["body", field] in found


async def test_patch_is_partial(client, staff):
    created = await create(client, "/v1/catalysts", FULL, staff)
    response = await client.patch(
        f"/v1/catalysts/{created['id']}", json={"description": "Nouvelle description"}, headers=staff
    )
    assert response.status_code == 200
    body = response.json()
    assert body["description"] == "Nouvelle description"
    unchanged = {k: v for k, v in created.items() if k not in ("description", "updated_at")}
    assert {k: v for k, v in body.items() if k not in ("description", "updated_at")} == unchanged
    assert body["updated_at"] >= created["updated_at"]
    assert await fetch(client, f"/v1/catalysts/{created['id']}", staff) == body


async def test_patch_replaces_trades_and_moves_the_point(client, staff):
    created = await create_catalyst(client, staff, trades=["actor_support", "shared_space"])
    response = await client.patch(
        f"/v1/catalysts/{created['id']}",
        json={"trades": ["shared_space", "territorial_dialogue"], "latitude": 43.3, "longitude": 5.37},
        headers=staff,
    )
    assert response.status_code == 200
    body = response.json()
    assert sorted(body["trades"]) == ["shared_space", "territorial_dialogue"]
    assert (body["latitude"], body["longitude"]) == (43.3, 5.37)
    assert ids(await collect(client, "/v1/catalysts", staff, trade="actor_support")) == set()
    assert ids(await collect(client, "/v1/catalysts", staff, trade="territorial_dialogue")) == {created["id"]}


async def test_patch_may_clear_optional_fields(client, staff):
    created = await create(client, "/v1/catalysts", FULL, staff)
    clear = {"latitude": None, "longitude": None, "website": None, "description": None, "founded_year": None}
    response = await client.patch(f"/v1/catalysts/{created['id']}", json=clear, headers=staff)
    assert response.status_code == 200
    body = await fetch(client, f"/v1/catalysts/{created['id']}", staff)
    for field in clear:
        assert body[field] is None, field
    assert body["name"] == FULL["name"]


@pytest.mark.parametrize("field", ["name", "structure_type", "trades", "territory_code"])
async def test_required_fields_cannot_be_set_to_null(client, staff, field):
    created = await create_catalyst(client, staff)
    response = await client.patch(f"/v1/catalysts/{created['id']}", json={field: None}, headers=staff)
    assert response.status_code == 422
    assert ["body", field] in locs(response)
    assert await fetch(client, f"/v1/catalysts/{created['id']}", staff) == created


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"latitude": None}, ["body", "latitude"]),
        ({"longitude": None}, ["body", "longitude"]),
        ({"latitude": 95}, ["body", "latitude"]),
        ({"trades": ["cooking"]}, ["body", "trades", 0]),
        ({"trades": ["actor_support", "actor_support"]}, ["body", "trades"]),
        ({"territory_code": "XX-NOPE"}, ["body", "territory_code"]),
        ({"created_at": "2020-01-01T00:00:00Z"}, ["body", "created_at"]),
    ],
)
async def test_invalid_patch_names_the_field_and_changes_nothing(client, staff, change, loc):
    created = await create_catalyst(client, staff)
    response = await client.patch(f"/v1/catalysts/{created['id']}", json=change, headers=staff)
    assert response.status_code == 422, response.text
    assert loc in locs(response)
    assert await fetch(client, f"/v1/catalysts/{created['id']}", staff) == created


async def test_delete_is_soft_and_staff_only(client, staff, reader, make_key):
    catalyst = await create_catalyst(client, staff)
    other = await create_catalyst(client, staff)
    own_key = await make_key("write", catalyst_id=catalyst["id"])
    for headers in (own_key, reader):
        response = await client.delete(f"/v1/catalysts/{catalyst['id']}", headers=headers)
        assert response.status_code == 403
    assert await fetch(client, f"/v1/catalysts/{catalyst['id']}", staff) == catalyst

    response = await client.delete(f"/v1/catalysts/{catalyst['id']}", headers=staff)
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/v1/catalysts/{catalyst['id']}", headers=staff)).status_code == 404
    assert ids(await collect(client, "/v1/catalysts", staff)) == {other["id"]}
    assert (
        await client.patch(f"/v1/catalysts/{catalyst['id']}", json={"name": "X"}, headers=staff)
    ).status_code == 404
    assert (await client.delete(f"/v1/catalysts/{catalyst['id']}", headers=staff)).status_code == 404


async def test_deleted_catalyst_cannot_convene_a_new_alliance(client, staff):
    catalyst = await create_catalyst(client, staff)
    assert (await client.delete(f"/v1/catalysts/{catalyst['id']}", headers=staff)).status_code == 204
    response = await client.post("/v1/alliances", json=alliance_payload([catalyst["id"]]), headers=staff)
    assert response.status_code == 422
    assert ["body", "catalyst_ids", 0] in locs(response)


async def test_only_staff_registers_catalysts(client, staff, reader, make_key):
    own = await create_catalyst(client, staff)
    writer = await make_key("write", catalyst_id=own["id"])
    for headers in (reader, writer):
        response = await client.post("/v1/catalysts", json=catalyst_payload(), headers=headers)
        assert response.status_code == 403
    assert ids(await collect(client, "/v1/catalysts", staff)) == {own["id"]}


async def test_write_key_edits_its_own_catalyst_only(client, staff, make_key):
    a = await create_catalyst(client, staff, name="A")
    b = await create_catalyst(client, staff, name="B")
    key_a = await make_key("write", catalyst_id=a["id"])
    response = await client.patch(f"/v1/catalysts/{a['id']}", json={"name": "A renamed"}, headers=key_a)
    assert response.status_code == 200
    assert response.json()["name"] == "A renamed"

    response = await client.patch(f"/v1/catalysts/{b['id']}", json={"name": "Hijacked"}, headers=key_a)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert await fetch(client, f"/v1/catalysts/{b['id']}", staff) == b


async def test_read_key_cannot_patch(client, staff, reader):
    catalyst = await create_catalyst(client, staff)
    response = await client.patch(f"/v1/catalysts/{catalyst['id']}", json={"name": "X"}, headers=reader)
    assert response.status_code == 403
    assert await fetch(client, f"/v1/catalysts/{catalyst['id']}", staff) == catalyst


async def test_unknown_catalyst_is_404(client, reader):
    response = await client.get("/v1/catalysts/0190f5a0-0000-7000-8000-000000000000", headers=reader)
    assert response.status_code == 404
    assert response.json()["status"] == 404


async def test_deleting_a_catalyst_revokes_its_write_keys(client, staff, make_key):
    catalyst = await create_catalyst(client, staff)
    writer = await make_key("write", catalyst_id=catalyst["id"])
    assert (await client.get("/v1/catalysts", headers=writer)).status_code == 200
    assert (await client.delete(f"/v1/catalysts/{catalyst['id']}", headers=staff)).status_code == 204
    refused = await client.get("/v1/catalysts", headers=writer)
    assert refused.status_code == 401
