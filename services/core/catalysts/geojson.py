"""Catalysts as a GeoJSON FeatureCollection (RFC 7946), for the national map.

The map asks for every catalyst with a point (2,000 and more): the route does not build the
models below for each, it lays each catalyst out as a dict shaped like `Feature` and encodes
the collection once with orjson (`encode_features`), into the same bytes the models give
through FastAPI's JSONResponse. The models stay for the OpenAPI document and as the reference
this is tested against (tests/api/test_map.py).
"""

import uuid
from collections.abc import Iterable
from typing import Literal

import orjson
from pydantic import BaseModel

from services.core.catalysts.models import Catalyst


class Point(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: tuple[float, float]  # RFC 7946: longitude first


class CatalystProperties(BaseModel):
    id: uuid.UUID
    name: str
    structure_type: str
    trades: list[str]
    territory_code: str
    website: str | None


class Feature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: Point
    properties: CatalystProperties


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]


def feature_collection(catalysts: list[Catalyst]) -> FeatureCollection:
    return FeatureCollection(
        features=[
            Feature(
                id=str(catalyst.id),
                geometry=Point(coordinates=(catalyst.longitude, catalyst.latitude)),
                properties=CatalystProperties(
                    id=catalyst.id,
                    name=catalyst.name,
                    structure_type=catalyst.structure_type,
                    trades=catalyst.trades,
                    territory_code=catalyst.territory_code,
                    website=catalyst.website,
                ),
            )
            for catalyst in catalysts
            if catalyst.latitude is not None and catalyst.longitude is not None
        ]
    )


def feature(
    catalyst_id,
    name: str,
    structure_type: str,
    trades: list[str],
    territory_code: str,
    website: str | None,
    latitude: float,
    longitude: float,
) -> dict:
    """A catalyst as a dict shaped like `Feature` (same keys, same order), ready for orjson.

    `trades` sorted as Catalyst.trades. The point is written out here: JSONResponse writes a
    float as `repr` does (`1e-05`), orjson not always (`0.00001`)."""
    catalyst_id = str(catalyst_id)
    return {
        "type": "Feature",
        "id": catalyst_id,
        "geometry": orjson.Fragment(f'{{"type":"Point","coordinates":[{longitude!r},{latitude!r}]}}'),
        "properties": {
            "id": catalyst_id,
            "name": name,
            "structure_type": structure_type,
            "trades": trades,
            "territory_code": territory_code,
            "website": website,
        },
    }


def catalyst_feature(catalyst: Catalyst) -> dict:
    # The map lists only catalysts with both coordinates (repository.CATALYST_MAP).
    assert catalyst.latitude is not None and catalyst.longitude is not None
    return feature(
        catalyst.id,
        catalyst.name,
        catalyst.structure_type,
        catalyst.trades,
        catalyst.territory_code,
        catalyst.website,
        catalyst.latitude,
        catalyst.longitude,
    )


def encode_features(features: Iterable[dict]) -> bytes:
    """The FeatureCollection of `features` (see `feature`), as JSONResponse would write
    `feature_collection(...)`: compact, non-ASCII characters as they are."""
    return orjson.dumps({"type": "FeatureCollection", "features": list(features)})
