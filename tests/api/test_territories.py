from tests.api.factories import collect, create_catalyst, create_territory, fetch, ids, locs

OVERSEAS_REGIONS = {"FR-971", "FR-972", "FR-973", "FR-974", "FR-976"}


async def test_france_has_18_regions_13_mainland_and_5_overseas(client, reader):
    regions = await collect(client, "/v1/territories", reader, level="region")
    assert len(regions) == 18
    assert {r["level"] for r in regions} == {"region"}
    assert {r["parent_code"] for r in regions} == {"FR"}
    overseas = {r["code"] for r in regions if r["overseas"]}
    assert overseas == OVERSEAS_REGIONS
    assert len([r for r in regions if not r["overseas"]]) == 13


async def test_96_mainland_departments_each_under_a_region(client, reader):
    regions = await collect(client, "/v1/territories", reader, level="region")
    region_codes = {r["code"] for r in regions}
    departments = await collect(client, "/v1/territories", reader, limit=7, level="department")
    assert len(departments) == 96
    assert all(not d["overseas"] for d in departments)
    assert {d["parent_code"] for d in departments} <= region_codes - OVERSEAS_REGIONS

    # Walking the tree region by region finds the same 96 departments.
    walked = []
    for region in sorted(region_codes):
        children = await collect(client, "/v1/territories", reader, limit=4, parent=region)
        assert {c["parent_code"] for c in children} <= {region}
        if region in OVERSEAS_REGIONS:
            assert children == []
        else:
            assert children, f"{region} has no department"
        walked.extend(children)
    assert sorted(c["code"] for c in walked) == sorted(d["code"] for d in departments)


async def test_known_departments_and_their_regions(client, reader):
    corse_du_sud = await fetch(client, "/v1/territories/FR-2A", reader)
    assert corse_du_sud["parent_code"] == "FR-20R"
    assert corse_du_sud["level"] == "department"
    bas_rhin = await fetch(client, "/v1/territories/FR-67", reader)
    assert bas_rhin["parent_code"] == "FR-GES"
    france = await fetch(client, "/v1/territories/FR", reader)
    assert france["level"] == "country"
    assert france["parent_code"] is None
    assert france["overseas"] is False
    guadeloupe = await fetch(client, "/v1/territories/FR-971", reader)
    assert guadeloupe["overseas"] is True
    assert guadeloupe["level"] == "region"


async def test_unknown_code_is_404(client, reader):
    response = await client.get("/v1/territories/FR-999", headers=reader)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_staff_adds_local_territories(client, staff):
    epci = await create_territory(
        client, staff, "EPCI-200054781", "epci", "FR-94", territory_type="metropolis"
    )
    assert epci["level"] == "epci"
    assert epci["parent_code"] == "FR-94"
    assert epci["territory_type"] == "metropolis"
    assert epci["overseas"] is False
    commune = await create_territory(client, staff, "COM-94028", "commune", epci["code"], name="Créteil")
    district = await create_territory(
        client, staff, "QP094001", "district", commune["code"], territory_type="priority_district"
    )
    assert district["parent_code"] == "COM-94028"
    fetched = await fetch(client, "/v1/territories/QP094001", staff)
    assert fetched == district
    assert (await fetch(client, "/v1/territories/COM-94028", staff))["name"] == "Créteil"


async def test_location_header_names_the_new_territory(client, staff):
    payload = {"code": "COM-29019", "name": "Brest", "level": "commune", "parent_code": "FR-29"}
    response = await client.post("/v1/territories", json=payload, headers=staff)
    assert response.status_code == 201
    assert response.headers["location"] == "/v1/territories/COM-29019"


async def test_overseas_flag_is_inherited_from_the_parent(client, staff):
    commune = await create_territory(client, staff, "COM-97101", "commune", "FR-971")
    assert commune["overseas"] is True
    explicit = await create_territory(client, staff, "COM-97102", "commune", "FR-971", overseas=False)
    assert explicit["overseas"] is False


async def test_foreign_country_and_province(client, staff):
    morocco = await create_territory(client, staff, "MA", "country", None, name="Maroc")
    assert morocco["parent_code"] is None
    assert morocco["overseas"] is False
    rhamna = await create_territory(client, staff, "MA-REH", "other", "MA", name="Rehamna")
    assert rhamna["level"] == "other"
    assert rhamna["parent_code"] == "MA"
    children = await collect(client, "/v1/territories", staff, parent="MA")
    assert [c["code"] for c in children] == ["MA-REH"]
    catalyst = await create_catalyst(client, staff, territory_code="MA-REH", latitude=32.2, longitude=-7.9)
    found = await collect(client, "/v1/catalysts", staff, territory="MA")
    assert ids(found) == {catalyst["id"]}


async def test_duplicate_code_is_409(client, staff):
    await create_territory(client, staff, "COM-75056", "commune", "FR-75C")
    again = {"code": "COM-75056", "name": "Autre", "level": "commune", "parent_code": "FR-75C"}
    response = await client.post("/v1/territories", json=again, headers=staff)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    reference = {"code": "FR-94", "name": "Doublon", "level": "department", "parent_code": "FR-IDF"}
    response = await client.post("/v1/territories", json=reference, headers=staff)
    assert response.status_code == 409
    assert (await fetch(client, "/v1/territories/FR-94", staff))["name"] != "Doublon"


async def test_unknown_parent_is_422_naming_parent_code(client, staff):
    payload = {"code": "COM-X", "name": "X", "level": "commune", "parent_code": "FR-NOPE"}
    response = await client.post("/v1/territories", json=payload, headers=staff)
    assert response.status_code == 422
    assert ["body", "parent_code"] in locs(response)
    assert (await client.get("/v1/territories/COM-X", headers=staff)).status_code == 404


async def test_only_a_country_may_have_no_parent(client, staff):
    payload = {"code": "ORPHAN", "name": "Orphelin", "level": "commune"}
    response = await client.post("/v1/territories", json=payload, headers=staff)
    assert response.status_code == 422
    assert ["body", "parent_code"] in locs(response)
    assert (await client.get("/v1/territories/ORPHAN", headers=staff)).status_code == 404


async def test_invalid_code_and_level_are_422(client, staff):
    bad_code = {"code": "has space", "name": "X", "level": "commune", "parent_code": "FR-94"}
    response = await client.post("/v1/territories", json=bad_code, headers=staff)
    assert response.status_code == 422
    assert ["body", "code"] in locs(response)
    bad_level = {"code": "COM-Y", "name": "Y", "level": "city", "parent_code": "FR-94"}
    response = await client.post("/v1/territories", json=bad_level, headers=staff)
    assert response.status_code == 422
    assert ["body", "level"] in locs(response)


async def test_patch_renames_and_types(client, staff):
    await create_territory(client, staff, "COM-A", "commune", "FR-94")
    response = await client.patch(
        "/v1/territories/COM-A", json={"name": "Vitry", "territory_type": "medium_town"}, headers=staff
    )
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Vitry"
    assert body["territory_type"] == "medium_town"
    assert body["parent_code"] == "FR-94"
    assert await fetch(client, "/v1/territories/COM-A", staff) == body


async def test_patch_cannot_empty_the_name(client, staff):
    await create_territory(client, staff, "COM-B", "commune", "FR-94")
    response = await client.patch("/v1/territories/COM-B", json={"name": None}, headers=staff)
    assert response.status_code == 422
    assert ["body", "name"] in locs(response)
    assert (await fetch(client, "/v1/territories/COM-B", staff))["name"] == "Territoire COM-B"


async def test_moving_a_territory_moves_its_subtree(client, staff):
    epci = await create_territory(client, staff, "EPCI-M", "epci", "FR-94")
    await create_territory(client, staff, "COM-M", "commune", epci["code"])
    await create_territory(client, staff, "QP-M", "district", "COM-M")
    deep = await create_catalyst(client, staff, territory_code="QP-M")
    assert ids(await collect(client, "/v1/catalysts", staff, territory="FR-94")) == {deep["id"]}

    response = await client.patch("/v1/territories/EPCI-M", json={"parent_code": "FR-29"}, headers=staff)
    assert response.status_code == 200
    assert response.json()["parent_code"] == "FR-29"

    # The district, two levels down, follows: it is now in Brittany and no longer in Île-de-France.
    assert ids(await collect(client, "/v1/catalysts", staff, territory="FR-BRE")) == {deep["id"]}
    assert ids(await collect(client, "/v1/catalysts", staff, territory="FR-29")) == {deep["id"]}
    assert ids(await collect(client, "/v1/catalysts", staff, territory="EPCI-M")) == {deep["id"]}
    assert await collect(client, "/v1/catalysts", staff, territory="FR-94") == []
    assert await collect(client, "/v1/catalysts", staff, territory="FR-IDF") == []
    # Parents of the children are unchanged.
    assert (await fetch(client, "/v1/territories/COM-M", staff))["parent_code"] == "EPCI-M"
    assert (await fetch(client, "/v1/territories/QP-M", staff))["parent_code"] == "COM-M"


async def test_moving_under_itself_or_a_descendant_is_refused(client, staff):
    await create_territory(client, staff, "EPCI-C", "epci", "FR-94")
    await create_territory(client, staff, "COM-C", "commune", "EPCI-C")
    for parent in ("COM-C", "EPCI-C"):
        response = await client.patch("/v1/territories/EPCI-C", json={"parent_code": parent}, headers=staff)
        assert response.status_code == 422, parent
        assert ["body", "parent_code"] in locs(response)
    # A reference region under one of its own departments.
    response = await client.patch("/v1/territories/FR-IDF", json={"parent_code": "FR-94"}, headers=staff)
    assert response.status_code == 422
    assert (await fetch(client, "/v1/territories/FR-IDF", staff))["parent_code"] == "FR"
    assert (await fetch(client, "/v1/territories/EPCI-C", staff))["parent_code"] == "FR-94"
    catalyst = await create_catalyst(client, staff, territory_code="COM-C")
    assert ids(await collect(client, "/v1/catalysts", staff, territory="FR-IDF")) == {catalyst["id"]}


async def test_moving_to_an_unknown_parent_or_to_none_is_refused(client, staff):
    await create_territory(client, staff, "COM-D", "commune", "FR-94")
    for parent in ("FR-NOPE", None):
        response = await client.patch("/v1/territories/COM-D", json={"parent_code": parent}, headers=staff)
        assert response.status_code == 422
        assert ["body", "parent_code"] in locs(response)
    assert (await fetch(client, "/v1/territories/COM-D", staff))["parent_code"] == "FR-94"


async def test_filters_level_parent_and_q(client, staff):
    await create_territory(client, staff, "COM-Q1", "commune", "FR-94", name="Ivry-sur-Seine")
    await create_territory(client, staff, "COM-Q2", "commune", "FR-94", name="Vitry-sur-Seine")
    await create_territory(client, staff, "EPCI-Q3", "epci", "FR-94", name="Grand-Orly Seine Bièvre")

    communes = await collect(client, "/v1/territories", staff, level="commune")
    assert {t["code"] for t in communes} == {"COM-Q1", "COM-Q2"}
    under_94 = await collect(client, "/v1/territories", staff, parent="FR-94")
    assert {t["code"] for t in under_94} == {"COM-Q1", "COM-Q2", "EPCI-Q3"}
    both = await collect(client, "/v1/territories", staff, parent="FR-94", level="epci")
    assert [t["code"] for t in both] == ["EPCI-Q3"]

    sur_seine = await collect(client, "/v1/territories", staff, q="SUR-SEINE")
    assert {t["code"] for t in sur_seine} == {"COM-Q1", "COM-Q2"}
    brittany = await collect(client, "/v1/territories", staff, q="bretagne")
    assert [t["code"] for t in brittany] == ["FR-BRE"]
    by_code = await collect(client, "/v1/territories", staff, q="fr-2a")
    assert [t["code"] for t in by_code] == ["FR-2A"]
    # Case-insensitive beyond ASCII: French names start with accented capitals.
    ile_de_france = await collect(client, "/v1/territories", staff, q="île-de-france", level="region")
    assert [t["code"] for t in ile_de_france] == ["FR-IDF"]
    # LIKE wildcards in the text are literal.
    assert await collect(client, "/v1/territories", staff, q="%") == []
    assert await collect(client, "/v1/territories", staff, parent="FR-NOPE") == []


async def test_unknown_level_filter_is_422(client, reader):
    response = await client.get("/v1/territories", params={"level": "city"}, headers=reader)
    assert response.status_code == 422
    assert ["query", "level"] in locs(response)


async def test_read_and_write_keys_cannot_change_territories(client, staff, reader, make_key):
    catalyst = await create_catalyst(client, staff)
    writer = await make_key("write", catalyst_id=catalyst["id"])
    payload = {"code": "COM-W", "name": "W", "level": "commune", "parent_code": "FR-94"}
    for headers in (reader, writer):
        response = await client.post("/v1/territories", json=payload, headers=headers)
        assert response.status_code == 403
        response = await client.patch("/v1/territories/FR-94", json={"name": "Changé"}, headers=headers)
        assert response.status_code == 403
    assert (await client.get("/v1/territories/COM-W", headers=staff)).status_code == 404
    assert (await fetch(client, "/v1/territories/FR-94", staff))["name"] == "Val-de-Marne"


async def test_reading_needs_a_key(client):
    assert (await client.get("/v1/territories")).status_code == 401
    assert (await client.get("/v1/territories/FR")).status_code == 401
