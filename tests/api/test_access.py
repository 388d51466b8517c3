"""GET /v1/access: what the caller may do, asked once instead of probed by refusals."""

from tests.api.factories import create_catalyst


async def test_without_a_key_it_says_whether_results_are_open(client, open_client):
    closed = await client.get("/v1/access")
    assert closed.status_code == 200
    assert closed.json() == {
        "authenticated": False,
        "scope": None,
        "catalyst_id": None,
        "key_id": None,
        "public_read": False,
    }
    opened = await open_client.get("/v1/access")
    assert opened.json() == {
        "authenticated": False,
        "scope": "read",
        "catalyst_id": None,
        "key_id": None,
        "public_read": True,
    }


async def test_with_a_key_it_says_the_key_scope_and_catalyst(client, open_client, staff, make_key):
    catalyst = await create_catalyst(client, staff)
    writer = await make_key("write", catalyst_id=catalyst["id"], name="writer")
    keys = (await client.get("/v1/api-keys", headers=staff)).json()["items"]
    writer_id = next(key["id"] for key in keys if key["name"] == "writer")
    for http in (client, open_client):
        answer = (await http.get("/v1/access", headers=writer)).json()
        assert answer["authenticated"] is True
        assert answer["scope"] == "write"
        assert answer["catalyst_id"] == catalyst["id"]
        assert answer["key_id"] == writer_id
    assert (await client.get("/v1/access", headers=staff)).json()["scope"] == "staff"


async def test_a_key_that_is_not_valid_gets_the_usual_401(client, open_client, staff):
    unknown = {"Authorization": "Bearer obs_" + "u" * 43}
    elsewhere = await client.get("/v1/organisations", headers=unknown)
    for http in (client, open_client):
        refused = await http.get("/v1/access", headers=unknown)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        # The answer of any other route (but for its `instance`): it tells nothing about which
        # keys exist.
        assert {**refused.json(), "instance": None} == {**elsewhere.json(), "instance": None}
    revoked_id = (await client.get("/v1/api-keys", headers=staff)).json()["items"][0]["id"]
    assert (await client.delete(f"/v1/api-keys/{revoked_id}", headers=staff)).status_code in (200, 204)
    assert (await client.get("/v1/access", headers=staff)).status_code == 401
