from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from services.api.deps import PublicReaderDep, SearchQuery, SessionDep
from services.api.routes.catalysts import TerritoryFilter
from services.core.catalysts import service
from services.core.vocabularies import StructureType, Trade

router = APIRouter(prefix="/v1/map", tags=["map"])

GEOJSON_MEDIA_TYPE = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON_MEDIA_TYPE


@router.get(
    "/catalysts",
    summary="Map of the catalysts (GeoJSON)",
    response_class=GeoJSONResponse,
    responses={
        200: {
            "description": "A GeoJSON FeatureCollection (RFC 7946) of the catalysts with a point.",
            "content": {GEOJSON_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}},
        }
    },
)
async def map_catalysts(
    session: SessionDep,
    _: PublicReaderDep,
    territory: TerritoryFilter = None,
    structure_type: StructureType | None = None,
    trade: Trade | None = None,
    q: SearchQuery = None,
):
    # Encoded once, as GeoJSONResponse would write feature_collection(...) (tests/api/test_map.py).
    body = await service.map_body(
        session, territory=territory, structure_type=structure_type, trade=trade, q=q
    )
    return Response(content=body, media_type=GEOJSON_MEDIA_TYPE)
