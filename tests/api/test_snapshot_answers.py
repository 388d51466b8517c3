"""Answers about published snapshots kept as bytes: the same bytes as the application's, no
database round trip once kept, caching headers, `latest` moving on a publication, a revoked
key refused at once (both databases; the freshness across processes is tested on a real
server in tests/worker/test_read_freshness.py)."""

import pytest

from services.api.kept_answers import Answer, AnswerCache
from tests.api.conftest import counting_checkouts, stable_headers
from tests.api.factories import create_alliance, create_catalyst, run_job

IMMUTABLE = "private, max-age=31536000, immutable"
SHORT = "private, max-age=5"


def _snapshot_paths(first: str, second: str, alliance_id: str) -> list[tuple[str, dict]]:
    return [
        (f"/v1/snapshots/{first}", {}),
        (f"/v1/snapshots/{first}/scores", {"subject_type": "territory", "limit": 3}),
        (f"/v1/snapshots/{first}/scores", {"axis": "trust"}),
        (f"/v1/snapshots/{first}/explanations/alliance/{alliance_id}", {}),
        (f"/v1/snapshots/{first}/explanations/territory/FR-94", {"axis": "performance"}),
        (f"/v1/snapshots/{first}/compare/{second}", {"subject_type": "alliance"}),
    ]


@pytest.fixture
async def two_snapshots(app, client, staff, scored_alliance):
    first = await run_job(app, client, staff)
    second = await run_job(app, client, staff)
    return first["snapshot_id"], second["snapshot_id"], scored_alliance["alliance"]["id"]


async def test_kept_answers_are_the_applications_bytes_and_cost_no_database_round_trip(
    app, client, uncached_client, staff, two_snapshots
):
    first, second, alliance_id = two_snapshots
    for path, params in _snapshot_paths(first, second, alliance_id):
        uncached = await uncached_client.get(path, params=params, headers=staff)
        assert uncached.status_code == 200, (path, uncached.text)
        answered = await client.get(path, params=params, headers=staff)
        with counting_checkouts(app) as taken:
            kept = await client.get(path, params=params, headers=staff)
        assert taken == [0], f"{path}: the kept answer read the database"
        assert answered.content == kept.content == uncached.content, path
        assert stable_headers(answered) == stable_headers(kept) == stable_headers(uncached), path
        assert kept.headers["cache-control"] == uncached.headers["cache-control"] == IMMUTABLE
        # The ETag is the content's, the same with or without the cache.
        assert kept.headers["etag"] == uncached.headers["etag"]


async def test_parameters_in_another_order_are_the_same_answer_and_a_repeated_name_is_not_kept(
    app, client, staff, two_snapshots
):
    first, _, _ = two_snapshots
    path = f"/v1/snapshots/{first}/scores"
    one = await client.get(f"{path}?subject_type=territory&limit=2", headers=staff)
    with counting_checkouts(app) as taken:
        other = await client.get(f"{path}?limit=2&subject_type=territory", headers=staff)
        assert taken == [0]
        assert one.content == other.content
        repeated = await client.get(f"{path}?limit=3&limit=2&subject_type=territory", headers=staff)
        assert repeated.status_code == 200
    assert taken[0] > 0, "a query whose names repeat went through the application"
    assert repeated.headers["cache-control"] == IMMUTABLE  # not kept, and as long-lived
    assert repeated.content == one.content  # the last value counts, as without the cache


async def test_latest_is_short_lived_names_the_newest_snapshot_and_moves_when_one_is_published(
    app, client, staff, two_snapshots
):
    first, second, _ = two_snapshots
    latest = await client.get("/v1/snapshots/latest", headers=staff)
    by_id = await client.get(f"/v1/snapshots/{second}", headers=staff)
    assert latest.json()["id"] == second
    assert latest.content == by_id.content
    assert latest.headers["etag"] == by_id.headers["etag"]
    assert latest.headers["cache-control"] == SHORT
    assert by_id.headers["cache-control"] == IMMUTABLE

    third = await run_job(app, client, staff)
    # Published in this process: the pointer moved at once.
    moved = await client.get("/v1/snapshots/latest/scores", params={"limit": 1}, headers=staff)
    assert moved.status_code == 200
    assert (await client.get("/v1/snapshots/latest", headers=staff)).json()["id"] == third["snapshot_id"]
    compared = await client.get(f"/v1/snapshots/{first}/compare/latest", headers=staff)
    assert compared.headers["cache-control"] == SHORT


async def test_if_none_match_gets_304_with_the_tag_and_caching_headers(client, staff, two_snapshots):
    first, _, _ = two_snapshots
    path = f"/v1/snapshots/{first}/scores"
    answered = await client.get(path, headers=staff)
    etag = answered.headers["etag"]
    for _ in range(2):  # through the application, then from the kept answer
        not_modified = await client.get(path, headers={**staff, "If-None-Match": f'W/{etag}, "other"'})
        assert not_modified.status_code == 304
        assert not_modified.content == b""
        assert not_modified.headers["etag"] == etag
        assert not_modified.headers["cache-control"] == IMMUTABLE
    changed = await client.get(path, headers={**staff, "If-None-Match": '"something else"'})
    assert changed.status_code == 200
    assert changed.content == answered.content


async def test_a_kept_answer_is_refused_to_a_revoked_unknown_or_missing_key(
    client, staff, make_key, two_snapshots
):
    first, _, _ = two_snapshots
    path = f"/v1/snapshots/{first}/scores"
    reader = await make_key("read")
    assert (await client.get(path, headers=reader)).status_code == 200
    assert (await client.get(path, headers=reader)).status_code == 200  # kept, key cached
    key_id = (await client.get("/v1/access", headers=reader)).json()["key_id"]
    assert (await client.delete(f"/v1/api-keys/{key_id}", headers=staff)).status_code == 200
    refused = await client.get(path, headers=reader)
    assert refused.status_code == 401
    assert (await client.get("/v1/catalysts", headers=reader)).status_code == 401
    assert (await client.get(path, headers={"Authorization": "Bearer obs_unknown"})).status_code == 401
    assert (await client.get(path)).status_code == 401


async def test_public_read_answers_are_public_and_anonymous(open_client, client, staff, two_snapshots):
    first, _, _ = two_snapshots
    path = f"/v1/snapshots/{first}/scores"
    for _ in range(2):
        anonymous = await open_client.get(path)
        assert anonymous.status_code == 200
        assert anonymous.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert anonymous.content == (await client.get(path, headers=staff)).content


async def test_lists_have_an_etag_and_304_and_a_write_changes_it(client, staff):
    catalyst = await create_catalyst(client, staff)
    page = await client.get("/v1/alliances", headers=staff)
    etag = page.headers["etag"]
    again = await client.get("/v1/alliances", headers={**staff, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    await create_alliance(client, staff, [catalyst["id"]])
    after_write = await client.get("/v1/alliances", headers={**staff, "If-None-Match": etag})
    assert after_write.status_code == 200
    assert len(after_write.json()["items"]) == 1
    assert after_write.headers["etag"] != etag


def _answer(size: int) -> Answer:
    return Answer(b"x" * size, ((b"content-type", b"application/json"), (b"etag", b'"tag"')), None)


def test_the_answer_cache_stays_within_its_bound_and_forgets_the_least_recently_used():
    cache = AnswerCache(max_bytes=100_000)
    for number in range(100):
        cache.put(("snapshot", "/scores", (("n", str(number)),)), _answer(5_000))
        assert cache.size <= 100_000
    assert 15 <= len(cache) <= 20
    assert cache.get(("snapshot", "/scores", (("n", "0"),))) is None  # the oldest went first
    newest = ("snapshot", "/scores", (("n", "99"),))
    assert cache.get(newest) is not None
    # Used again, an answer outlives newer ones.
    cache.get(("snapshot", "/scores", (("n", "85"),)))
    for number in range(100, 115):
        cache.put(("snapshot", "/scores", (("n", str(number)),)), _answer(5_000))
    assert cache.get(("snapshot", "/scores", (("n", "85"),))) is not None
    assert cache.get(("snapshot", "/scores", (("n", "86"),))) is None
    # An answer bigger than a quarter of the cache is not kept: it would push out many others.
    cache.put(("big",), _answer(30_000))
    assert cache.get(("big",)) is None
    assert cache.size <= 100_000


async def test_answers_not_kept_say_how_long_they_hold_as_kept_ones_do(
    app, client, uncached_client, make_key, two_snapshots
):
    first, _, _ = two_snapshots
    unknown_yet = await make_key("read", name="a key this process has not seen")
    by_id = await client.get(f"/v1/snapshots/{first}/scores", headers=unknown_yet)
    assert by_id.status_code == 200
    assert by_id.headers["cache-control"] == IMMUTABLE  # answered by the application
    latest = await uncached_client.get("/v1/snapshots/latest", headers=unknown_yet)
    assert latest.headers["cache-control"] == SHORT
    missing = await uncached_client.get(
        "/v1/snapshots/latest/explanations/alliance/nobody", headers=unknown_yet
    )
    assert missing.status_code == 404
    assert missing.headers["cache-control"] == "private, no-cache"  # only a 200 holds
