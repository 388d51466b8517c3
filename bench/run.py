"""Run every benchmark of this folder (each `bench/*.py` but this one), one after the other.

Files whose name starts with "_" are helpers, not benchmarks. Each script runs as its own
process with the same interpreter, from the project root. All of them run even when one fails;
the exit code is that of the first script that failed (0 when every script succeeded).
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main() -> int:
    this = Path(__file__).name
    # Files starting with "_" (an __init__.py, shared helpers) are not benchmarks.
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != this and not p.name.startswith("_"))
    if not scripts:
        print("No benchmark found in bench/.")
        return 0
    first_failure = 0
    summary = []
    for script in scripts:
        print(f"=== {script.relative_to(ROOT)} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=ROOT)
        if code < 0:  # killed by a signal: report it as a shell would
            code = 128 - code
        elapsed = time.perf_counter() - started
        summary.append((script.name, code, elapsed))
        if code != 0 and first_failure == 0:
            first_failure = code
        print(flush=True)
    print("=== benchmarks ===")
    for name, code, elapsed in summary:
        print(f"{name}: {'ok' if code == 0 else f'exit code {code}'} ({elapsed:.1f} s)")
    return first_failure


if __name__ == "__main__":
    sys.exit(main())
