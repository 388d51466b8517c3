"""API5:2023 Broken Function Level Authorization.

The operations and the scope each needs are read from the app's routes (their dependencies),
not listed by hand: a staff-only route added tomorrow is checked by these tests the day it
lands. Every staff-only operation refuses `read` and `write` keys, every write refuses `read`
keys, and the refused requests write nothing.
"""

import re

import pytest

from tests.security.support import (
    PROBLEM,
    PUBLIC_WEBHOOK_URL,
    World,
    build_world,
    changed,
    fill_path,
    operations,
    publish_and_preview,
    send,
    stored_rows,
)

# Operations API.md lists as staff-only ("staff (everything, incl. jobs, keys, webhooks,
# methodologies)", and the "(staff)" marks of its resource table).
STAFF_ONLY_BY_CONTRACT = {
    "create_territory",
    "update_territory",
    "create_catalyst",
    "delete_catalyst",
    "create_methodology",
    "create_aggregation_job",
    "cancel_aggregation_job",
    "create_webhook",
    "list_webhooks",
    "get_webhook",
    "update_webhook",
    "delete_webhook",
    "list_webhook_deliveries",
    "create_api_key",
    "list_api_keys",
    "get_api_key",
    "revoke_api_key",
    "create_preview",
    "get_preview",
    "list_preview_scores",
    "compare_preview",
    "cancel_preview",
}


def test_the_derived_lists_of_operations_are_not_trivial(app):
    found = operations(app)
    staff_only = {operation.name for operation in found if operation.scope == "staff"}
    assert staff_only >= STAFF_ONLY_BY_CONTRACT
    assert len([operation for operation in found if operation.is_write]) >= 25
    assert len([operation for operation in found if operation.scope == "read"]) >= 25


def test_every_write_operation_needs_a_write_or_a_staff_key(app):
    too_open = [str(op) for op in operations(app) if op.is_write and op.scope not in ("write", "staff")]
    assert too_open == []


def test_the_summaries_mark_exactly_the_staff_only_operations(app):
    """Generated clients show the summary: "(staff)" or "(staff; ...)" must mean staff-only,
    and "(staff, or ...)" an operation that other keys may use too."""
    mismatches = [
        (str(op), op.summary)
        for op in operations(app)
        if op.in_schema and (re.search(r"\(staff[;)]", op.summary) is not None) != (op.scope == "staff")
    ]
    assert mismatches == []


@pytest.fixture
async def everything(app, client, staff, make_key) -> tuple[World, dict[str, str]]:
    """Two catalysts' data, a webhook, a third-party key, a snapshot and a preview of it: an
    object behind every path."""
    world = await build_world(client, staff, make_key)
    _, preview = await publish_and_preview(app, client, staff)
    webhook = await client.post(
        "/v1/webhooks", json={"url": PUBLIC_WEBHOOK_URL, "events": ["snapshot.published"]}, headers=staff
    )
    api_key = await client.post("/v1/api-keys", json={"name": "tierce", "scope": "read"}, headers=staff)
    assert webhook.status_code == api_key.status_code == 201
    values = world.path_values() | {
        "webhook_id": webhook.json()["id"],
        "api_key_id": api_key.json()["id"],
        "snapshot_id": "latest",
        "other_id": "latest",
        "preview_id": preview["id"],
    }
    return world, values


async def _refusals(client, world, values, headers, chosen) -> dict[str, tuple]:
    """What each operation answered, for those that did not answer 403 problem+json."""
    answers = {}
    for operation in chosen:
        response = await send(client, operation, world, headers, values)
        answers[str(operation)] = (response.status_code, response.headers.get("content-type"))
    return {name: answer for name, answer in answers.items() if answer != (403, PROBLEM)}


@pytest.mark.parametrize("scope", ["read", "write"])
async def test_read_and_write_keys_get_403_on_every_staff_only_operation(
    app, client, staff, make_key, everything, scope
):
    world, values = everything
    # The write key is catalyst A's, and the paths name A's own objects: even there, a
    # staff-only operation stays staff-only.
    headers = world.a.key if scope == "write" else await make_key("read")
    staff_only = [op for op in operations(app) if op.scope == "staff"]
    before = await stored_rows(app)

    assert await _refusals(client, world, values, headers, staff_only) == {}
    assert changed(before, await stored_rows(app)) == []
    # The paths name real objects: staff read them, so the 403s were not 404s in disguise.
    for operation in staff_only:
        if not operation.is_write:
            response = await client.get(fill_path(operation.path, values), headers=staff)
            assert response.status_code == 200, (str(operation), response.text)


async def test_a_read_key_gets_403_on_every_write_operation(app, client, make_key, everything):
    world, values = everything
    reader = await make_key("read")
    writes = [op for op in operations(app) if op.is_write]
    before = await stored_rows(app)

    assert await _refusals(client, world, values, reader, writes) == {}
    assert changed(before, await stored_rows(app)) == []
