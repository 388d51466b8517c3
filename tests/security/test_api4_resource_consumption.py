"""API4:2023 Unrestricted Resource Consumption.

Every input has a bound the server enforces before it spends memory or database work on it:
the size of a body, the number of values in a batch or a CSV file, the size of a page, the
length of every text and list a client may send. The bounds are read from the app (its routes
and its OpenAPI document), so that a new field or route without one fails here.

Rate limiting (429) is tested with its middleware, not here.
"""

import itertools
import re
import uuid
from datetime import date, timedelta

from services.api.bodies import MAX_BULK_BODY_BYTES, MAX_JSON_BODY_BYTES
from services.core.observations.ingest import MAX_BATCH_ITEMS
from tests.api.indicator_factories import indicator_in_new_alliance
from tests.security.support import (
    VALID_BODIES,
    assert_problem,
    build_world,
    changed,
    csv_file,
    error_locs,
    fill_path,
    operations,
    stored_rows,
)

# Values that let every path be filled without creating anything: the bounds are checked
# before any object is looked up.
PATH_VALUES = {
    "code": "FR",
    "version": "1",
    "snapshot_id": "latest",
    "other_id": "latest",
    "subject_type": "alliance",
}


def _json_of_size(size: int) -> bytes:
    """A JSON object of exactly `size` bytes."""
    envelope = b'{"name": ""}'
    return b'{"name": "' + b"x" * (size - len(envelope)) + b'"}'


async def _chunks(content: bytes, chunk_size: int = 256 * 1024):
    for start in range(0, len(content), chunk_size):
        yield content[start : start + chunk_size]


async def test_every_json_body_over_the_limit_is_refused_with_413(app, client, staff):
    """FastAPI reads a body whole before any dependency runs: without a limit, anyone could make
    the server buffer and parse gigabytes. Checked with a declared length and a streamed body."""
    with_body = [op for op in operations(app) if op.has_json_body]
    assert len(with_body) >= 15
    too_large = _json_of_size(MAX_JSON_BODY_BYTES + 1)
    headers = {**staff, "content-type": "application/json"}
    before = await stored_rows(app)
    for operation in with_body:
        path = fill_path(operation.path, PATH_VALUES)
        for content in (too_large, _chunks(too_large)):
            response = await client.request(operation.method, path, content=content, headers=headers)
            problem = assert_problem(response, 413)
            assert problem["type"] == "/problems/content-too-large", str(operation)
    assert changed(before, await stored_rows(app)) == []
    # At the limit, the body is read and judged on its content (the name is too long).
    response = await client.post("/v1/catalysts", content=_json_of_size(MAX_JSON_BODY_BYTES), headers=headers)
    assert_problem(response, 422)


async def test_a_batch_body_over_16_mib_is_refused_with_413(app, client, staff):
    # The CSV import's 16 MiB limit is tested in tests/api/test_observations.py.
    too_large = b"[" + b" " * MAX_BULK_BODY_BYTES + b"]"
    headers = {**staff, "content-type": "application/json"}
    for content in (too_large, _chunks(too_large, 1024 * 1024)):
        response = await client.post("/v1/observations/batch", content=content, headers=headers)
        assert assert_problem(response, 413)["type"] == "/problems/content-too-large"


async def test_a_csv_import_over_the_batch_limit_is_refused_with_413_and_writes_nothing(app, client, staff):
    """A JSON batch holds at most 10,000 values; a CSV file is the same all-or-nothing
    transaction and must not be a way around that bound."""
    _, _, indicator = await indicator_in_new_alliance(client, staff)
    days = (date(1990, 1, 1) + timedelta(days=n) for n in range(MAX_BATCH_ITEMS + 1))
    text = csv_file(*(f"{indicator['id']},{day.isoformat()},1,,," for day in days))
    before = await stored_rows(app)
    for dry_run in ("true", "false"):
        response = await client.post(
            "/v1/observations/import",
            params={"dry_run": dry_run},
            content=text.encode(),
            headers={**staff, "content-type": "text/csv"},
        )
        problem = assert_problem(response, 413)
        assert problem["type"] == "/problems/batch-too-large"
        assert str(MAX_BATCH_ITEMS) in problem["detail"]
    assert changed(before, await stored_rows(app)) == []
    # One line fewer is a file of the largest size allowed.
    at_limit = text.rsplit("\n", 2)[0] + "\n"
    response = await client.post(
        "/v1/observations/import",
        params={"dry_run": "true"},
        content=at_limit.encode(),
        headers={**staff, "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == MAX_BATCH_ITEMS


async def test_every_list_refuses_a_page_larger_than_500(app, client, staff):
    lists = [op for op in operations(app) if "limit" in op.query_parameters]
    assert len(lists) >= 15
    document = app.openapi()
    for operation in lists:
        parameters = document["paths"][operation.path][operation.method.lower()]["parameters"]
        [limit] = [parameter for parameter in parameters if parameter["name"] == "limit"]
        assert limit["schema"]["maximum"] == 500, str(operation)
        response = await client.get(
            fill_path(operation.path, PATH_VALUES), params={"limit": 501}, headers=staff
        )
        assert_problem(response, 422)
        assert error_locs(response) == [["query", "limit"]], str(operation)


# --- Lengths of texts and lists -------------------------------------------------------------------


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _is_bounded_pattern(pattern: str) -> bool:
    """An anchored pattern whose every repetition has an upper bound, e.g. ^[A-Z]{2}-\\d{1,3}$."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return False
    outside_classes = re.sub(r"\[(?:\\.|[^\]])*\]", "", pattern.replace("\\\\", ""))
    outside_classes = re.sub(r"\\.", "", outside_classes)
    return not re.search(r"[*+]|\{\d*,\}", outside_classes)


def _unbounded(schema: dict, components: dict, where: str, declared: frozenset = frozenset()) -> list[str]:
    """Every string without a bound and every array without maxItems under `schema`.

    `declared` names the properties an enclosing object schema already defines: a branch of
    its anyOf only narrows them further (JSON Schema applies both), so they are not re-checked.
    """
    schema = _resolve(schema, components)
    found = []
    own = frozenset(schema.get("properties", {}))
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            found += _unbounded(branch, components, where, own or declared)
    kind = schema.get("type")
    bounded = (
        {"enum", "const", "maxLength"} & set(schema)
        or schema.get("format") in ("uuid", "date", "date-time")
        or _is_bounded_pattern(schema.get("pattern", ""))
    )
    if kind == "string" and not bounded:
        found.append(where)
    if kind == "array":
        if "maxItems" not in schema:
            found.append(where)
        found += _unbounded(schema.get("items", {}), components, f"{where}[]")
    for name, property_schema in schema.get("properties", {}).items():
        if name not in declared:
            found += _unbounded(property_schema, components, f"{where}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        found.append(f"{where} (open object)")
    return found


def test_every_text_and_list_a_client_sends_is_bounded_in_the_contract(app):
    document = app.openapi()
    components = document["components"]["schemas"]
    unbounded, checked = [], 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                unbounded += _unbounded(parameter["schema"], components, f"{where} {parameter['name']}")
                checked += 1
            for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                if media_type == "text/csv":
                    continue  # bounded in bytes (16 MiB) and in values (10,000): tested above
                unbounded += _unbounded(content["schema"], components, f"{where} body")
                checked += 1
    assert checked >= 100
    assert unbounded == []


def _too_long(schema: dict, components: dict):
    """A value one step beyond the schema's maxLength or maxItems, else None."""
    schema = _resolve(schema, components)
    for branch in schema.get("anyOf", []):
        branch = _resolve(branch, components)
        if branch.get("type") in ("string", "array"):
            schema = branch
    if schema.get("type") == "string" and "maxLength" in schema:
        length = schema["maxLength"] + 1
        if schema.get("format") == "uri":
            return "https://example.org/" + "a" * length
        return "1" * length
    if schema.get("type") == "array" and "maxItems" in schema:
        items = _resolve(schema.get("items", {}), components)
        if "enum" in items:
            pool = itertools.cycle(items["enum"])
        elif items.get("format") == "uuid":
            pool = (str(uuid.uuid4()) for _ in itertools.count())
        elif items.get("type") == "integer":
            pool = itertools.repeat(items.get("minimum", 1))
        else:
            pool = itertools.repeat("x")
        return list(itertools.islice(pool, schema["maxItems"] + 1))
    return None


async def test_the_documented_bounds_are_the_enforced_ones(app, client, staff, make_key):
    """Every text and list field of every request body, one step over its documented bound,
    is refused with a 422 naming it."""
    world = await build_world(client, staff, make_key)
    webhook = await client.post(
        "/v1/webhooks",
        json={"url": "https://93.184.216.34/hook", "events": ["snapshot.published"]},
        headers=staff,
    )
    values = world.path_values() | {"webhook_id": webhook.json()["id"]}
    document = app.openapi()
    components = document["components"]["schemas"]
    before = await stored_rows(app)
    not_refused, checked = [], 0
    for operation in [op for op in operations(app) if op.has_json_body]:
        body_schema = document["paths"][operation.path][operation.method.lower()]["requestBody"]
        properties = _resolve(body_schema["content"]["application/json"]["schema"], components)["properties"]
        for field, schema in properties.items():
            value = _too_long(schema, components)
            if value is None:
                continue
            body = VALID_BODIES[operation.name](world) | {field: value}
            response = await client.request(
                operation.method, fill_path(operation.path, values), json=body, headers=staff
            )
            checked += 1
            named = any(loc[:2] == ["body", field] for loc in error_locs(response))
            if response.status_code != 422 or not named:
                not_refused.append((str(operation), field, response.status_code))
    assert not_refused == []
    assert checked >= 40
    assert changed(before, await stored_rows(app)) == []
