import pytest

from tests.api.factories import (
    collect,
    create,
    create_catalyst,
    create_organisation,
    fetch,
    ids,
    locs,
    organisation_payload,
)

VALID_SIREN = "130025265"
INVALID_SIREN = "130025266"


async def test_create_get_and_list(client, staff, reader):
    payload = {
        "name": "Lycée Jean Moulin",
        "actor_type": "public",
        "territory_code": "FR-94",
        "siren": VALID_SIREN,
    }
    response = await client.post("/v1/organisations", json=payload, headers=staff)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/organisations/{body['id']}"
    for field, value in payload.items():
        assert body[field] == value
    assert "created_by_catalyst_id" not in body
    assert await fetch(client, f"/v1/organisations/{body['id']}", reader) == body
    assert await collect(client, "/v1/organisations", reader) == [body]


async def test_optional_fields_default_to_null(client, staff):
    body = await create(client, "/v1/organisations", {"name": "Collectif", "actor_type": "citizen"}, staff)
    assert body["territory_code"] is None
    assert body["siren"] is None


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"siren": INVALID_SIREN}, ["body", "siren"]),
        ({"siren": "12345678"}, ["body", "siren"]),
        ({"siren": "1300252650"}, ["body", "siren"]),
        ({"siren": "13002526A"}, ["body", "siren"]),
        ({"actor_type": "funder"}, ["body", "actor_type"]),
        ({"name": ""}, ["body", "name"]),
        ({"territory_code": "XX-NOPE"}, ["body", "territory_code"]),
        (
            {"created_by_catalyst_id": "0190f5a0-0000-7000-8000-000000000000"},
            ["body", "created_by_catalyst_id"],
        ),
    ],
)
async def test_invalid_creation_names_the_field(client, staff, overrides, loc):
    response = await client.post("/v1/organisations", json=organisation_payload(**overrides), headers=staff)
    assert response.status_code == 422, response.text
    assert loc in locs(response)
    assert await collect(client, "/v1/organisations", staff) == []


async def test_filters(client, staff, reader):
    lycee = await create_organisation(
        client,
        staff,
        name="Lycée Jean Moulin",
        actor_type="public",
        territory_code="FR-75C",
        siren=VALID_SIREN,
    )
    club = await create_organisation(
        client, staff, name="Club des entreprises du Val", actor_type="company", territory_code="FR-94"
    )
    asso = await create_organisation(
        client, staff, name="Les amis du lycée", actor_type="association", territory_code="FR-29"
    )
    assert ids(await collect(client, "/v1/organisations", reader, actor_type="company")) == {club["id"]}
    assert ids(await collect(client, "/v1/organisations", reader, territory="FR-IDF")) == {
        lycee["id"],
        club["id"],
    }
    assert ids(await collect(client, "/v1/organisations", reader, territory="FR-29")) == {asso["id"]}
    assert ids(await collect(client, "/v1/organisations", reader, siren=VALID_SIREN)) == {lycee["id"]}
    assert ids(await collect(client, "/v1/organisations", reader, q="LYCÉE")) == {lycee["id"], asso["id"]}
    assert ids(await collect(client, "/v1/organisations", reader, q="lycée", actor_type="public")) == {
        lycee["id"]
    }
    response = await client.get("/v1/organisations", params={"siren": "123"}, headers=reader)
    assert response.status_code == 422
    assert ["query", "siren"] in locs(response)


async def test_patch_is_partial_and_validated(client, staff):
    created = await create_organisation(client, staff, territory_code="FR-94", siren=VALID_SIREN)
    response = await client.patch(
        f"/v1/organisations/{created['id']}", json={"actor_type": "association"}, headers=staff
    )
    assert response.status_code == 200
    body = response.json()
    assert body["actor_type"] == "association"
    assert (body["name"], body["territory_code"], body["siren"]) == (created["name"], "FR-94", VALID_SIREN)

    response = await client.patch(
        f"/v1/organisations/{created['id']}", json={"siren": INVALID_SIREN}, headers=staff
    )
    assert response.status_code == 422
    assert ["body", "siren"] in locs(response)
    for field in ("name", "actor_type"):
        response = await client.patch(f"/v1/organisations/{created['id']}", json={field: None}, headers=staff)
        assert response.status_code == 422
        assert ["body", field] in locs(response)
    assert await fetch(client, f"/v1/organisations/{created['id']}", staff) == body

    response = await client.patch(
        f"/v1/organisations/{created['id']}", json={"siren": None, "territory_code": None}, headers=staff
    )
    assert response.status_code == 200
    assert (response.json()["siren"], response.json()["territory_code"]) == (None, None)


async def test_write_key_creates_and_edits_only_its_own(client, staff, make_key):
    a = await create_catalyst(client, staff)
    b = await create_catalyst(client, staff)
    key_a = await make_key("write", catalyst_id=a["id"])
    key_b = await make_key("write", catalyst_id=b["id"])
    of_a = await create_organisation(client, key_a, name="Registered by A")
    of_b = await create_organisation(client, key_b, name="Registered by B")
    of_staff = await create_organisation(client, staff, name="Registered by staff")

    response = await client.patch(
        f"/v1/organisations/{of_a['id']}", json={"name": "Renamed by A"}, headers=key_a
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed by A"

    for target in (of_b, of_staff):
        response = await client.patch(
            f"/v1/organisations/{target['id']}",
            json={"name": "Hijacked", "siren": VALID_SIREN},
            headers=key_a,
        )
        assert response.status_code == 403
        assert await fetch(client, f"/v1/organisations/{target['id']}", staff) == target


async def test_staff_may_patch_any_organisation(client, staff, make_key):
    a = await create_catalyst(client, staff)
    key_a = await make_key("write", catalyst_id=a["id"])
    of_a = await create_organisation(client, key_a)
    response = await client.patch(
        f"/v1/organisations/{of_a['id']}", json={"name": "Corrected"}, headers=staff
    )
    assert response.status_code == 200
    assert (await fetch(client, f"/v1/organisations/{of_a['id']}", staff))["name"] == "Corrected"
    # Staff editing it does not take it away from the catalyst that registered it.
    response = await client.patch(f"/v1/organisations/{of_a['id']}", json={"name": "Again"}, headers=key_a)
    assert response.status_code == 200


async def test_read_key_cannot_write(client, staff, reader):
    created = await create_organisation(client, staff)
    response = await client.post("/v1/organisations", json=organisation_payload(), headers=reader)
    assert response.status_code == 403
    response = await client.patch(f"/v1/organisations/{created['id']}", json={"name": "X"}, headers=reader)
    assert response.status_code == 403
    assert await collect(client, "/v1/organisations", staff) == [created]


async def test_unknown_organisation_is_404(client, reader):
    response = await client.get("/v1/organisations/0190f5a0-0000-7000-8000-000000000000", headers=reader)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
