"""Who may do what: scopes, catalysts and their alliances, and the answer to a bad key."""

from dataclasses import dataclass

import pytest

from tests.api.factories import (
    alliance_payload,
    catalyst_payload,
    create_alliance,
    create_catalyst,
    create_member,
    create_organisation,
    member_payload,
    organisation_payload,
)


@dataclass
class World:
    catalyst_a: dict
    catalyst_b: dict
    key_a: dict
    key_b: dict
    alliance_a: dict
    alliance_b: dict
    member_a: dict
    member_b: dict
    organisation: dict


@pytest.fixture
async def world(client, staff, make_key) -> World:
    catalyst_a = await create_catalyst(client, staff, name="Catalyseur A")
    catalyst_b = await create_catalyst(client, staff, name="Catalyseur B")
    key_a = await make_key("write", catalyst_id=catalyst_a["id"], name="key A")
    key_b = await make_key("write", catalyst_id=catalyst_b["id"], name="key B")
    alliance_a = await create_alliance(client, key_a, [catalyst_a["id"]], name="Alliance A")
    alliance_b = await create_alliance(client, key_b, [catalyst_b["id"]], name="Alliance B")
    organisation = await create_organisation(client, staff)
    member_a = await create_member(client, key_a, alliance_a["id"], organisation["id"])
    member_b = await create_member(client, key_b, alliance_b["id"], organisation["id"])
    return World(
        catalyst_a, catalyst_b, key_a, key_b, alliance_a, alliance_b, member_a, member_b, organisation
    )


async def snapshot(client, staff, alliance_id: str) -> tuple[bytes, bytes]:
    """The stored alliance and its members, byte for byte, as staff sees them."""
    alliance = await client.get(f"/v1/alliances/{alliance_id}", headers=staff)
    members = await client.get(f"/v1/alliances/{alliance_id}/members", headers=staff)
    assert alliance.status_code == 200
    assert members.status_code == 200
    return alliance.content, members.content


async def assert_forbidden(response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 403


# --- A write key and the alliances of another catalyst -------------------------------------------


async def test_key_a_cannot_patch_alliance_b(client, staff, world):
    before = await snapshot(client, staff, world.alliance_b["id"])
    response = await client.patch(
        f"/v1/alliances/{world.alliance_b['id']}",
        json={"name": "Taken over", "catalyst_ids": [world.catalyst_a["id"]]},
        headers=world.key_a,
    )
    await assert_forbidden(response)
    assert await snapshot(client, staff, world.alliance_b["id"]) == before


async def test_key_a_cannot_delete_alliance_b(client, staff, world):
    before = await snapshot(client, staff, world.alliance_b["id"])
    response = await client.delete(f"/v1/alliances/{world.alliance_b['id']}", headers=world.key_a)
    await assert_forbidden(response)
    assert await snapshot(client, staff, world.alliance_b["id"]) == before


async def test_key_a_cannot_add_a_member_to_alliance_b(client, staff, world):
    before = await snapshot(client, staff, world.alliance_b["id"])
    response = await client.post(
        f"/v1/alliances/{world.alliance_b['id']}/members",
        json=member_payload(world.organisation["id"], role="founder"),
        headers=world.key_a,
    )
    await assert_forbidden(response)
    assert await snapshot(client, staff, world.alliance_b["id"]) == before


async def test_key_a_cannot_patch_or_delete_a_member_of_alliance_b(client, staff, world):
    before = await snapshot(client, staff, world.alliance_b["id"])
    path = f"/v1/alliances/{world.alliance_b['id']}/members/{world.member_b['id']}"
    response = await client.patch(path, json={"role": "funder", "left_on": "2024-01-01"}, headers=world.key_a)
    await assert_forbidden(response)
    response = await client.delete(path, headers=world.key_a)
    await assert_forbidden(response)
    assert await snapshot(client, staff, world.alliance_b["id"]) == before


async def test_key_a_cannot_reach_member_b_through_alliance_a(client, staff, world):
    """The member exists, but not in alliance A: the path names the wrong alliance."""
    before = await snapshot(client, staff, world.alliance_b["id"])
    path = f"/v1/alliances/{world.alliance_a['id']}/members/{world.member_b['id']}"
    assert (await client.patch(path, json={"role": "funder"}, headers=world.key_a)).status_code == 404
    assert (await client.delete(path, headers=world.key_a)).status_code == 404
    assert await snapshot(client, staff, world.alliance_b["id"]) == before


async def test_key_a_cannot_create_an_alliance_of_b_only(client, staff, world):
    before = await client.get("/v1/alliances", params={"limit": 500}, headers=staff)
    response = await client.post(
        "/v1/alliances", json=alliance_payload([world.catalyst_b["id"]]), headers=world.key_a
    )
    await assert_forbidden(response)
    after = await client.get("/v1/alliances", params={"limit": 500}, headers=staff)
    assert after.content == before.content
    assert len(after.json()["items"]) == 2


async def test_key_a_cannot_patch_catalyst_b(client, staff, world):
    before = await client.get(f"/v1/catalysts/{world.catalyst_b['id']}", headers=staff)
    response = await client.patch(
        f"/v1/catalysts/{world.catalyst_b['id']}", json={"name": "Renamed by A"}, headers=world.key_a
    )
    await assert_forbidden(response)
    after = await client.get(f"/v1/catalysts/{world.catalyst_b['id']}", headers=staff)
    assert after.content == before.content


async def test_key_a_cannot_hand_alliance_a_over_to_b_only(client, staff, world):
    before = await snapshot(client, staff, world.alliance_a["id"])
    response = await client.patch(
        f"/v1/alliances/{world.alliance_a['id']}",
        json={"catalyst_ids": [world.catalyst_b["id"]], "name": "Handed over"},
        headers=world.key_a,
    )
    await assert_forbidden(response)
    assert await snapshot(client, staff, world.alliance_a["id"]) == before


async def test_a_rejected_write_leaves_nothing_half_done(client, staff, world):
    """A refused request with several changes applies none of them, on either alliance."""
    before_a = await snapshot(client, staff, world.alliance_a["id"])
    before_b = await snapshot(client, staff, world.alliance_b["id"])
    for body in (
        {"domains": ["health"], "sdgs": [3], "catalyst_ids": [world.catalyst_b["id"]]},
        {
            "stage": "spreading",
            "catalyst_ids": [world.catalyst_b["id"], "0190f5a0-0000-7000-8000-000000000000"],
        },
    ):
        response = await client.patch(
            f"/v1/alliances/{world.alliance_a['id']}", json=body, headers=world.key_a
        )
        assert response.status_code in (403, 422)
    assert await snapshot(client, staff, world.alliance_a["id"]) == before_a
    assert await snapshot(client, staff, world.alliance_b["id"]) == before_b


# --- What key A may do ----------------------------------------------------------------------------


async def test_key_a_manages_its_own_alliance(client, staff, world):
    key_a, alliance_path = world.key_a, f"/v1/alliances/{world.alliance_a['id']}"
    response = await client.patch(alliance_path, json={"name": "Renamed", "sdgs": [3, 4]}, headers=key_a)
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["sdgs"]) == ("Renamed", [3, 4])

    organisation = await create_organisation(client, key_a)
    response = await client.post(
        f"{alliance_path}/members", json=member_payload(organisation["id"]), headers=key_a
    )
    assert response.status_code == 201
    new_member = response.json()
    member_path = f"{alliance_path}/members/{world.member_a['id']}"
    response = await client.patch(member_path, json={"role": "funder"}, headers=key_a)
    assert response.status_code == 200
    assert response.json()["role"] == "funder"
    response = await client.delete(f"{alliance_path}/members/{new_member['id']}", headers=key_a)
    assert response.status_code == 200
    assert response.json()["left_on"] is not None

    response = await client.patch(
        f"/v1/catalysts/{world.catalyst_a['id']}", json={"description": "Notre catalyseur"}, headers=key_a
    )
    assert response.status_code == 200

    # Sharing the alliance with B is fine as long as A stays among its catalysts...
    shared = sorted([world.catalyst_a["id"], world.catalyst_b["id"]])
    response = await client.patch(alliance_path, json={"catalyst_ids": shared}, headers=key_a)
    assert response.status_code == 200
    assert response.json()["catalyst_ids"] == shared
    # ...and then B's key may work on it too.
    response = await client.patch(alliance_path, json={"stage": "extension"}, headers=world.key_b)
    assert response.status_code == 200

    response = await client.delete(alliance_path, headers=key_a)
    assert response.status_code == 204
    assert (await client.get(alliance_path, headers=staff)).status_code == 404


async def test_key_a_creates_alliances_it_convenes(client, staff, world):
    alone = await client.post(
        "/v1/alliances", json=alliance_payload([world.catalyst_a["id"]]), headers=world.key_a
    )
    assert alone.status_code == 201
    both = alliance_payload([world.catalyst_a["id"], world.catalyst_b["id"]])
    response = await client.post("/v1/alliances", json=both, headers=world.key_a)
    assert response.status_code == 201
    assert set(response.json()["catalyst_ids"]) == {world.catalyst_a["id"], world.catalyst_b["id"]}


# --- Read keys and staff --------------------------------------------------------------------------


async def test_read_key_gets_403_on_every_write(client, staff, reader, world):
    alliance_path = f"/v1/alliances/{world.alliance_a['id']}"
    member_path = f"{alliance_path}/members/{world.member_a['id']}"
    writes = [
        ("POST", "/v1/catalysts", catalyst_payload()),
        ("PATCH", f"/v1/catalysts/{world.catalyst_a['id']}", {"name": "X"}),
        ("DELETE", f"/v1/catalysts/{world.catalyst_a['id']}", None),
        ("POST", "/v1/organisations", organisation_payload()),
        ("PATCH", f"/v1/organisations/{world.organisation['id']}", {"name": "X"}),
        ("POST", "/v1/alliances", alliance_payload([world.catalyst_a["id"]])),
        ("PATCH", alliance_path, {"name": "X"}),
        ("DELETE", alliance_path, None),
        ("POST", f"{alliance_path}/members", member_payload(world.organisation["id"])),
        ("PATCH", member_path, {"role": "funder"}),
        ("DELETE", member_path, None),
        (
            "POST",
            "/v1/territories",
            {"code": "COM-R", "name": "R", "level": "commune", "parent_code": "FR-94"},
        ),
        ("PATCH", "/v1/territories/FR-94", {"name": "X"}),
        ("POST", "/v1/api-keys", {"name": "k", "scope": "read"}),
    ]
    before = await snapshot(client, staff, world.alliance_a["id"])
    for method, path, body in writes:
        response = await client.request(method, path, json=body, headers=reader)
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert await snapshot(client, staff, world.alliance_a["id"]) == before
    catalyst = await client.get(f"/v1/catalysts/{world.catalyst_a['id']}", headers=staff)
    assert catalyst.json() == world.catalyst_a


async def test_read_key_reads_everything_public(client, reader, world):
    for path in (
        "/v1/catalysts",
        f"/v1/catalysts/{world.catalyst_b['id']}",
        "/v1/organisations",
        f"/v1/alliances/{world.alliance_b['id']}",
        f"/v1/alliances/{world.alliance_b['id']}/members",
        "/v1/map/catalysts",
        "/v1/territories/FR",
        "/v1/vocabularies",
    ):
        response = await client.get(path, headers=reader)
        assert response.status_code == 200, path


async def test_staff_can_do_everything(client, staff, world):
    alliance_path = f"/v1/alliances/{world.alliance_b['id']}"
    response = await client.patch(
        alliance_path, json={"catalyst_ids": [world.catalyst_a["id"]]}, headers=staff
    )
    assert response.status_code == 200
    assert response.json()["catalyst_ids"] == [world.catalyst_a["id"]]
    response = await client.post(
        f"{alliance_path}/members", json=member_payload(world.organisation["id"]), headers=staff
    )
    assert response.status_code == 201
    response = await client.patch(
        f"{alliance_path}/members/{world.member_b['id']}", json={"role": "founder"}, headers=staff
    )
    assert response.status_code == 200
    response = await client.delete(f"{alliance_path}/members/{world.member_b['id']}", headers=staff)
    assert response.status_code == 200
    response = await client.patch(
        f"/v1/catalysts/{world.catalyst_b['id']}", json={"name": "B'"}, headers=staff
    )
    assert response.status_code == 200
    response = await client.post(
        "/v1/alliances", json=alliance_payload([world.catalyst_b["id"]]), headers=staff
    )
    assert response.status_code == 201
    assert (await client.delete(alliance_path, headers=staff)).status_code == 204
    assert (await client.delete(f"/v1/catalysts/{world.catalyst_b['id']}", headers=staff)).status_code == 204


@pytest.mark.parametrize("scope", ["read", "write"])
async def test_api_keys_are_staff_only(client, staff, make_key, world, scope):
    headers = await make_key(scope, catalyst_id=world.catalyst_a["id"] if scope == "write" else None)
    created = await client.post("/v1/api-keys", json={"name": "k", "scope": "read"}, headers=staff)
    assert created.status_code == 201
    key_id = created.json()["id"]
    before = await client.get(f"/v1/api-keys/{key_id}", headers=staff)
    for method, path, body in (
        ("GET", "/v1/api-keys", None),
        ("GET", f"/v1/api-keys/{key_id}", None),
        ("POST", "/v1/api-keys", {"name": "mine", "scope": "staff"}),
        ("DELETE", f"/v1/api-keys/{key_id}", None),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path)
    after = await client.get(f"/v1/api-keys/{key_id}", headers=staff)
    assert after.content == before.content
    assert after.json()["revoked_at"] is None


# --- 401: one answer for every bad credential ---------------------------------------------------


async def test_every_bad_credential_gets_the_same_401(client, staff, make_key):
    revoked_headers = await make_key("staff", name="to revoke")
    listing = await client.get("/v1/api-keys", params={"limit": 500}, headers=staff)
    revoked_id = next(k["id"] for k in listing.json()["items"] if k["name"] == "to revoke")
    assert (await client.get("/v1/catalysts", headers=revoked_headers)).status_code == 200
    assert (await client.delete(f"/v1/api-keys/{revoked_id}", headers=staff)).status_code == 200

    variants = {
        "missing": {},
        "unknown": {"Authorization": "Bearer obs_" + "x" * 43},
        "basic": {"Authorization": "Basic xxx"},
        "bearer without token": {"Authorization": "Bearer"},
        "bearer blank token": {"Authorization": "Bearer "},
        "not a key": {"Authorization": "Bearer notakey"},
        "no scheme": {"Authorization": staff["Authorization"].removeprefix("Bearer ")},
        "revoked": revoked_headers,
    }
    for path in ("/v1/catalysts", "/v1/api-keys"):
        bodies = {}
        for name, headers in variants.items():
            response = await client.get(path, headers=headers)
            assert response.status_code == 401, (name, path)
            assert response.headers["www-authenticate"] == "Bearer", name
            assert response.headers["content-type"] == "application/problem+json"
            bodies[name] = response.content
        assert len(set(bodies.values())) == 1, bodies
        problem = response.json()
        assert problem["status"] == 401
        assert problem["title"] and problem["detail"] and problem["type"]


async def test_401_on_writes_too(client, world):
    response = await client.patch(
        f"/v1/alliances/{world.alliance_a['id']}",
        json={"name": "X"},
        headers={"Authorization": "Bearer obs_unknown"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    response = await client.post("/v1/alliances", json=alliance_payload([world.catalyst_a["id"]]))
    assert response.status_code == 401
