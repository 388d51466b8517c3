"""The OpenAPI document: stable operation ids and problem+json error responses everywhere."""

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic.json_schema import models_json_schema

from services.api.deps import public_reader
from services.api.problems import HTTP_TITLES, PROBLEM_MEDIA_TYPE, Problem
from services.core.catalysts.geojson import FeatureCollection
from services.core.observations.schemas import BatchObservation
from services.core.schemas_base import publish_text_rules

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


# What IdempotencyMiddleware accepts: 1 to 255 printable characters, read as Latin-1 as HTTP
# header values are, without the spaces HTTP strips from either end of a value.
_PRINTABLE = "\\x21-\\x7e\\xa1-\\xac\\xae-\\xff"
IDEMPOTENCY_KEY_PATTERN = f"^[{_PRINTABLE}](?:[ {_PRINTABLE}]*[{_PRINTABLE}])?$"
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": IDEMPOTENCY_KEY_PATTERN},
    "description": "Any unique string of 1 to 255 printable characters (a UUID). A retry with the same "
    "key and body returns the first response; the same key with another body is refused (422); kept at "
    "least 24 hours, per API key.",
}


# The document is built with public read off (the default), so these operations keep their
# security requirement; their description says what changes when an operator opens them.
PUBLIC_READ_NOTE = (
    "No key is needed when the operator turns public read on (`OBSERVATOIRE_PUBLIC_READ=true`): "
    "a request without an `Authorization` header is then answered, rate-limited per client "
    "address. A key that is sent is still checked: a wrong one gets 401."
)


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


RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before retrying.",
    "schema": {"type": "integer", "minimum": 0},
}


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
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("query", "path"):
                    # check_request_parameters refuses a NUL character in any of them.
                    publish_text_rules(parameter["schema"], stripped=False)
            if method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
    _link_creations(schema["paths"], components)
    _note_public_read(app, schema["paths"])
    app.openapi_schema = schema
    return schema


def _uses(dependant, call) -> bool:
    return any(sub.call is call or _uses(sub, call) for sub in dependant.dependencies)


def _note_public_read(app: FastAPI, paths: dict[str, Any]) -> None:
    opened = {
        context.name
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and _uses(context.dependant, public_reader)
    }
    for path_item in paths.values():
        for operation in path_item.values():
            if operation.get("operationId") in opened:
                description = operation.get("description")
                operation["description"] = (
                    f"{description}\n\n{PUBLIC_READ_NOTE}" if description else PUBLIC_READ_NOTE
                )


def _response_schema(operation: dict[str, Any], status: str) -> dict[str, Any] | None:
    content = operation.get("responses", {}).get(status, {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _path_parameters(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def _item_path(paths: dict[str, Any], collection: str, created: dict[str, Any] | None) -> str | None:
    """Where a created object is served: `<collection>/{id}`, else the path whose GET returns it."""
    for path in paths:
        if path.startswith(collection + "/{") and path.count("/") == collection.count("/") + 1:
            return path
    for path, item in paths.items():
        if created is not None and "get" in item and _response_schema(item["get"], "200") == created:
            return path
    return None


def _link_creations(paths: dict[str, Any], components: dict[str, Any]) -> None:
    """OpenAPI links from each creation (201, 202) to the operations on what it created, so
    that clients, and stateful tests, can follow create -> read -> update -> delete."""
    for collection, item in paths.items():
        create = item.get("post", {})
        status = next((s for s in ("201", "202") if s in create.get("responses", {})), None)
        created = _response_schema(create, status) if status else None
        item_path = _item_path(paths, collection, created) if created else None
        if item_path is None:
            continue
        # The object's key: its `id`, or the field the item path names (`code`, `version`).
        key = _path_parameters(item_path)[-1]
        properties = components[created["$ref"].rsplit("/", 1)[-1]]["properties"]
        field = "id" if "id" in properties else key
        known = {name: f"$request.path.{name}" for name in _path_parameters(collection)}
        known[key] = f"$response.body#/{field}"
        links = {}
        for path, target_item in paths.items():
            if not (path == item_path or path.startswith(item_path + "/")):
                continue
            if not set(_path_parameters(path)) <= known.keys():
                continue
            for method, operation in target_item.items():
                parameters = {name: known[name] for name in _path_parameters(path)}
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": parameters,
                    "description": f"{method.upper()} {path} on what this request created.",
                }
        if links:
            create["responses"][status]["links"] = links


def _document_errors(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    statuses = {"400", "422", "500"}
    if operation.get("security"):
        # 429: past the key's rate limit; 503: the database is not answering.
        statuses |= {"401", "403", "429", "503"}
    for status in sorted(statuses):  # a stable order: the committed document must not churn
        responses.setdefault(status, {"description": HTTP_TITLES[int(status)]})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            response["content"] = _problem_content()
            response["description"] = HTTP_TITLES.get(int(status), response.get("description", "Error"))
    if "429" in responses:
        responses["429"]["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
    if "503" in responses:
        responses["503"]["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
