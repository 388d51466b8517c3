import pytest

from tests.api.factories import collect, create_catalyst, locs

SECRET_FIELDS = {"key", "key_hash"}


async def create_key(client, staff, **payload) -> dict:
    response = await client.post("/v1/api-keys", json=payload, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_shows_the_secret_once(client, staff):
    response = await client.post("/v1/api-keys", json={"name": "Plateforme", "scope": "read"}, headers=staff)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/api-keys/{body['id']}"
    assert response.headers["cache-control"] == "no-store"
    assert body["key"].startswith("obs_")
    assert len(body["key"]) > 30
    assert body["key"].startswith(body["prefix"])
    assert len(body["prefix"]) < len(body["key"])
    assert (body["name"], body["scope"], body["catalyst_id"], body["revoked_at"]) == (
        "Plateforme",
        "read",
        None,
        None,
    )
    assert "key_hash" not in body

    one = await client.get(f"/v1/api-keys/{body['id']}", headers=staff)
    assert one.status_code == 200
    assert not SECRET_FIELDS & one.json().keys()
    assert body["key"] not in one.text
    assert one.json() == {k: v for k, v in body.items() if k != "key"}

    listing = await client.get("/v1/api-keys", params={"limit": 500}, headers=staff)
    assert body["key"] not in listing.text
    for item in listing.json()["items"]:
        assert not SECRET_FIELDS & item.keys()
    assert body["id"] in {item["id"] for item in listing.json()["items"]}


async def test_every_key_is_different(client, staff):
    secrets = {(await create_key(client, staff, name=f"k{n}", scope="read"))["key"] for n in range(5)}
    assert len(secrets) == 5


async def test_new_keys_work_with_their_scope(client, staff):
    catalyst = await create_catalyst(client, staff)
    read_key = await create_key(client, staff, name="r", scope="read")
    write_key = await create_key(client, staff, name="w", scope="write", catalyst_id=catalyst["id"])
    staff_key = await create_key(client, staff, name="s", scope="staff")
    assert write_key["catalyst_id"] == catalyst["id"]

    def auth(key):
        return {"Authorization": f"Bearer {key['key']}"}

    assert (await client.get("/v1/catalysts", headers=auth(read_key))).status_code == 200
    patch = {"description": "via la clé"}
    path = f"/v1/catalysts/{catalyst['id']}"
    assert (await client.patch(path, json=patch, headers=auth(read_key))).status_code == 403
    assert (await client.patch(path, json=patch, headers=auth(write_key))).status_code == 200
    assert (await client.get("/v1/api-keys", headers=auth(write_key))).status_code == 403
    assert (await client.get("/v1/api-keys", headers=auth(staff_key))).status_code == 200


async def test_write_key_needs_a_catalyst(client, staff):
    response = await client.post("/v1/api-keys", json={"name": "w", "scope": "write"}, headers=staff)
    assert response.status_code == 422
    assert ["body", "catalyst_id"] in locs(response)
    unknown = {"name": "w", "scope": "write", "catalyst_id": "0190f5a0-0000-7000-8000-000000000000"}
    response = await client.post("/v1/api-keys", json=unknown, headers=staff)
    assert response.status_code == 422
    assert ["body", "catalyst_id"] in locs(response)


async def test_write_key_for_a_deleted_catalyst_is_refused(client, staff):
    catalyst = await create_catalyst(client, staff)
    assert (await client.delete(f"/v1/catalysts/{catalyst['id']}", headers=staff)).status_code == 204
    payload = {"name": "w", "scope": "write", "catalyst_id": catalyst["id"]}
    response = await client.post("/v1/api-keys", json=payload, headers=staff)
    assert response.status_code == 422
    assert ["body", "catalyst_id"] in locs(response)


@pytest.mark.parametrize("scope", ["read", "staff"])
async def test_only_write_keys_are_bound_to_a_catalyst(client, staff, scope):
    catalyst = await create_catalyst(client, staff)
    before = await collect(client, "/v1/api-keys", staff)
    payload = {"name": "x", "scope": scope, "catalyst_id": catalyst["id"]}
    response = await client.post("/v1/api-keys", json=payload, headers=staff)
    assert response.status_code == 422
    assert ["body", "catalyst_id"] in locs(response)
    assert await collect(client, "/v1/api-keys", staff) == before


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"name": "x", "scope": "admin"}, ["body", "scope"]),
        ({"scope": "read"}, ["body", "name"]),
        ({"name": "", "scope": "read"}, ["body", "name"]),
        ({"name": "x", "scope": "read", "key": "obs_chosen"}, ["body", "key"]),
    ],
)
async def test_invalid_key_requests_are_422(client, staff, payload, loc):
    response = await client.post("/v1/api-keys", json=payload, headers=staff)
    assert response.status_code == 422
    assert loc in locs(response)


async def test_revoked_key_stops_working_immediately(client, staff):
    created = await create_key(client, staff, name="soon revoked", scope="staff")
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert (await client.get("/v1/catalysts", headers=headers)).status_code == 200

    response = await client.delete(f"/v1/api-keys/{created['id']}", headers=staff)
    assert response.status_code == 200
    revoked = response.json()
    assert revoked["revoked_at"] is not None
    assert not SECRET_FIELDS & revoked.keys()

    assert (await client.get("/v1/catalysts", headers=headers)).status_code == 401
    assert (await client.get("/v1/api-keys", headers=headers)).status_code == 401
    fetched = await client.get(f"/v1/api-keys/{created['id']}", headers=staff)
    assert fetched.json()["revoked_at"] == revoked["revoked_at"]

    # Revoking again keeps the first date.
    again = await client.delete(f"/v1/api-keys/{created['id']}", headers=staff)
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked["revoked_at"]


async def test_a_staff_key_may_revoke_itself(client, staff):
    created = await create_key(client, staff, name="self", scope="staff")
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert (await client.delete(f"/v1/api-keys/{created['id']}", headers=headers)).status_code == 200
    assert (await client.get("/v1/api-keys", headers=headers)).status_code == 401


async def test_unknown_key_id_is_404(client, staff):
    unknown = "0190f5a0-0000-7000-8000-000000000000"
    assert (await client.get(f"/v1/api-keys/{unknown}", headers=staff)).status_code == 404
    assert (await client.delete(f"/v1/api-keys/{unknown}", headers=staff)).status_code == 404


async def test_list_paginates(client, staff):
    for n in range(4):
        await create_key(client, staff, name=f"k{n}", scope="read")
    keys = await collect(client, "/v1/api-keys", staff, limit=2)
    # The staff fixture key plus the four new ones.
    assert len(keys) == 5
    assert [k["name"] for k in keys if k["name"].startswith("k")] == ["k0", "k1", "k2", "k3"]
