from datetime import date

import pytest

from services.core.clock import today
from tests.api.factories import (
    collect,
    create_alliance,
    create_catalyst,
    create_member,
    create_organisation,
    ids,
    locs,
)

UNKNOWN_ID = "0190f5a0-0000-7000-8000-000000000000"


@pytest.fixture
async def alliance(client, staff):
    catalyst = await create_catalyst(client, staff)
    return await create_alliance(client, staff, [catalyst["id"]])


def members_path(alliance: dict) -> str:
    return f"/v1/alliances/{alliance['id']}/members"


async def test_add_member_with_every_field(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    payload = {
        "organisation_id": organisation["id"],
        "role": "trusted_third_party",
        "joined_on": "2023-03-01",
        "left_on": "2024-02-29",
        "objectives": "Réunir écoles et cliniques.",
    }
    response = await client.post(members_path(alliance), json=payload, headers=staff)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{members_path(alliance)}/{body['id']}"
    for field, value in payload.items():
        assert body[field] == value, field
    assert body["alliance_id"] == alliance["id"]
    assert await collect(client, members_path(alliance), staff) == [body]


async def test_role_defaults_to_member(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    response = await client.post(
        members_path(alliance), json={"organisation_id": organisation["id"]}, headers=staff
    )
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "member"
    assert (body["joined_on"], body["left_on"]) == (None, None)


async def test_active_on_counts_joined_before_and_left_after(client, staff, alliance):
    orgs = [await create_organisation(client, staff) for _ in range(5)]
    early = await create_member(client, staff, alliance["id"], orgs[0]["id"], joined_on="2023-01-01")
    left = await create_member(
        client, staff, alliance["id"], orgs[1]["id"], joined_on="2023-01-01", left_on="2024-06-01"
    )
    late = await create_member(client, staff, alliance["id"], orgs[2]["id"], joined_on="2024-06-01")
    undated = await create_member(client, staff, alliance["id"], orgs[3]["id"], joined_on=None)
    short = await create_member(
        client, staff, alliance["id"], orgs[4]["id"], joined_on="2023-05-01", left_on="2023-06-01"
    )

    async def active(day: str) -> set[str]:
        return ids(await collect(client, members_path(alliance), staff, active_on=day))

    assert await active("2022-12-31") == {undated["id"]}
    assert await active("2023-01-01") == {early["id"], left["id"], undated["id"]}
    assert await active("2023-05-15") == {early["id"], left["id"], undated["id"], short["id"]}
    # left_on is exclusive: the day a member leaves, it is no longer active.
    assert await active("2023-06-01") == {early["id"], left["id"], undated["id"]}
    assert await active("2024-05-31") == {early["id"], left["id"], undated["id"]}
    assert await active("2024-06-01") == {early["id"], late["id"], undated["id"]}
    every = {early["id"], left["id"], late["id"], undated["id"], short["id"]}
    assert ids(await collect(client, members_path(alliance), staff)) == every
    response = await client.get(members_path(alliance), params={"active_on": "june"}, headers=staff)
    assert response.status_code == 422
    assert ["query", "active_on"] in locs(response)


async def test_delete_closes_the_membership_and_keeps_the_history(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    member = await create_member(client, staff, alliance["id"], organisation["id"], joined_on="2020-01-01")
    response = await client.delete(f"{members_path(alliance)}/{member['id']}", headers=staff)
    assert response.status_code == 200, response.text
    left = response.json()
    assert left["left_on"] == today().isoformat()
    assert {k: v for k, v in left.items() if k not in ("left_on", "updated_at")} == {
        k: v for k, v in member.items() if k not in ("left_on", "updated_at")
    }
    assert await collect(client, members_path(alliance), staff) == [left]
    assert await collect(client, members_path(alliance), staff, active_on=today().isoformat()) == []
    assert ids(await collect(client, members_path(alliance), staff, active_on="2021-01-01")) == {member["id"]}

    # Leaving twice is harmless: the first date stays.
    again = await client.delete(f"{members_path(alliance)}/{member['id']}", headers=staff)
    assert again.status_code == 200
    assert again.json() == left
    assert await collect(client, members_path(alliance), staff) == [left]


async def test_delete_keeps_an_earlier_left_on(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    member = await create_member(
        client, staff, alliance["id"], organisation["id"], joined_on="2020-01-01", left_on="2021-01-01"
    )
    response = await client.delete(f"{members_path(alliance)}/{member['id']}", headers=staff)
    assert response.status_code == 200
    assert response.json()["left_on"] == "2021-01-01"


async def test_patch_role_dates_and_objectives(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    member = await create_member(client, staff, alliance["id"], organisation["id"], objectives="Avant")
    path = f"{members_path(alliance)}/{member['id']}"
    response = await client.patch(path, json={"role": "funder", "joined_on": "2022-05-01"}, headers=staff)
    assert response.status_code == 200
    body = response.json()
    assert (body["role"], body["joined_on"], body["objectives"]) == ("funder", "2022-05-01", "Avant")
    response = await client.patch(path, json={"left_on": "2023-05-01", "objectives": None}, headers=staff)
    assert response.status_code == 200
    body = response.json()
    assert (body["left_on"], body["objectives"], body["role"]) == ("2023-05-01", None, "funder")
    assert await collect(client, members_path(alliance), staff) == [body]
    # Reopening a closed membership.
    response = await client.patch(path, json={"left_on": None}, headers=staff)
    assert response.status_code == 200
    assert response.json()["left_on"] is None


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"left_on": "2022-12-31"}, ["body", "left_on"]),
        ({"joined_on": "2030-01-01", "left_on": "2029-01-01"}, ["body", "left_on"]),
        ({"role": None}, ["body", "role"]),
        ({"role": "sponsor"}, ["body", "role"]),
        ({"organisation_id": UNKNOWN_ID}, ["body", "organisation_id"]),
    ],
)
async def test_invalid_patch_changes_nothing(client, staff, alliance, change, loc):
    organisation = await create_organisation(client, staff)
    member = await create_member(client, staff, alliance["id"], organisation["id"], joined_on="2023-01-01")
    response = await client.patch(f"{members_path(alliance)}/{member['id']}", json=change, headers=staff)
    assert response.status_code == 422, response.text
    assert loc in locs(response)
    assert await collect(client, members_path(alliance), staff) == [member]


async def test_joined_on_moved_after_left_on_is_refused(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    member = await create_member(
        client, staff, alliance["id"], organisation["id"], joined_on="2023-01-01", left_on="2023-06-01"
    )
    path = f"{members_path(alliance)}/{member['id']}"
    response = await client.patch(path, json={"joined_on": "2023-07-01"}, headers=staff)
    assert response.status_code == 422
    assert await collect(client, members_path(alliance), staff) == [member]


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"joined_on": "2024-01-01", "left_on": "2023-12-31"}, ["body", "left_on"]),
        ({"organisation_id": UNKNOWN_ID}, ["body", "organisation_id"]),
        ({"organisation_id": "not-a-uuid"}, ["body", "organisation_id"]),
        ({"role": "sponsor"}, ["body", "role"]),
    ],
)
async def test_invalid_member_is_422(client, staff, alliance, overrides, loc):
    organisation = await create_organisation(client, staff)
    payload = {"organisation_id": organisation["id"], **overrides}
    response = await client.post(members_path(alliance), json=payload, headers=staff)
    assert response.status_code == 422, response.text
    assert loc in locs(response)
    assert await collect(client, members_path(alliance), staff) == []


async def test_member_of_another_alliance_is_404_through_the_wrong_path(client, staff, alliance):
    catalyst = await create_catalyst(client, staff)
    other = await create_alliance(client, staff, [catalyst["id"]])
    organisation = await create_organisation(client, staff)
    member = await create_member(client, staff, other["id"], organisation["id"])
    wrong = f"{members_path(alliance)}/{member['id']}"
    assert (await client.patch(wrong, json={"role": "funder"}, headers=staff)).status_code == 404
    assert (await client.delete(wrong, headers=staff)).status_code == 404
    assert await collect(client, members_path(other), staff) == [member]
    assert await collect(client, members_path(alliance), staff) == []


async def test_unknown_alliance_or_member_is_404(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    unknown_alliance = f"/v1/alliances/{UNKNOWN_ID}/members"
    assert (await client.get(unknown_alliance, headers=staff)).status_code == 404
    response = await client.post(
        unknown_alliance, json={"organisation_id": organisation["id"]}, headers=staff
    )
    assert response.status_code == 404
    path = f"{members_path(alliance)}/{UNKNOWN_ID}"
    assert (await client.patch(path, json={"role": "funder"}, headers=staff)).status_code == 404
    assert (await client.delete(path, headers=staff)).status_code == 404


async def test_same_organisation_may_rejoin(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    first = await create_member(
        client, staff, alliance["id"], organisation["id"], joined_on="2020-01-01", left_on="2021-01-01"
    )
    second = await create_member(client, staff, alliance["id"], organisation["id"], joined_on="2022-01-01")
    assert ids(await collect(client, members_path(alliance), staff)) == {first["id"], second["id"]}
    assert ids(await collect(client, members_path(alliance), staff, active_on="2022-06-01")) == {second["id"]}


async def test_members_paginate(client, staff, alliance):
    organisation = await create_organisation(client, staff)
    created = [await create_member(client, staff, alliance["id"], organisation["id"]) for _ in range(5)]
    walked = await collect(client, members_path(alliance), staff, limit=2)
    assert [m["id"] for m in walked] == [m["id"] for m in created]
    assert date.fromisoformat(walked[0]["joined_on"]) == date(2023, 1, 1)
