"""What every operation of the document is held to, as a staff key (the scope allowed
everywhere): all of schemathesis's default checks, on positive and negative cases."""

from hypothesis import HealthCheck, settings
from schemathesis import Case

from tests.contract.positive_data import is_positive, make_valid

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


def check_operation(case: Case, contract_app, existing) -> None:
    if is_positive(case):
        make_valid(case, existing)
    # No `checks` argument: every check enabled by default runs (see test_checks.py).
    case.call_and_validate(app=contract_app)
