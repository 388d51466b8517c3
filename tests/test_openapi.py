"""The committed OpenAPI document is the contract front-ends are generated from."""

import json
import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from services.api.main import create_app

COMMITTED = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document():
    return create_app().openapi()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_committed_document_matches_the_app(document):
    committed = json.loads(COMMITTED.read_text())
    assert committed == document, "openapi/openapi.json is stale: run `make openapi` and commit it"


def test_document_is_valid_openapi(document):
    validate(document)


def test_every_operation_has_a_stable_id_a_tag_and_a_summary(document):
    ids = []
    for path, method, operation in _operations(document):
        assert SNAKE_CASE.match(operation["operationId"]), (path, method)
        assert operation.get("tags"), (path, method)
        assert operation.get("summary"), (path, method)
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


def test_every_error_response_uses_the_problem_schema(document):
    for path, method, operation in _operations(document):
        errors = {code: r for code, r in operation["responses"].items() if code.startswith(("4", "5"))}
        assert "422" in errors and "400" in errors, (path, method)
        for code, response in errors.items():
            schema = response["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (path, method, code)


def test_authenticated_operations_document_401_and_403(document):
    # /v1/access answers without a key (and documents the 401 of a key that is not valid).
    public = {"/v1/health", "/v1/ready", "/v1/access"}
    for path, method, operation in _operations(document):
        if path in public:
            assert not operation.get("security"), path
            continue
        assert operation.get("security"), (path, method)
        assert {"401", "403"} <= set(operation["responses"]), (path, method)


def test_fields_of_the_contract_are_present(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["CatalystRead"]["properties"]) >= {
        "name",
        "structure_type",
        "trades",
        "territory_code",
        "latitude",
        "longitude",
        "website",
        "description",
        "founded_year",
    }
    assert set(schemas["AllianceRead"]["properties"]) >= {
        "name",
        "description",
        "territory_code",
        "catalyst_ids",
        "domains",
        "sdgs",
        "stage",
        "started_on",
        "ended_on",
        "status",
    }
    assert set(schemas["ApiKeyCreated"]["properties"]) >= {
        "id",
        "name",
        "scope",
        "catalyst_id",
        "prefix",
        "created_at",
        "revoked_at",
        "key",
    }
    assert "key" not in schemas["ApiKeyRead"]["properties"]
