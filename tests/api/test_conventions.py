"""Conventions shared by every endpoint: errors, query hygiene, pagination, ETags, probes, docs."""

import base64
import json
import re

import httpx
import pytest

from services.api.main import create_app
from services.core.config import Settings
from tests.api.factories import (
    catalyst_payload,
    collect,
    create_alliance,
    create_catalyst,
    create_member,
    create_organisation,
    locs,
)
from tests.api.indicator_factories import indicator_in_new_alliance

PROBLEM = "application/problem+json"
UNKNOWN_ID = "0190f5a0-0000-7000-8000-000000000000"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    for field in ("type", "title", "status", "detail"):
        assert field in problem, field
    assert problem["status"] == status
    assert isinstance(problem["type"], str) and problem["type"]
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and problem["detail"]
    assert "Traceback" not in response.text
    return problem


# --- Unknown query parameters ---------------------------------------------------------------------


async def test_unknown_query_parameters_are_400_naming_them(client, staff):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    cases = [
        ("GET", "/v1/catalysts", {"territry": "FR-94"}),
        ("GET", f"/v1/catalysts/{catalyst['id']}", {"expand": "alliances"}),
        ("GET", "/v1/territories", {"parent_code": "FR"}),
        ("GET", "/v1/organisations", {"type": "public"}),
        ("GET", "/v1/alliances", {"catalyst_id": catalyst["id"]}),
        ("GET", f"/v1/alliances/{alliance['id']}/members", {"active": "2024-01-01"}),
        ("GET", "/v1/map/catalysts", {"bbox": "1,2,3,4"}),
        ("GET", "/v1/vocabularies", {"lang": "fr"}),
        ("GET", "/v1/api-keys", {"scope": "read"}),
        ("PATCH", f"/v1/catalysts/{catalyst['id']}", {"force": "true"}),
    ]
    for method, path, params in cases:
        json_body = {"name": "X"} if method == "PATCH" else None
        response = await client.request(method, path, params=params, json=json_body, headers=staff)
        problem = assert_problem(response, 400)
        (name,) = params
        assert name in problem["detail"], path
        assert ["query", name] in locs(response)
    # Nothing was written by the refused PATCH.
    fetched = await client.get(f"/v1/catalysts/{catalyst['id']}", headers=staff)
    assert fetched.json()["name"] == catalyst["name"]


async def test_several_unknown_parameters_are_all_named(client, staff):
    response = await client.get("/v1/catalysts", params={"foo": "1", "bar": "2", "q": "x"}, headers=staff)
    assert_problem(response, 400)
    assert sorted(locs(response)) == [["query", "bar"], ["query", "foo"]]


# --- Problem details everywhere -------------------------------------------------------------------


async def test_every_error_is_a_problem(client, staff, reader, make_key):
    catalyst = await create_catalyst(client, staff)
    other = await create_catalyst(client, staff)
    writer = await make_key("write", catalyst_id=catalyst["id"])
    etag = (await client.get(f"/v1/catalysts/{catalyst['id']}", headers=staff)).headers["etag"]
    await client.patch(f"/v1/catalysts/{catalyst['id']}", json={"name": "Changed"}, headers=staff)
    territory = {"code": "FR-94", "name": "Again", "level": "department", "parent_code": "FR-IDF"}
    cases = [
        (400, client.get("/v1/catalysts", params={"nope": "1"}, headers=staff)),
        (401, client.get("/v1/catalysts")),
        (403, client.post("/v1/catalysts", json=catalyst_payload(), headers=reader)),
        (403, client.patch(f"/v1/catalysts/{other['id']}", json={"name": "X"}, headers=writer)),
        (404, client.get(f"/v1/catalysts/{UNKNOWN_ID}", headers=staff)),
        (404, client.get("/v1/no-such-thing", headers=staff)),
        (404, client.get("/nowhere")),
        (405, client.delete(f"/v1/organisations/{UNKNOWN_ID}", headers=staff)),
        (409, client.post("/v1/territories", json=territory, headers=staff)),
        (
            412,
            client.patch(
                f"/v1/catalysts/{catalyst['id']}", json={"name": "Y"}, headers={**staff, "If-Match": etag}
            ),
        ),
        (422, client.post("/v1/catalysts", json={}, headers=staff)),
        (422, client.get("/v1/catalysts", params={"limit": 0}, headers=staff)),
    ]
    for status, request in cases:
        assert_problem(await request, status)


async def test_unknown_route_is_a_problem_404(client):
    response = await client.get("/v2/catalysts")
    problem = assert_problem(response, 404)
    assert problem["status"] == 404


async def test_malformed_json_is_a_422_problem(client, staff):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    bad = {"content": b"{bad", "headers": {**staff, "content-type": "application/json"}}
    for method, path in (
        ("POST", "/v1/catalysts"),
        ("PATCH", f"/v1/catalysts/{catalyst['id']}"),
        ("POST", "/v1/alliances"),
        ("PATCH", f"/v1/alliances/{alliance['id']}"),
        ("POST", f"/v1/alliances/{alliance['id']}/members"),
        ("POST", "/v1/organisations"),
        ("POST", "/v1/territories"),
        ("POST", "/v1/api-keys"),
    ):
        response = await client.request(method, path, **bad)
        problem = assert_problem(response, 422)
        assert problem["errors"], path
        assert problem["errors"][0]["loc"][0] == "body"


async def test_a_body_that_is_not_an_object_is_422(client, staff):
    for body in (b"[]", b"42", b'"text"', b"null"):
        response = await client.post(
            "/v1/catalysts", content=body, headers={**staff, "content-type": "application/json"}
        )
        assert_problem(response, 422)
    assert await collect(client, "/v1/catalysts", staff) == []


async def test_invalid_uuid_in_path_is_422(client, staff):
    for method, path, loc in (
        ("GET", "/v1/catalysts/not-a-uuid", ["path", "catalyst_id"]),
        ("GET", "/v1/alliances/123", ["path", "alliance_id"]),
        ("PATCH", "/v1/organisations/zzz", ["path", "organisation_id"]),
        ("GET", "/v1/alliances/xyz/members", ["path", "alliance_id"]),
        ("DELETE", "/v1/api-keys/0190f5a0", ["path", "api_key_id"]),
    ):
        response = await client.request(method, path, json={} if method == "PATCH" else None, headers=staff)
        assert_problem(response, 422)
        assert loc in locs(response), path


# --- Pagination -----------------------------------------------------------------------------------


async def test_pagination_walks_every_item_once(client, staff):
    created = [await create_catalyst(client, staff) for _ in range(7)]
    sizes, seen, cursor = [], [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/catalysts", params=params, headers=staff)
        assert response.status_code == 200
        page = response.json()
        sizes.append(len(page["items"]))
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
    assert sizes == [3, 3, 1]
    assert len(seen) == len(set(seen)) == 7
    everything = (await client.get("/v1/catalysts", params={"limit": 500}, headers=staff)).json()
    assert everything["next_cursor"] is None
    assert [item["id"] for item in everything["items"]] == seen
    # Oldest first.
    assert seen == [c["id"] for c in created]


async def test_exact_multiple_ends_with_a_null_cursor(client, staff):
    for _ in range(4):
        await create_catalyst(client, staff)
    first = (await client.get("/v1/catalysts", params={"limit": 2}, headers=staff)).json()
    second = (
        await client.get("/v1/catalysts", params={"limit": 2, "cursor": first["next_cursor"]}, headers=staff)
    ).json()
    assert len(second["items"]) == 2
    # The last full page says so: no cursor leading to an empty page.
    assert second["next_cursor"] is None
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])


async def test_default_page_size_is_50(client, staff):
    for n in range(3):
        await create_catalyst(client, staff, name=f"C{n}")
    # Territories are preloaded: 115 of them, so the default page is full.
    page = (await client.get("/v1/territories", headers=staff)).json()
    assert len(page["items"]) == 50
    assert page["next_cursor"] is not None


async def test_territories_paginate_by_code(client, staff):
    every = await collect(client, "/v1/territories", staff, limit=500)
    walked = await collect(client, "/v1/territories", staff, limit=13)
    assert [t["code"] for t in walked] == [t["code"] for t in every]
    assert len(walked) == 115


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!!",
        "%%%",
        _cursor({"k": "not-a-uuid"}),
        _cursor({"k": 12}),
        _cursor({"x": "y"}),
        _cursor([1, 2]),
        "x" * 501,
    ],
)
async def test_garbage_cursor_is_422_naming_cursor(client, staff, cursor):
    await create_catalyst(client, staff)
    response = await client.get("/v1/catalysts", params={"cursor": cursor}, headers=staff)
    assert_problem(response, 422)
    assert ["query", "cursor"] in locs(response)


async def test_garbage_cursor_on_other_lists(client, staff):
    for path in ("/v1/alliances", "/v1/organisations", "/v1/api-keys"):
        response = await client.get(path, params={"cursor": "garbage"}, headers=staff)
        assert_problem(response, 422)
        assert ["query", "cursor"] in locs(response), path


@pytest.mark.parametrize(
    "path, cursors",
    [
        ("/v1/catalysts", ["A" * 22, "_" * 22]),  # ids: 16 bytes
        # Versions and revision numbers are INTEGER columns, which PostgreSQL refused to
        # compare with the 64-bit numbers that well-formed cursors used to decode to (a 500).
        ("/v1/methodologies", ["A" * 6, "_" * 6, "f_____"]),
        ("/v1/territories", ["0", "zz", "Z" * 64]),  # codes
    ],
)
async def test_every_well_formed_cursor_is_a_position(client, staff, path, cursors):
    """The document publishes each list's cursor pattern: whatever matches it is answered."""
    await create_catalyst(client, staff)
    for cursor in cursors:
        response = await client.get(path, params={"cursor": cursor}, headers=staff)
        assert response.status_code == 200, (path, cursor, response.text)


async def test_a_series_cursor_is_a_position_even_past_any_calendar(client, staff):
    _, _, indicator = await indicator_in_new_alliance(client, staff)
    for cursor in ("A" * 32, "_" * 32):
        response = await client.get(
            f"/v1/indicators/{indicator['id']}/observations", params={"cursor": cursor}, headers=staff
        )
        assert response.status_code == 200, response.text


async def test_a_405_names_every_method_of_the_path(client, staff):
    catalyst = await create_catalyst(client, staff)
    response = await client.request("PUT", f"/v1/catalysts/{catalyst['id']}", headers=staff)
    assert_problem(response, 405)
    assert response.headers["allow"] == "DELETE, GET, PATCH"


async def test_a_concrete_path_wins_over_a_templated_one(client, staff):
    """`/v1/observations/batch` is a path of its own (POST), not an observation id."""
    response = await client.get("/v1/observations/batch", headers=staff)
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"
    malformed = await client.get("/v1/observations/not-an-id", headers=staff)
    assert_problem(malformed, 422)
    assert ["path", "observation_id"] in locs(malformed)


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten"])
async def test_limit_out_of_range_is_422(client, staff, limit):
    response = await client.get("/v1/catalysts", params={"limit": limit}, headers=staff)
    assert_problem(response, 422)
    assert ["query", "limit"] in locs(response)


async def test_limit_bounds_are_accepted(client, staff):
    await create_catalyst(client, staff)
    for limit in (1, 500):
        response = await client.get("/v1/catalysts", params={"limit": limit}, headers=staff)
        assert response.status_code == 200
        assert len(response.json()["items"]) == 1


# --- ETags ----------------------------------------------------------------------------------------


async def test_etag_and_if_none_match(client, staff):
    catalyst = await create_catalyst(client, staff)
    path = f"/v1/catalysts/{catalyst['id']}"
    response = await client.get(path, headers=staff)
    etag = response.headers["etag"]
    assert re.fullmatch(r'"[^"]+"', etag)
    assert (await client.get(path, headers=staff)).headers["etag"] == etag

    not_modified = await client.get(path, headers={**staff, "If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    weak = await client.get(path, headers={**staff, "If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    other = await client.get(path, headers={**staff, "If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.json() == catalyst


async def test_etag_on_every_single_object(client, staff):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    organisation = await create_organisation(client, staff)
    for path in (
        f"/v1/catalysts/{catalyst['id']}",
        f"/v1/alliances/{alliance['id']}",
        f"/v1/organisations/{organisation['id']}",
        "/v1/territories/FR-94",
    ):
        response = await client.get(path, headers=staff)
        etag = response.headers["etag"]
        assert (await client.get(path, headers={**staff, "If-None-Match": etag})).status_code == 304, path


async def test_if_match_on_patch(client, staff):
    catalyst = await create_catalyst(client, staff)
    path = f"/v1/catalysts/{catalyst['id']}"
    stale = (await client.get(path, headers=staff)).headers["etag"]
    first = await client.patch(path, json={"name": "First"}, headers={**staff, "If-Match": stale})
    assert first.status_code == 200
    current = first.headers["etag"]
    assert current != stale
    # The ETag of a write is the one a later read gives.
    after_first = await client.get(path, headers=staff)
    assert after_first.headers["etag"] == current

    refused = await client.patch(path, json={"name": "Second"}, headers={**staff, "If-Match": stale})
    assert_problem(refused, 412)
    unchanged = await client.get(path, headers=staff)
    assert unchanged.content == after_first.content
    assert unchanged.headers["etag"] == current

    accepted = await client.patch(path, json={"name": "Second"}, headers={**staff, "If-Match": current})
    assert accepted.status_code == 200
    assert accepted.json()["name"] == "Second"
    assert accepted.headers["etag"] not in (current, stale)


async def test_if_match_on_alliance_member_and_delete(client, staff):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    organisation = await create_organisation(client, staff)
    member = await create_member(client, staff, alliance["id"], organisation["id"])
    path = f"/v1/alliances/{alliance['id']}"
    stale = (await client.get(path, headers=staff)).headers["etag"]
    assert (await client.patch(path, json={"stage": "extension"}, headers=staff)).status_code == 200
    assert_problem(await client.delete(path, headers={**staff, "If-Match": stale}), 412)
    assert (await client.get(path, headers=staff)).status_code == 200

    member_path = f"{path}/members/{member['id']}"
    response = await client.patch(
        member_path, json={"role": "funder"}, headers={**staff, "If-Match": '"stale"'}
    )
    assert_problem(response, 412)
    members = (await client.get(f"{path}/members", headers=staff)).json()["items"]
    assert members == [member]


# --- Vocabularies ---------------------------------------------------------------------------------

VOCABULARIES = [
    "structure_types",
    "trades",
    "actor_types",
    "member_roles",
    "domains",
    "sdgs",
    "stages",
    "territory_levels",
    "territory_types",
    "axes",
    "prisms",
    "dimensions",
    "measure_types",
    "directions",
]


async def test_vocabularies_list_every_code_in_french_and_english(client, reader):
    response = await client.get("/v1/vocabularies", headers=reader)
    assert response.status_code == 200
    lists = response.json()
    for name in VOCABULARIES:
        assert name in lists, name
        assert lists[name], name
        codes = [item["code"] for item in lists[name]]
        assert len(codes) == len(set(codes)), name
        for item in lists[name]:
            assert isinstance(item["fr"], str) and item["fr"].strip(), (name, item)
            assert isinstance(item["en"], str) and item["en"].strip(), (name, item)
    assert [item["code"] for item in lists["sdgs"]] == list(range(1, 18))
    assert {item["code"] for item in lists["trades"]} == {
        "territorial_dialogue",
        "collective_experimentation",
        "actor_support",
        "shared_space",
    }
    assert {item["code"] for item in lists["axes"]} == {"performance", "innovation", "trust"}
    assert {item["code"] for item in lists["stages"]} == {"emergence", "prototype", "extension", "spreading"}
    assert {item["code"] for item in lists["territory_levels"]} == {
        "country",
        "region",
        "department",
        "epci",
        "commune",
        "district",
        "other",
    }


async def test_vocabulary_codes_are_the_ones_the_api_accepts(client, staff):
    lists = (await client.get("/v1/vocabularies", headers=staff)).json()
    catalyst = await create_catalyst(
        client,
        staff,
        structure_type=lists["structure_types"][-1]["code"],
        trades=[item["code"] for item in lists["trades"]],
    )
    alliance = await create_alliance(
        client,
        staff,
        [catalyst["id"]],
        domains=[item["code"] for item in lists["domains"]],
        sdgs=[item["code"] for item in lists["sdgs"]],
        stage=lists["stages"][-1]["code"],
    )
    assert len(alliance["domains"]) == len(lists["domains"])
    assert alliance["sdgs"] == list(range(1, 18))


async def test_vocabularies_need_a_key(client):
    assert (await client.get("/v1/vocabularies")).status_code == 401


# --- Probes ---------------------------------------------------------------------------------------


async def test_health_and_ready_need_no_key(client):
    health = await client.get("/v1/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = await client.get("/v1/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["database"] == "ok"


@pytest.fixture
async def broken_client():
    """A client of an app whose database does not answer (nothing listens on port 1)."""
    app = create_app(Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nope"))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await app.state.engine.dispose()


async def test_ready_is_503_when_the_database_is_down(broken_client):
    response = await broken_client.get("/v1/ready")
    assert_problem(response, 503)
    assert (await broken_client.get("/v1/health")).status_code == 200


async def test_data_endpoints_are_503_not_500_when_the_database_is_down(broken_client):
    headers = {"Authorization": "Bearer obs_" + "a" * 43}
    for method, path, body in (
        ("GET", "/v1/catalysts", None),
        ("GET", f"/v1/alliances/{UNKNOWN_ID}", None),
        ("POST", "/v1/organisations", {"name": "X", "actor_type": "public"}),
    ):
        response = await broken_client.request(method, path, json=body, headers=headers)
        assert_problem(response, 503)
        assert response.headers.get("retry-after")


# --- Documentation --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_use_only_local_assets(client, path):
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "cdn" not in html.lower()
    references = re.findall(r"""(?:src|href|spec-url)=["']([^"']+)["']""", html)
    references += re.findall(r"""url:\s*["']([^"']+)["']""", html)
    assert any(ref.endswith(".js") for ref in references), references
    for ref in references:
        assert not re.match(r"(https?:)?//", ref), ref
        asset = await client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.content, ref
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)


async def test_openapi_document_is_served(client):
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    for path in ("/v1/catalysts", "/v1/alliances/{alliance_id}/members", "/v1/map/catalysts"):
        assert path in document["paths"], path


async def test_nul_characters_are_refused_before_the_database(client, staff):
    """PostgreSQL cannot store NUL: such input must be a 4xx naming it, never a 500."""
    body = await client.post(
        "/v1/organisations", json={"name": "a\x00b", "actor_type": "company"}, headers=staff
    )
    assert body.status_code == 422
    assert body.json()["errors"][0]["loc"] == ["body", "name"]
    query = await client.get("/v1/catalysts", params={"q": "a\x00b"}, headers=staff)
    assert query.status_code == 400
    assert query.json()["errors"][0]["loc"] == ["query", "q"]
    path = await client.get("/v1/territories/FR%00", headers=staff)
    assert path.status_code == 400
    assert path.json()["errors"][0]["loc"] == ["path", "code"]
    csv_file = await client.post(
        "/v1/observations/import",
        content=b"indicator_id,period,value\n\x00,2024,1\n",
        headers={**staff, "content-type": "text/csv"},
    )
    assert csv_file.status_code == 422
    assert (await client.get("/v1/organisations", headers=staff)).json()["items"] == []


async def test_integers_beyond_the_database_range_are_refused(client, staff):
    huge = 2**63
    assert (await client.get(f"/v1/methodologies/{huge}", headers=staff)).status_code == 422
    assert (
        await client.get("/v1/snapshots", params={"methodology_version": huge}, headers=staff)
    ).status_code == 422
    cursor = base64.urlsafe_b64encode(json.dumps({"k": str(huge)}).encode()).decode().rstrip("=")
    response = await client.get("/v1/methodologies", params={"cursor": cursor}, headers=staff)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "cursor"]
