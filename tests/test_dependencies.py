"""What the service imports is installed by `pip install .`, without the test extras."""

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _imported_top_level_modules() -> set[str]:
    modules = set()
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"services"}


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _runtime_closure() -> set[str]:
    """The project's runtime requirements and, recursively, theirs (extras included when asked)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pending = [Requirement(text) for text in project["dependencies"]]
    seen: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = _normalise(requirement.name)
        key = name + "[" + ",".join(sorted(requirement.extras)) + "]"
        if key in seen:
            continue
        seen.add(key)
        seen.add(name)
        for text in metadata.requires(requirement.name) or []:
            child = Requirement(text)
            if child.marker is None or any(
                child.marker.evaluate({"extra": extra}) for extra in (requirement.extras or {""})
            ):
                pending.append(child)
    return seen


def test_every_module_the_service_imports_comes_with_its_runtime_dependencies():
    distributions = metadata.packages_distributions()
    closure = _runtime_closure()
    missing = {
        module: distributions.get(module, ["?"])
        for module in _imported_top_level_modules()
        if not any(_normalise(name) in closure for name in distributions.get(module, []))
    }
    assert missing == {}, f"imported by services/ but not a runtime dependency: {missing}"
