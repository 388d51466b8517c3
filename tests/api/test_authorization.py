"""What each key may do with the alliances of its own catalyst, and what staff may do.

The refusals (another catalyst's objects, wrong scopes, staff-only operations, bad keys) are
tested systematically, operation by operation, in tests/security/.
"""

from dataclasses import dataclass

import pytest

from tests.api.factories import (
    alliance_payload,
    create_alliance,
    create_catalyst,
    create_member,
    create_organisation,
    member_payload,
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
