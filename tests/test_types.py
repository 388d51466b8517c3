"""services/ type-checks: mypy with the configuration of pyproject.toml (strict flags for the
scoring and the aggregation) exits 0. Its cache under .mypy_cache keeps a run of an unchanged
tree to a few seconds."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_services_type_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout, result.stdout
