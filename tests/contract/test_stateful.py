"""Sequences of calls that follow the document's links: create, then read, update and
delete what was created, with every default check of schemathesis on every response."""

from hypothesis import HealthCheck, Phase, settings

from tests.contract.conftest import load_schema
from tests.contract.database_state import DatabaseState
from tests.contract.positive_data import is_positive, make_valid, spare_existing

SCENARIOS = settings(
    phases=[Phase.generate],
    max_examples=40,
    # The same examples on every run: a red CI is then a reproducible finding, and a new
    # finding comes with a change of the code or the document, not with a lucky draw.
    derandomize=True,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def test_links_hold_from_creation_to_deletion(contract_app, database_url, staff_key, existing):
    start = DatabaseState(database_url)
    start.capture()

    class Workflows(load_schema().as_state_machine()):
        def setup(self):
            start.restore()

        def before_call(self, case):
            if case.method == "DELETE":
                spare_existing(case, existing)
            if is_positive(case):
                make_valid(case, existing, paths_too=False)

        def get_call_kwargs(self, case):
            return {"app": contract_app}

    Workflows.run(settings=SCENARIOS)
