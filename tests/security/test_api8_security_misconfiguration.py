"""API8:2023 Security Misconfiguration.

What a deployment gets wrong by default: CSV exports that a spreadsheet would run as formulas
(CSV injection), and error responses that show tracebacks, SQL or driver messages. CORS and
the security headers are tested with their middleware.
"""

import csv
import io
import re

import pytest
from sqlalchemy import exc as sa_exc

from services.api.deps import get_session
from tests.api.factories import organisation_payload
from tests.api.indicator_factories import indicator_in_new_alliance, observations_path, record
from tests.security.support import PROBLEM, assert_problem, csv_file

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Signs of an internal detail in an error: a traceback, a source file, SQL, a driver, a table.
LEAK = re.compile(
    r"Traceback|File \"|\.py\b|SELECT |INSERT |UPDATE |DELETE FROM|sqlalchemy|sqlite|asyncpg|psycopg"
    r"|api_keys|key_hash|hunter2|10\.0\.0\.5|constraint",
    re.IGNORECASE,
)


def _csv_rows(response) -> list[dict]:
    assert response.headers["content-type"].startswith("text/csv"), response.headers["content-type"]
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_csv_exports_neutralise_cells_a_spreadsheet_would_run(client, staff):
    """Text from any way in (single value, batch, CSV import) that starts like a formula is
    exported with a leading apostrophe; JSON keeps the text as it was given."""
    _, _, indicator = await indicator_in_new_alliance(client, staff)
    await record(client, staff, indicator, period="2019", value=-5, source='=HYPERLINK("http://x","clic")')
    await record(client, staff, indicator, period="2020", value=1, source="+33 1 23 45", comment="-2+3")
    await record(client, staff, indicator, period="2021", value=1, source="@SUM(A1:A9)")
    # Leading whitespace is trimmed on input: what follows the tab or CR is what gets escaped.
    await record(
        client, staff, indicator, period="2022", value=1, source="\t=1+1", comment="\r\n=cmd|'/C calc'!A0"
    )
    batch = [
        {"indicator_id": indicator["id"], "period": "2023", "value": 1, "source": "=1", "comment": "@A1"}
    ]
    response = await client.post("/v1/observations/batch", json=batch, headers=staff)
    assert response.status_code == 200, response.text
    imported = csv_file(f'{indicator["id"]},2024,1,final,-1-1,"=IMPORTXML(""http://x"",""//a"")"')
    response = await client.post(
        "/v1/observations/import", content=imported.encode(), headers={**staff, "content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text

    as_json = (await client.get(observations_path(indicator), headers=staff)).json()["items"]
    stored = {item["period_start"][:4]: item for item in as_json}
    assert len(stored) == 6
    assert stored["2022"]["source"] == "=1+1"  # trimmed, kept as given otherwise
    assert stored["2019"]["source"] == '=HYPERLINK("http://x","clic")'

    for how in ({"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        response = await client.get(
            observations_path(indicator),
            params=how.get("params"),
            headers={**staff, **how.get("headers", {})},
        )
        rows = _csv_rows(response)
        assert len(rows) == 6
        for row in rows:
            original = stored[row["period_start"][:4]]
            for column in ("source", "comment"):
                text = original[column] or ""
                expected = "'" + text if text.startswith(FORMULA_PREFIXES) else text
                assert row[column] == expected, (column, row)
            for column, cell in row.items():
                if column != "value":
                    assert not cell.startswith(FORMULA_PREFIXES), (column, cell)
            # A negative number stays a number.
            assert float(row["value"]) == original["value"]


async def _boom():
    raise RuntimeError(
        'File "/srv/services/core/catalysts/service.py", line 3: SELECT key_hash FROM api_keys'
    )


def _database_error(kind):
    async def raise_it():
        raise kind(
            "SELECT key_hash FROM api_keys WHERE key_hash = ?",
            ("hunter2",),
            Exception('constraint "api_keys_key_hash_key" violated on 10.0.0.5'),
        )

    return raise_it


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (_boom, 500),
        (_database_error(sa_exc.ProgrammingError), 500),
        (_database_error(sa_exc.IntegrityError), 409),
        (_database_error(sa_exc.OperationalError), 503),
    ],
    ids=["unexpected error", "sql error", "integrity error", "database down"],
)
async def test_an_internal_failure_shows_no_traceback_sql_or_driver_message(
    app, client, staff, monkeypatch, failure, status
):
    # Every route opens its database session through this dependency: the failure happens
    # inside the request whatever the code behind the route becomes.
    monkeypatch.setitem(app.dependency_overrides, get_session, failure)
    for response in (
        await client.get("/v1/catalysts", headers=staff),
        await client.post("/v1/organisations", json=organisation_payload(), headers=staff),
    ):
        problem = assert_problem(response, status)
        assert set(problem) <= {"type", "title", "status", "detail", "instance", "errors"}
        assert LEAK.search(response.text) is None, response.text


async def test_malformed_requests_get_a_4xx_problem_without_internal_details(client, staff):
    _, _, indicator = await indicator_in_new_alliance(client, staff)
    json_headers = {**staff, "content-type": "application/json"}
    requests = [
        ("POST", "/v1/organisations", {"content": b'{"name": "x",', "headers": json_headers}),
        ("POST", "/v1/organisations", {"content": b"[" * 100_000 + b"]" * 100_000, "headers": json_headers}),
        (
            "POST",
            "/v1/observations/batch",
            {"content": b"[" * 100_000 + b"]" * 100_000, "headers": json_headers},
        ),
        ("POST", "/v1/organisations", {"content": b"\xff\xfe", "headers": json_headers}),
        ("POST", "/v1/organisations", {"json": {"name": "x", "actor_type": "robot"}, "headers": staff}),
        (
            "POST",
            "/v1/organisations",
            {"json": {"name": "a\x00b", "actor_type": "company"}, "headers": staff},
        ),
        (
            "POST",
            observations_path(indicator),
            {"content": b'{"period": "2024", "value": 1e400}', "headers": json_headers},
        ),
        ("POST", observations_path(indicator), {"json": {"period": "2024-13", "value": 1}, "headers": staff}),
        (
            "POST",
            "/v1/observations/import",
            {
                "content": b"indicator_id,period,value\n\xff,2024,1\n",
                "headers": {**staff, "content-type": "text/csv"},
            },
        ),
        (
            "POST",
            "/v1/observations/import",
            {"content": b"x", "headers": {**staff, "content-type": "text/html"}},
        ),
        ("GET", "/v1/catalysts/not-a-uuid", {"headers": staff}),
        ("GET", f"/v1/methodologies/{2**70}", {"headers": staff}),
        ("GET", "/v1/catalysts", {"params": {"cursor": "'; DROP TABLE catalysts; --"}, "headers": staff}),
        ("GET", "/v1/catalysts", {"params": {"q": "a\x00"}, "headers": staff}),
        ("GET", "/v1/catalysts", {"params": {"limit": "1e9"}, "headers": staff}),
        ("GET", "/v1/catalysts", {"params": {"sort": "name"}, "headers": staff}),
        ("GET", observations_path(indicator), {"params": {"as_of": "2024-01-01T00:00:00"}, "headers": staff}),
        (
            "PATCH",
            f"/v1/indicators/{indicator['id']}",
            {"json": {"name": "x"}, "headers": {**staff, "If-Match": '"x"'}},
        ),
        ("DELETE", "/v1/organisations", {"headers": staff}),
        ("GET", "/v1/../../etc/passwd", {"headers": staff}),
    ]
    for method, path, options in requests:
        response = await client.request(method, path, **options)
        assert 400 <= response.status_code < 500, (method, path, response.status_code, response.text[:300])
        assert response.headers["content-type"] == PROBLEM, (method, path)
        assert LEAK.search(response.text) is None, (method, path, response.text)
