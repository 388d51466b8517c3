"""API1:2023 Broken Object Level Authorization.

A write key is bound to one catalyst (A). Every write it attempts on what belongs to another
catalyst (B) is refused (403, or 404 where the path names an object under the wrong parent, or
422 where A's object would point at B's), and nothing stored changes, byte for byte (every
row of every table is compared): not B's objects, and not A's when the request mixed both.
Each case also has a control: the same
request from whoever may make it succeeds, so the refusal is about whose object it is, not
about a malformed request.

The positive side (what A may do with its own objects) is in tests/api/test_authorization.py.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.factories import alliance_payload, member_payload
from tests.api.indicator_factories import indicator_payload
from tests.security.support import (
    World,
    assert_problem,
    build_world,
    changed,
    csv_file,
    error_locs,
    stored_rows,
)


@dataclass(frozen=True)
class Write:
    name: str
    method: str
    # Formatted with a=world.a, b=world.b, w=world: "{b.alliance[id]}" is B's alliance id.
    path: str
    body: Callable[[World], Any] | None = None
    csv: bool = False
    refused_with: int = 403
    # Who may make the very same request: "b" (B's own write key), "staff", or None when no
    # one may (the path itself is wrong).
    allowed_for: str | None = "b"
    # For a 422: the field that names B's object.
    field: str | None = None


def _item(side_name: str, period: str, value: float = 5) -> Callable[[World], dict]:
    return lambda w: {
        "indicator_id": getattr(w, side_name).indicator["id"],
        "period": period,
        "value": value,
    }


def _csv_line(side_name: str, period: str) -> Callable[[World], str]:
    return lambda w: f"{getattr(w, side_name).indicator['id']},{period},5,,,"


WRITES = [
    # --- catalysts
    Write("patch_catalyst_b", "PATCH", "/v1/catalysts/{b.catalyst[id]}", lambda w: {"name": "Pris par A"}),
    Write("delete_catalyst_b", "DELETE", "/v1/catalysts/{b.catalyst[id]}", allowed_for="staff"),
    # --- organisations: editable by staff and the catalyst that registered them
    Write(
        "patch_organisation_registered_by_b",
        "PATCH",
        "/v1/organisations/{b.organisation[id]}",
        lambda w: {"name": "Renommée par A", "siren": "130025265"},
    ),
    Write(
        "patch_organisation_registered_by_staff",
        "PATCH",
        "/v1/organisations/{w.staff_organisation[id]}",
        lambda w: {"actor_type": "citizen"},
        allowed_for="staff",
    ),
    # --- alliances
    Write("patch_alliance_b", "PATCH", "/v1/alliances/{b.alliance[id]}", lambda w: {"stage": "spreading"}),
    Write("delete_alliance_b", "DELETE", "/v1/alliances/{b.alliance[id]}"),
    Write(
        "take_over_alliance_b",
        "PATCH",
        "/v1/alliances/{b.alliance[id]}",
        lambda w: {"catalyst_ids": [w.a.catalyst["id"]]},
        allowed_for="staff",
    ),
    Write(
        "create_an_alliance_convened_by_b_only",
        "POST",
        "/v1/alliances",
        lambda w: alliance_payload([w.b.catalyst["id"]]),
    ),
    Write(
        "hand_alliance_a_over_to_b_only",
        "PATCH",
        "/v1/alliances/{a.alliance[id]}",
        lambda w: {"catalyst_ids": [w.b.catalyst["id"]], "name": "Donnée à B"},
        allowed_for="staff",
    ),
    # --- alliance members
    Write(
        "add_a_member_to_alliance_b",
        "POST",
        "/v1/alliances/{b.alliance[id]}/members",
        lambda w: member_payload(w.a.organisation["id"], role="founder"),
    ),
    Write(
        "patch_a_member_of_alliance_b",
        "PATCH",
        "/v1/alliances/{b.alliance[id]}/members/{b.member[id]}",
        lambda w: {"role": "funder", "left_on": "2025-01-01"},
    ),
    Write("remove_a_member_of_alliance_b", "DELETE", "/v1/alliances/{b.alliance[id]}/members/{b.member[id]}"),
    Write(
        "patch_member_b_through_alliance_a",
        "PATCH",
        "/v1/alliances/{a.alliance[id]}/members/{b.member[id]}",
        lambda w: {"role": "funder"},
        refused_with=404,
        allowed_for=None,
    ),
    Write(
        "remove_member_b_through_alliance_a",
        "DELETE",
        "/v1/alliances/{a.alliance[id]}/members/{b.member[id]}",
        refused_with=404,
        allowed_for=None,
    ),
    # --- indicators
    Write(
        "create_an_indicator_in_alliance_b",
        "POST",
        "/v1/alliances/{b.alliance[id]}/indicators",
        lambda w: indicator_payload(),
    ),
    Write(
        "revise_indicator_b",
        "PATCH",
        "/v1/indicators/{b.indicator[id]}",
        lambda w: {"calculation_method": "Réécrite par A", "weight": 9},
    ),
    Write("archive_indicator_b", "DELETE", "/v1/indicators/{b.indicator[id]}"),
    Write(
        "create_an_indicator_of_a_for_a_member_of_b",
        "POST",
        "/v1/alliances/{a.alliance[id]}/indicators",
        lambda w: indicator_payload(member_id=w.b.member["id"]),
        refused_with=422,
        allowed_for=None,
        field="member_id",
    ),
    Write(
        "point_indicator_a_at_a_member_of_b",
        "PATCH",
        "/v1/indicators/{a.indicator[id]}",
        lambda w: {"member_id": w.b.member["id"]},
        refused_with=422,
        allowed_for=None,
        field="member_id",
    ),
    # --- observations: single, batch and CSV import
    Write(
        "record_a_new_value_of_indicator_b",
        "POST",
        "/v1/indicators/{b.indicator[id]}/observations",
        lambda w: {"period": "2025", "value": 7},
    ),
    Write(
        "correct_a_value_of_indicator_b",
        "POST",
        "/v1/indicators/{b.indicator[id]}/observations",
        lambda w: {"period": "2024", "value": 99, "comment": "corrigé par A"},
    ),
    Write(
        "batch_of_values_of_b",
        "POST",
        "/v1/observations/batch",
        lambda w: [_item("b", "2025")(w), _item("b", "2024", 99)(w)],
    ),
    Write(
        "batch_mixing_values_of_a_and_b",
        "POST",
        "/v1/observations/batch",
        lambda w: [_item("a", "2025")(w), _item("b", "2025")(w)],
        allowed_for="staff",
    ),
    Write(
        "dry_run_batch_of_values_of_b",
        "POST",
        "/v1/observations/batch?dry_run=true",
        lambda w: [_item("b", "2025")(w)],
    ),
    Write(
        "import_values_of_b",
        "POST",
        "/v1/observations/import",
        lambda w: csv_file(_csv_line("b", "2025")(w), _csv_line("b", "2024")(w)),
        csv=True,
    ),
    Write(
        "import_mixing_values_of_a_and_b",
        "POST",
        "/v1/observations/import",
        lambda w: csv_file(_csv_line("a", "2025")(w), _csv_line("b", "2025")(w)),
        csv=True,
        allowed_for="staff",
    ),
]


async def _send(client, write: Write, world: World, headers: dict):
    path = write.path.format(a=world.a, b=world.b, w=world)
    if write.body is None:
        return await client.request(write.method, path, headers=headers)
    body = write.body(world)
    if write.csv:
        return await client.request(
            write.method, path, content=body.encode(), headers={**headers, "content-type": "text/csv"}
        )
    return await client.request(write.method, path, json=body, headers=headers)


def test_the_table_covers_every_kind_of_object_and_every_write_method():
    paths = " ".join(write.path for write in WRITES)
    for kind in ("catalysts", "organisations", "alliances", "members", "indicators", "batch", "import"):
        assert f"/{kind}" in paths, kind
    assert {write.method for write in WRITES} == {"POST", "PATCH", "DELETE"}
    assert len({write.name for write in WRITES}) == len(WRITES)


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.name)
async def test_a_write_key_of_catalyst_a_cannot_write_what_belongs_to_catalyst_b(
    app, client, staff, make_key, write
):
    world = await build_world(client, staff, make_key)
    before = await stored_rows(app)

    response = await _send(client, write, world, world.a.key)

    problem = assert_problem(response, write.refused_with)
    if write.field is not None:
        assert ["body", write.field] in error_locs(response), problem
    assert changed(before, await stored_rows(app)) == []

    if write.allowed_for is not None:
        owner = world.b.key if write.allowed_for == "b" else staff
        response = await _send(client, write, world, owner)
        assert 200 <= response.status_code < 300, response.text
        # The comparison above would have seen this write: the rows did change this time.
        assert changed(before, await stored_rows(app)) or "dry_run=true" in write.path


async def test_a_write_key_of_a_deleted_catalyst_writes_nothing(app, client, staff, make_key):
    """Deleting a catalyst revokes its keys: what it convened alone can no longer be touched
    through them (401, the answer to any dead key)."""
    world = await build_world(client, staff, make_key)
    response = await client.delete(f"/v1/catalysts/{world.b.catalyst['id']}", headers=staff)
    assert response.status_code == 204
    before = await stored_rows(app)
    for method, path, body in (
        ("PATCH", f"/v1/alliances/{world.b.alliance['id']}", {"name": "Encore là"}),
        ("POST", f"/v1/indicators/{world.b.indicator['id']}/observations", {"period": "2026", "value": 1}),
        ("PATCH", f"/v1/organisations/{world.b.organisation['id']}", {"name": "Encore là"}),
    ):
        response = await client.request(method, path, json=body, headers=world.b.key)
        assert_problem(response, 401)
    assert changed(before, await stored_rows(app)) == []
