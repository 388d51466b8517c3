"""RFC 9110 §13.1: If-Match compares entity tags strongly, If-None-Match weakly."""

from tests.api.factories import create_catalyst


async def _catalyst_and_etag(client, staff) -> tuple[str, str]:
    catalyst = await create_catalyst(client, staff)
    path = f"/v1/catalysts/{catalyst['id']}"
    return path, (await client.get(path, headers=staff)).headers["etag"]


async def test_a_weak_etag_in_if_match_never_matches(client, staff):
    path, etag = await _catalyst_and_etag(client, staff)
    refused = await client.patch(path, json={"name": "Faible"}, headers={**staff, "If-Match": f"W/{etag}"})
    assert refused.status_code == 412
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await client.get(path, headers=staff)).headers["etag"] == etag
    # The same tag without W/ is the strong one the server gave, and matches.
    accepted = await client.patch(
        path, json={"name": "Forte"}, headers={**staff, "If-Match": f'W/"other", {etag}'}
    )
    assert accepted.status_code == 200
    assert accepted.json()["name"] == "Forte"


async def test_a_weak_etag_in_if_match_does_not_allow_a_delete(client, staff):
    path, etag = await _catalyst_and_etag(client, staff)
    refused = await client.delete(path, headers={**staff, "If-Match": f"W/{etag}"})
    assert refused.status_code == 412
    assert (await client.get(path, headers=staff)).status_code == 200


async def test_if_match_star_matches_a_current_object(client, staff):
    path, _ = await _catalyst_and_etag(client, staff)
    accepted = await client.patch(path, json={"name": "Étoile"}, headers={**staff, "If-Match": "*"})
    assert accepted.status_code == 200


async def test_if_none_match_keeps_the_weak_comparison(client, staff):
    path, etag = await _catalyst_and_etag(client, staff)
    weak = await client.get(path, headers={**staff, "If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    listed = await client.get(path, headers={**staff, "If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304
    other = await client.get(path, headers={**staff, "If-None-Match": 'W/"other"'})
    assert other.status_code == 200
