import pytest

from services.api.routes.map import GeoJSONResponse
from services.core.catalysts import service
from services.core.catalysts.geojson import feature_collection
from services.core.db import session_scope
from services.core.demo.seed import seed_demo
from services.core.vocabularies import Trade
from tests.api.factories import create_catalyst

MAP_FILTERS = [
    {},
    {"territory": "FR-IDF"},
    {"territory": "FR"},
    {"territory": "FR-COM-94028"},
    {"territory": "FR-971"},
    {"structure_type": "association"},
    {"structure_type": "company", "territory": "FR-BRE"},
    {"trade": "shared_space"},
    {"trade": "territorial_dialogue", "structure_type": "association"},
    {"q": "ATELIERS"},
    {"q": "é"},
    {"q": "100%_\\"},
    {"q": "guillemets"},
    {"territory": "FR-HDF", "trade": "collective_experimentation", "q": "a"},
]


async def get_map(client, headers, **params):
    response = await client.get("/v1/map/catalysts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == "application/geo+json"
    return response.json()


def assert_feature_collection(collection: dict) -> None:
    assert collection["type"] == "FeatureCollection"
    assert isinstance(collection["features"], list)
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180
        assert -90 <= lat <= 90
        assert isinstance(feature["properties"], dict)


async def test_map_is_a_geojson_feature_collection_lon_first(client, staff, reader):
    # A point far from the diagonal, so that swapped coordinates cannot pass.
    brest = await create_catalyst(client, staff, territory_code="FR-29", latitude=48.39, longitude=-4.49)
    collection = await get_map(client, reader)
    assert_feature_collection(collection)
    assert len(collection["features"]) == 1
    feature = collection["features"][0]
    assert feature["id"] == brest["id"]
    assert feature["geometry"]["coordinates"] == [-4.49, 48.39]
    properties = feature["properties"]
    assert properties["id"] == brest["id"]
    assert properties["name"] == brest["name"]
    assert properties["territory_code"] == "FR-29"
    assert properties["structure_type"] == brest["structure_type"]
    assert properties["trades"] == brest["trades"]


async def test_catalysts_without_a_point_are_absent(client, staff, reader):
    mapped = await create_catalyst(client, staff)
    unmapped = await create_catalyst(client, staff, latitude=None, longitude=None)
    assert unmapped["latitude"] is None
    features = (await get_map(client, reader))["features"]
    assert [f["id"] for f in features] == [mapped["id"]]

    # Clearing the point takes a catalyst off the map; setting one puts it on.
    cleared = await client.patch(
        f"/v1/catalysts/{mapped['id']}", json={"latitude": None, "longitude": None}, headers=staff
    )
    assert cleared.status_code == 200
    placed = await client.patch(
        f"/v1/catalysts/{unmapped['id']}", json={"latitude": 45.76, "longitude": 4.84}, headers=staff
    )
    assert placed.status_code == 200
    features = (await get_map(client, reader))["features"]
    assert [f["id"] for f in features] == [unmapped["id"]]
    assert features[0]["geometry"]["coordinates"] == [4.84, 45.76]


async def test_deleted_catalysts_are_absent(client, staff, reader):
    gone = await create_catalyst(client, staff)
    assert (await client.delete(f"/v1/catalysts/{gone['id']}", headers=staff)).status_code == 204
    assert (await get_map(client, reader))["features"] == []


async def test_filters_apply(client, staff, reader):
    creteil = await create_catalyst(
        client,
        staff,
        name="Maison Créteil",
        territory_code="FR-94",
        structure_type="association",
        trades=["shared_space"],
    )
    paris = await create_catalyst(
        client,
        staff,
        name="Lab Paris",
        territory_code="FR-75C",
        structure_type="company",
        trades=["actor_support"],
        latitude=48.86,
        longitude=2.35,
    )
    brest = await create_catalyst(
        client,
        staff,
        name="Maison Brest",
        territory_code="FR-29",
        structure_type="company",
        trades=["shared_space"],
        latitude=48.39,
        longitude=-4.49,
    )

    async def feature_ids(**params):
        collection = await get_map(client, reader, **params)
        assert_feature_collection(collection)
        return {feature["id"] for feature in collection["features"]}

    assert await feature_ids() == {creteil["id"], paris["id"], brest["id"]}
    assert await feature_ids(territory="FR-IDF") == {creteil["id"], paris["id"]}
    assert await feature_ids(structure_type="company") == {paris["id"], brest["id"]}
    assert await feature_ids(trade="shared_space") == {creteil["id"], brest["id"]}
    assert await feature_ids(q="MAISON") == {creteil["id"], brest["id"]}
    assert await feature_ids(q="maison", territory="FR-BRE") == {brest["id"]}
    assert await feature_ids(territory="FR-971") == set()


async def test_map_refuses_unknown_parameters_and_needs_a_key(client, reader):
    response = await client.get("/v1/map/catalysts", params={"bbox": "0,0,1,1"}, headers=reader)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "bbox" in response.json()["detail"]
    assert (await client.get("/v1/map/catalysts")).status_code == 401


@pytest.fixture
async def mapped(app, client, staff):
    await seed_demo(app.state.settings)
    # Text that JSON must escape, every trade, no website, coordinates that floats write in
    # more than one way (repr gives 1e-05, some encoders 0.00001), a catalyst without a point.
    await create_catalyst(
        client,
        staff,
        name='Guillemets " et \\ barre, tab\t, ligne\u2028, €, 𝄞 100%_\\',
        trades=[trade.value for trade in reversed(Trade)],
        website=None,
        latitude=1e-05,
        longitude=-1.5e-07,
    )
    await create_catalyst(client, staff, name="Guillemets sans point", latitude=None, longitude=None)
    await create_catalyst(client, staff, name="Pôle à l'équateur", latitude=0.0, longitude=180.0)
    await create_catalyst(client, staff, name="Pôle au sud", latitude=-90.0, longitude=-179.99999999999997)


async def test_map_bytes_are_those_of_the_models(app, client, reader, mapped):
    """The map is encoded from rows (straight from the driver on PostgreSQL), not through the
    FeatureCollection models: for every filter, the bytes are those the models would give."""
    async with session_scope(app.state.session_factory) as session:
        for filters in MAP_FILTERS:
            catalysts = await service.list_mapped_catalysts(session, **filters)
            expected = GeoJSONResponse(feature_collection(catalysts).model_dump(mode="json")).body
            assert await service.map_body(session, **filters) == expected, filters
            response = await client.get("/v1/map/catalysts", params=filters, headers=reader)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "application/geo+json"
            assert response.content == expected, filters
            if not filters:
                assert len(catalysts) > 5
