"""The fuzzing runs every check schemathesis enables by default, and covers every operation."""

from schemathesis.checks import CHECKS, load_all_checks

from services.api.main import create_app
from tests.contract.conftest import load_schema
from tests.contract.test_reads import schema as reads
from tests.contract.test_writes import schema as writes

NAMED_IN_THE_REQUIREMENTS = {
    "not_a_server_error",
    "ignored_auth",
    "negative_data_rejection",
    "response_schema_conformance",
}


def test_every_default_check_is_enabled():
    load_all_checks()
    config = load_schema().config.checks_config_for()
    names = {check.__name__ for check in CHECKS.get_all()}
    assert names >= NAMED_IN_THE_REQUIREMENTS
    assert {name for name in names if not config.get_by_name(name=name).enabled} == set()


def test_reads_and_writes_cover_every_operation_of_the_document():
    document = create_app().openapi()
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    fuzzed = {
        (operation.method.upper(), operation.path)
        for schema in (reads, writes)
        for operation in (result.ok() for result in schema.get_all_operations())
    }
    assert fuzzed == documented
