"""The layout the README describes holds: the domain (services.core) imports neither the API nor
the worker, directly or through a chain of imports (the contract in pyproject.toml, checked by
import-linter's `lint-imports`)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
# The `lint-imports` script installed beside this interpreter (the project's virtualenv).
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, *, python_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(LINT_IMPORTS.parent), "PYTHONIOENCODING": "utf-8"}
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(PYPROJECT)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_domain_imports_neither_the_api_nor_the_worker() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_breaks_when_a_domain_module_reaches_the_worker_through_another_module(
    tmp_path: Path,
) -> None:
    # A project of the same shape where services.core.leak imports services.cli, which imports
    # the worker: the contract of pyproject.toml must see through the intermediate module.
    modules = {
        "services/__init__.py": "",
        "services/cli.py": "import services.worker.tasks\n",
        "services/api/__init__.py": "",
        "services/worker/__init__.py": "",
        "services/worker/tasks.py": "",
        "services/core/__init__.py": "",
        "services/core/leak.py": "import services.cli\n",
    }
    for name, text in modules.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    result = lint_imports(tmp_path, python_path=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert "services.core.leak -> services.cli" in result.stdout, result.stdout
