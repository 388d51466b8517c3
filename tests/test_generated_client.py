"""A Python client generated from the committed document with openapi-python-client, as a
third-party platform would generate one: each request body is one typed model holding every
field, and what a typed model sends is what a real `observatoire serve` stores.

Rules between fields are stated as `if`/`then` in the document, which validators apply and
generators leave aside: stated as an `anyOf` beside the properties, they made the generator
split a body into one class per branch, each holding only the fields of the rule.
"""

import importlib
import inspect
import json
import subprocess
import sys
import uuid
from datetime import date

import httpx
import pytest

from tests.contract.served import Served, served_observatoire
from tests.test_openapi import COMMITTED

PACKAGE = "observatoire_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The client package, generated offline into a temporary directory and imported."""
    directory = tmp_path_factory.mktemp("generated-client")
    result = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate", "--path", str(COMMITTED)),
            *("--meta", "none", "--output-path", str(directory / PACKAGE)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(directory))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def operation(generated, tag_module: str, operation_id: str):
    return importlib.import_module(f"{PACKAGE}.api.{tag_module}.{operation_id}")


def _json_request_bodies() -> dict[str, str]:
    """operationId -> the component its JSON body refers to, directly or as list items."""
    document = json.loads(COMMITTED.read_text())
    bodies = {}
    for item in document["paths"].values():
        for operation_ in item.values():
            schema = operation_.get("requestBody", {}).get("content", {}).get("application/json", {})
            schema = schema.get("schema", {})
            reference = schema.get("$ref") or schema.get("items", {}).get("$ref")
            if reference:
                bodies[operation_["operationId"]] = reference.rsplit("/", 1)[-1]
    return bodies


def test_every_request_body_is_one_model_with_all_its_fields(generated):
    document = json.loads(COMMITTED.read_text())
    models = importlib.import_module(f"{PACKAGE}.models")
    bodies = _json_request_bodies()
    assert {"create_indicator", "create_catalyst", "create_api_key", "record_observation_batch"} <= set(
        bodies
    )
    for operation_id, component in bodies.items():
        model = getattr(models, component, None)
        assert model is not None, f"{operation_id}: no model {component} (split into branches?)"
        fields = set(inspect.signature(model).parameters) - {"additional_properties"}
        assert fields == set(document["components"]["schemas"][component]["properties"]), component


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    with served_observatoire(tmp_path_factory.mktemp("generated-client-server")) as served:
        yield served


def _created(response, status: int = 201):
    assert response.status_code == status, response.content
    return response.parsed


def test_typed_models_create_a_catalyst_an_indicator_and_a_batch_of_values(generated, served):
    models = importlib.import_module(f"{PACKAGE}.models")
    client = generated.AuthenticatedClient(base_url=served.url, token=served.staff_key)
    catalyst = _created(
        operation(generated, "catalysts", "create_catalyst").sync_detailed(
            client=client,
            body=models.CatalystCreate(
                name="Maison de l'emploi du Val",
                structure_type=models.StructureType("association"),
                trades=[models.Trade("territorial_dialogue")],
                territory_code="FR-94",
                latitude=48.79,
                longitude=2.46,
                founded_year=2004,
            ),
        )
    )
    alliance = _created(
        operation(generated, "alliances", "create_alliance").sync_detailed(
            client=client,
            body=models.AllianceCreate(
                name="Emploi Val-de-Marne",
                territory_code="FR-94",
                catalyst_ids=[catalyst.id],
                started_on=date(2023, 1, 1),
            ),
        )
    )
    indicator = _created(
        operation(generated, "indicators", "create_indicator").sync_detailed(
            alliance_id=alliance.id,
            client=client,
            body=models.IndicatorCreate(
                code="SAT-01",
                name="Satisfaction des entreprises",
                calculation_method="Note moyenne de l'enquête annuelle, de 1 à 5.",
                axis=models.Axis("trust"),
                measure_type=models.MeasureType("ordinal"),
                scale_min=1.0,
                scale_max=5.0,
                baseline_value=2.0,
                baseline_date=date(2023, 1, 1),
                target_value=4.0,
                target_date=date(2025, 12, 31),
                weight=2.0,
            ),
        )
    )
    result = _created(
        operation(generated, "observations", "record_observation_batch").sync_detailed(
            client=client,
            idempotency_key=str(uuid.uuid4()),
            body=[
                models.BatchObservation(indicator_id=indicator.id, period="2024-Q1", value=3.0),
                models.BatchObservation(
                    indicator_id=indicator.id,
                    period_start=date(2024, 4, 1),
                    period_end=date(2024, 6, 30),
                    value=3.5,
                    status=models.ObservationStatus("provisional"),
                    source="Enquête du 2e trimestre",
                ),
            ],
        ),
        status=200,
    )
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)

    stored = httpx.get(f"{served.url}/v1/indicators/{indicator.id}", headers=served.staff, timeout=30).json()
    assert stored["alliance_id"] == str(alliance.id)
    assert {key: stored[key] for key in ("code", "name", "axis", "measure_type", "weight")} == {
        "code": "SAT-01",
        "name": "Satisfaction des entreprises",
        "axis": "trust",
        "measure_type": "ordinal",
        "weight": 2.0,
    }
    assert (stored["scale_min"], stored["scale_max"]) == (1.0, 5.0)
    assert (stored["baseline_date"], stored["target_date"]) == ("2023-01-01", "2025-12-31")
    stored_catalyst = httpx.get(f"{served.url}/v1/catalysts/{catalyst.id}", headers=served.staff, timeout=30)
    assert (stored_catalyst.json()["latitude"], stored_catalyst.json()["longitude"]) == (48.79, 2.46)
    series = httpx.get(
        f"{served.url}/v1/indicators/{indicator.id}/observations", headers=served.staff, timeout=30
    ).json()["items"]
    assert [(row["period_start"], row["period_end"], row["value"], row["status"]) for row in series] == [
        ("2024-01-01", "2024-03-31", 3.0, "final"),
        ("2024-04-01", "2024-06-30", 3.5, "provisional"),
    ]
    assert series[1]["source"] == "Enquête du 2e trimestre"
