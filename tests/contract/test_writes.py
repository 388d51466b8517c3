"""The document's POST, PATCH and DELETE operations, fuzzed (see operations.py)."""

from tests.contract.conftest import load_schema
from tests.contract.operations import EXAMPLES, check_operation

schema = load_schema().exclude(method="GET")


@schema.parametrize()
@EXAMPLES
def test_write_keeps_the_contract(case, contract_app, staff_key, existing):
    check_operation(case, contract_app, existing)
