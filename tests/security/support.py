"""What the security tests share: the operations of the app as its routes declare them, two
catalysts' worth of data, valid bodies for every operation, and every stored row, to prove
that a refused request wrote nothing."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from services.api import deps
from services.core.db import metadata, session_scope
from tests.api.factories import (
    alliance_payload,
    catalyst_payload,
    create_alliance,
    create_catalyst,
    create_member,
    create_organisation,
    member_payload,
    organisation_payload,
)
from tests.api.indicator_factories import create_indicator, indicator_payload, record

PROBLEM = "application/problem+json"
# A literal public address: creating a subscription needs no DNS lookup.
PUBLIC_WEBHOOK_URL = "https://93.184.216.34/hooks/observatoire"
CSV_HEADER = "indicator_id,period,value,status,source,comment"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.request.method, response.request.url, response.text)
    assert response.headers["content-type"] == PROBLEM, response.headers["content-type"]
    body = response.json()
    assert body["status"] == status
    return body


def error_locs(response) -> list[list]:
    return [error["loc"] for error in response.json().get("errors") or []]


# --- The operations, as the routes declare them ---------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    name: str
    # The least a caller needs, read from the route's dependencies: "public", "read", "write"
    # or "staff". Derived, not listed, so that a new route is covered the day it is added.
    scope: str
    # Answered without a key when the operator turns public read on (OBSERVATOIRE_PUBLIC_READ).
    opened_by_public_read: bool
    has_json_body: bool
    in_schema: bool
    summary: str
    response_model: type | None
    body_model: type | None
    query_parameters: frozenset[str]

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD")

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.name})"


def _dependency_calls(dependant) -> set:
    calls = set()
    for sub_dependant in dependant.dependencies:
        calls.add(sub_dependant.call)
        calls |= _dependency_calls(sub_dependant)
    return calls


def _query_parameters(dependant) -> set[str]:
    names = {parameter.alias for parameter in dependant.query_params}
    for sub_dependant in dependant.dependencies:
        names |= _query_parameters(sub_dependant)
    return names


def _scope(dependant) -> str:
    calls = _dependency_calls(dependant)
    if deps.staff_principal in calls:
        return "staff"
    if deps.writer_principal in calls:
        return "write"
    # Public read is off in these tests: the routes it would open need a read key like the rest.
    if deps.current_principal in calls or deps.public_reader in calls:
        return "read"
    return "public"


def operations(app) -> list[Operation]:
    """Every method and path of every API route of the app, included routers and all."""
    found = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        body_field = context.body_field
        for method in sorted(context.methods - {"HEAD"}):
            found.append(
                Operation(
                    method=method,
                    # Without Starlette's convertors: "{id}", not "{id:uuid}", as in the document.
                    path=context.path_format,
                    name=context.name,
                    scope=_scope(context.dependant),
                    opened_by_public_read=deps.public_reader in _dependency_calls(context.dependant),
                    has_json_body=body_field is not None,
                    in_schema=context.include_in_schema,
                    summary=context.summary or "",
                    response_model=context.response_model,
                    body_model=body_field.field_info.annotation if body_field is not None else None,
                    query_parameters=frozenset(_query_parameters(context.dependant)),
                )
            )
    assert found, "no API route found: has the way FastAPI nests included routers changed?"
    return found


def fill_path(path: str, values: dict[str, str]) -> str:
    """The path with its parameters replaced; an `*_id` without a value gets an unknown id."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        assert name.endswith("_id"), f"no value for the path parameter {name!r}: add one to the test"
        return str(uuid.uuid4())

    return re.sub(r"\{(\w+)\}", value, path)


# --- Two catalysts, A and B, with one of everything a write key can touch -----------------------


@dataclass
class Side:
    catalyst: dict
    key: dict
    alliance: dict
    organisation: dict
    member: dict
    indicator: dict
    observation: dict


@dataclass
class World:
    a: Side
    b: Side
    staff_organisation: dict

    def path_values(self) -> dict[str, str]:
        """Values for the path parameters: A's objects, reference data for the rest."""
        return {
            "code": "FR-94",
            "version": "1",
            "catalyst_id": self.a.catalyst["id"],
            "organisation_id": self.a.organisation["id"],
            "alliance_id": self.a.alliance["id"],
            "member_id": self.a.member["id"],
            "indicator_id": self.a.indicator["id"],
            "observation_id": self.a.observation["id"],
            "subject_type": "alliance",
            "subject_id": self.a.alliance["id"],
        }


async def build_world(client, staff, make_key) -> World:
    sides = []
    for label in "AB":
        catalyst = await create_catalyst(client, staff, name=f"Catalyseur {label}")
        key = await make_key("write", catalyst_id=catalyst["id"], name=f"key {label}")
        alliance = await create_alliance(client, key, [catalyst["id"]], name=f"Alliance {label}")
        organisation = await create_organisation(client, key, name=f"Organisation {label}")
        member = await create_member(client, key, alliance["id"], organisation["id"])
        indicator = await create_indicator(client, key, alliance["id"])
        observation = await record(client, key, indicator, period="2024", value=10, comment=label)
        sides.append(Side(catalyst, key, alliance, organisation, member, indicator, observation))
    staff_organisation = await create_organisation(client, staff, name="Organisation du staff")
    return World(sides[0], sides[1], staff_organisation)


async def stored_rows(app) -> dict[str, list[str]]:
    """Every row of every table, as text: what a refused request must leave exactly as it was.

    Read from the database rather than through the API, so that it also covers what no
    response shows (revisions, memberships, outbox messages, idempotency records...).
    """
    rows = {}
    async with session_scope(app.state.session_factory) as session:
        for table in metadata.sorted_tables:
            result = await session.execute(select(table))
            rows[table.name] = sorted(repr(tuple(row)) for row in result)
    return rows


def changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """The tables whose rows differ."""
    return [name for name in before if before[name] != after[name]]


async def publish_and_preview(app, client, staff) -> tuple[dict, dict]:
    """A published snapshot and a computed preview of it: the job, then the preview."""
    job = await client.post("/v1/aggregation-jobs", json={"as_of": "2024-12-31"}, headers=staff)
    assert job.status_code == 202, job.text
    await app.state.jobs.drain()
    job = (await client.get(job.headers["location"], headers=staff)).json()
    assert job["status"] == "succeeded", job
    preview = await client.post(
        f"/v1/snapshots/{job['snapshot_id']}/previews", json={"config": {"mc_draws": 20}}, headers=staff
    )
    assert preview.status_code == 202, preview.text
    await app.state.jobs.drain()
    preview = (await client.get(preview.headers["location"], headers=staff)).json()
    assert preview["status"] == "succeeded", preview
    return job, preview


def csv_file(*rows: str) -> str:
    return "\n".join([CSV_HEADER, *rows]) + "\n"


# --- A valid body for every operation that takes one ----------------------------------------------

# Keyed by operation name. Each would succeed for staff: a refusal is then about who asks, and
# a body that slipped through would show in the stored rows.
VALID_BODIES: dict[str, Callable[[World], dict]] = {
    "create_territory": lambda w: {
        "code": "COM-SEC-1",
        "name": "Commune",
        "level": "commune",
        "parent_code": "FR-94",
    },
    "update_territory": lambda w: {"name": "Val-de-Marne (renommé)"},
    "create_catalyst": lambda w: catalyst_payload(),
    "update_catalyst": lambda w: {"name": "Catalyseur renommé"},
    "create_organisation": lambda w: organisation_payload(),
    "update_organisation": lambda w: {"name": "Organisation renommée"},
    "create_alliance": lambda w: alliance_payload([w.a.catalyst["id"]]),
    "update_alliance": lambda w: {"name": "Alliance renommée"},
    "add_member": lambda w: member_payload(w.b.organisation["id"]),
    "update_member": lambda w: {"role": "funder"},
    "create_indicator": lambda w: indicator_payload(),
    "update_indicator": lambda w: {"name": "Indicateur renommé"},
    "record_observation": lambda w: {"period": "2030", "value": 1},
    "create_methodology": lambda w: {"description": "Version 2", "config": {"mc_draws": 50}},
    "create_aggregation_job": lambda w: {"as_of": "2024-12-31"},
    "create_preview": lambda w: {"config": {"coverage_threshold": 0.9}},
    "create_webhook": lambda w: {"url": PUBLIC_WEBHOOK_URL, "events": ["aggregation_job.failed"]},
    "update_webhook": lambda w: {"active": False},
    "create_api_key": lambda w: {"name": "Nouvelle clé", "scope": "staff"},
}
# Bulk operations read their body by hand (no body model): one valid body each.
BULK_BODIES: dict[str, Callable[[World], tuple[str, bytes]]] = {
    "record_observation_batch": lambda w: (
        "application/json",
        f'[{{"indicator_id": "{w.a.indicator["id"]}", "period": "2031", "value": 1}}]'.encode(),
    ),
    "import_observations": lambda w: ("text/csv", csv_file(f"{w.a.indicator['id']},2032,1,,,").encode()),
}


async def send(client, operation: Operation, world: World, headers: dict, path_values: dict[str, str]):
    """The operation with a valid body (when it takes one), as the caller `headers`."""
    path = fill_path(operation.path, path_values)
    if operation.name in BULK_BODIES:
        content_type, content = BULK_BODIES[operation.name](world)
        return await client.request(
            operation.method, path, content=content, headers={**headers, "content-type": content_type}
        )
    if operation.has_json_body:
        assert operation.name in VALID_BODIES, f"add a valid body for {operation} to VALID_BODIES"
        return await client.request(
            operation.method, path, json=VALID_BODIES[operation.name](world), headers=headers
        )
    return await client.request(operation.method, path, headers=headers)
