"""The OpenAPI document: stable operation ids and problem+json error responses everywhere."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from services.api.problems import HTTP_TITLES, PROBLEM_MEDIA_TYPE, Problem
from services.core.catalysts.geojson import FeatureCollection
from services.core.observations.schemas import BatchObservation

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Any unique string (a UUID). A retry with the same key and body returns the first "
    "response; the same key with another body is refused (422); kept at least 24 hours, per API key.",
}


def operation_id(route: APIRoute) -> str:
    """The route function's name: snake_case, unique, and stable across refactors of paths."""
    return route.name


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Extra responses of a route; error ones get the problem schema when the document is built."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        if status == 304:
            responses[304] = {"description": "Not modified: your copy (If-None-Match) is current."}
        else:
            responses[status] = {"description": HTTP_TITLES.get(status, "Error")}
    return responses


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    _, problem_schemas = models_json_schema(
        [(Problem, "serialization"), (FeatureCollection, "serialization"), (BatchObservation, "validation")],
        ref_template="#/components/schemas/{model}",
    )
    components.update(problem_schemas["$defs"])
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            _document_errors(operation)
            if method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
    app.openapi_schema = schema
    return schema


def _document_errors(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    statuses = {"400", "422", "500"}
    if operation.get("security"):
        statuses |= {"401", "403"}
    for status in sorted(statuses):  # a stable order: the committed document must not churn
        responses.setdefault(status, {"description": HTTP_TITLES[int(status)]})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            response["content"] = _problem_content()
            response["description"] = HTTP_TITLES.get(int(status), response.get("description", "Error"))
