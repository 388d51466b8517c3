"""A real `observatoire serve` on a migrated SQLite database, for the tests that call the API
over HTTP as any client would: a fuzzer that reads only the served document, a client
generated from the committed one.

Two things are kept from reaching outside the machine, at start-up of the child process
only: host names in webhook URLs stand for one public address instead of becoming DNS
queries (so the SSRF guard still judges literal addresses as in production), and no job
runs, so that nothing is ever delivered to a URL that a test subscribed. Jobs stay queued,
which the contract allows.
"""

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.api.factories import alliance_payload, catalyst_payload, member_payload, organisation_payload
from tests.api.indicator_factories import indicator_payload
from tests.contract.conftest import FUZZED_HOSTS_ADDRESS, Existing
from tests.test_cli import observatoire
from tests.worker.processes import ApiServer

BOOTSTRAP = f"""
import ipaddress, sys
from services.core.webhooks import urls
from services.worker.inline import InlineRunner

async def _one_public_address(host, port):
    return [ipaddress.ip_address("{FUZZED_HOSTS_ADDRESS}")]

urls._resolve = _one_public_address
InlineRunner.start = lambda self: None
from services.cli import app
app(["serve", *sys.argv[1:]], prog_name="observatoire")
"""


class ServedObservatoire(ApiServer):
    """ApiServer's start-up (a free port, ready once /v1/health answers), with BOOTSTRAP in
    place of the fault injection."""

    def _spawn(self, arguments: list[str], env: dict[str, str]) -> None:
        # arguments: python, -c, SERVE_BOOTSTRAP, faults, then serve's own options.
        super()._spawn([sys.executable, "-c", BOOTSTRAP, *arguments[4:]], env)


@dataclass(frozen=True)
class Served:
    url: str
    staff_key: str

    @property
    def staff(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.staff_key}"}

    def create(self, path: str, payload: dict) -> dict:
        response = httpx.post(f"{self.url}{path}", json=payload, headers=self.staff, timeout=30)
        assert response.status_code == 201, response.text
        return response.json()

    def existing(self) -> Existing:
        """Entities for positive cases to refer to, created through the API."""
        catalyst = self.create("/v1/catalysts", catalyst_payload())
        organisation = self.create("/v1/organisations", organisation_payload())
        alliance = self.create("/v1/alliances", alliance_payload([catalyst["id"]]))
        member = self.create(f"/v1/alliances/{alliance['id']}/members", member_payload(organisation["id"]))
        indicator = self.create(f"/v1/alliances/{alliance['id']}/indicators", indicator_payload())
        return Existing(
            territory_code="FR-94",
            country_code="FR",
            catalyst_id=catalyst["id"],
            organisation_id=organisation["id"],
            alliance_id=alliance["id"],
            member_id=member["id"],
            indicator_id=indicator["id"],
        )


def _cli(database: Path, *args: str) -> str:
    result = observatoire(*args, database=database)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@contextlib.contextmanager
def served_observatoire(directory: Path) -> Iterator[Served]:
    database = directory / "served.db"
    _cli(database, "migrate")
    staff_key = _cli(database, "keys", "create", "--scope", "staff").split()[-1]
    server = ServedObservatoire(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            # A fuzzer sends thousands of requests with one key, and hundreds without one.
            "OBSERVATOIRE_RATE_LIMIT_REQUESTS": "0",
            "OBSERVATOIRE_RATE_LIMIT_FAILED_AUTHENTICATIONS": "1000000",
        }
    )
    try:
        with server.shown_on_failure():
            yield Served(server.url, staff_key)
    finally:
        server.stop()
