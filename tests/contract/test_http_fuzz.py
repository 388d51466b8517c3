"""The served document, fuzzed over HTTP against a real `observatoire serve`: what the document
says is what the server takes, over the wire as well as in-process.

Schemathesis reads the committed document, which the server is first checked to serve (it
is read when the module is collected, before any server runs), and runs every check it
enables by default (not_a_server_error, status_code_conformance, content_type_conformance,
response_schema_conformance, negative_data_rejection, positive_data_acceptance...; see
test_checks.py) on every case. Positive cases get the references and cross-field rules that
only the server can judge (positive_data.py), as in-process; in negative cases, well-formed
ids in the path name existing objects, so that the invalid value reaches their validation.
"""

import json

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from tests.contract.conftest import Existing, StaffKey
from tests.contract.formats import FORMATS
from tests.contract.operations import prepare
from tests.contract.served import Served, served_observatoire
from tests.test_openapi import COMMITTED

# Bounded so that the run over HTTP takes a minute or two: 30 cases for each operation.
OVER_HTTP = settings(
    max_examples=30,
    # Generated cases only: the coverage phase's hundreds of cases per operation would take
    # several minutes over HTTP.
    phases=[Phase.generate],
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    with served_observatoire(tmp_path_factory.mktemp("http-fuzz")) as served:
        yield served


@pytest.fixture
def existing(served) -> Existing:
    # Anew for each operation: the cases of a DELETE may remove them.
    return served.existing()


@pytest.fixture(scope="module")
def staff_key_over_http(served):
    StaffKey.secret = served.staff_key
    yield
    StaffKey.secret = None


def load_committed_schema():
    schema = schemathesis.openapi.from_path(COMMITTED)
    for name, values in FORMATS.items():
        schemathesis.openapi.format(name, values)
    # Not cached: the class holds the key of whichever test runs.
    schema.auth(refresh_interval=None)(StaffKey)
    return schema


schema = load_committed_schema()


def test_the_server_serves_the_committed_document(served):
    served_document = httpx.get(f"{served.url}/openapi.json", timeout=30).json()
    assert served_document == json.loads(COMMITTED.read_text())


@schema.parametrize()
@OVER_HTTP
def test_served_api_takes_what_its_document_says(case, served, staff_key_over_http, existing):
    prepare(case, existing)
    case.call_and_validate(base_url=served.url)
