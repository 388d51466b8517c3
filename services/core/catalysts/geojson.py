"""Catalysts as a GeoJSON FeatureCollection (RFC 7946), for the national map."""

import uuid
from typing import Literal

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
