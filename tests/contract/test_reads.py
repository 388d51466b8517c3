"""The document's GET operations, fuzzed (see operations.py)."""

from tests.contract.conftest import load_schema
from tests.contract.operations import EXAMPLES, check_operation

schema = load_schema().include(method="GET")


@schema.parametrize()
@EXAMPLES
def test_read_keeps_the_contract(case, contract_app, staff_key, existing):
    check_operation(case, contract_app, existing)
