from tests.api.factories import catalyst_payload, create_catalyst


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
