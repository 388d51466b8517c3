"""What every operation of the document is held to, as a staff key (the scope allowed
everywhere): all of schemathesis's default checks, on positive and negative cases."""

from hypothesis import HealthCheck, settings
from schemathesis import Case

from tests.contract.conftest import Existing, StaffKey
from tests.contract.positive_data import is_positive, make_valid, name_existing_objects

# Bounded so that the contract suite stays within its time: coverage cases come on top.
EXAMPLES = settings(
    max_examples=10,
    # The same examples on every run: a red CI is then a reproducible finding, and a new
    # finding comes with a change of the code or the document, not with a lucky draw.
    derandomize=True,
    deadline=None,
    # One staff key and one set of entities serve every example of a test, by design.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def with_current_key(case: Case) -> None:
    """Set the test's key on a case, unless the case tests a missing or malformed one.

    The auth provider (StaffKey) sets it on the cases drawn while a test runs, but the
    coverage phase builds its cases when the module is collected, before any key exists:
    without this they are all sent with a generated `Bearer ` and answered 401, and the
    phase tests authentication only.
    """
    if StaffKey.secret and not case.operation.schema.is_security_param_negated(case):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {StaffKey.secret}"}


def prepare(case: Case, existing: Existing) -> None:
    """Make a case ready to send, in place: the test's key, then, for a positive case, the
    values only the server can judge made valid; for a negative one, the well-formed ids of
    its path naming existing objects."""
    with_current_key(case)
    if is_positive(case):
        make_valid(case, existing)
    else:
        name_existing_objects(case, existing)


def check_operation(case: Case, contract_app, existing: Existing) -> None:
    prepare(case, existing)
    # No `checks` argument: every check enabled by default runs (see test_checks.py).
    case.call_and_validate(app=contract_app)
