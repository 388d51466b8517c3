"""Where the time goes, from py-spy's collapsed stacks (a helper of bench/read.py, also a command).

    .venv/bin/python bench/_profile_summary.py /tmp/prof/scores-latest.txt [--top 10]

A collapsed file (`py-spy record --format raw`, as `--py-spy DIR` writes) holds one line per
distinct stack, `frame;frame;...;frame COUNT`, the outermost frame first; with `--subprocesses`
the stack starts with the processes (`process PID:"command line"`), the server's master and
then the worker. Only the samples of the processes that serve requests are kept: those with a
stack through uvicorn's `Server.run` (the workers; the server itself with one process), not the
master that supervises them or multiprocessing's resource tracker. Then, per function (line
numbers dropped, so that a function is one entry whatever line it was on):

- by inclusive share: the share of the samples in which the function is on the stack, itself or
  below it; the processes' entry points and the event loop's runner (multiprocessing, asyncio's
  runner, uvicorn's server and supervisors), on every stack that has them, are left out, and so
  are the frames that pass 95 % of their samples on to one callee (a chain of middlewares shows
  as its last link, where the time splits);
- by self share: the share of the samples in which it is the innermost frame, where the CPU was;
- by package: the self shares summed per package (`sqlalchemy`, `asyncpg`, `starlette`, ...;
  the project's code per package of `services`).
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

# "handle (services/api/pages.py:42)" -> "handle (services/api/pages.py)"
_LINE_NUMBER = re.compile(r":\d+\)$")
# The processes at the start of a stack (their command lines may hold ";").
_PROCESSES = re.compile(r'^(?:process \d+:"[^"]*";)+')
_LAST_PROCESS = re.compile(r'process (\d+):"[^"]*";$')
_FILE = re.compile(r"\(([^()]*)\)$")
# A serving process runs uvicorn's server loop.
SERVING_FRAME = "(uvicorn/server.py"
# Entry points and the event loop's runner: on every stack of a serving process that has them.
ENTRY_POINT_FILES = (
    "<string>",
    "multiprocessing/",
    "asyncio/runners.py",
    "uvicorn/server.py",
    "uvicorn/_compat.py",
    "uvicorn/_subprocess.py",
    "uvicorn/supervisors/",
    "uvicorn/main.py",
    "typer/",
    "click/",
    "services/cli.py",
    "observatoire",
)


# A frame whose one callee holds this share of its samples passes the time on: a middleware
# calling the next one, a wrapper. Left out of the inclusive ranking, where its callee stands.
PASS_THROUGH_SHARE = 0.95


@dataclass
class Summary:
    samples: int
    inclusive: Counter
    exclusive: Counter
    # For each function, the samples of each function it called directly.
    callees: dict[str, Counter]

    def passes_through(self, frame: str) -> bool:
        callees = self.callees.get(frame)
        if not callees:
            return False
        return callees.most_common(1)[0][1] >= PASS_THROUGH_SHARE * self.inclusive[frame]

    def inclusive_share(self, frame: str) -> float:
        return self.inclusive[frame] / self.samples if self.samples else 0.0

    def top_inclusive(self, count: int) -> tuple[list[tuple[str, float]], int]:
        """The `count` functions with the largest inclusive share, entry points and
        pass-through frames left out; how many pass-through frames were."""
        ranked, passed = [], 0
        for frame, n in self.inclusive.most_common():
            if file_of(frame).startswith(ENTRY_POINT_FILES):
                continue
            if self.passes_through(frame):
                passed += 1
                continue
            ranked.append((frame, n / self.samples))
        return ranked[:count], passed

    def top_exclusive(self, count: int) -> list[tuple[str, float]]:
        return [(f, n / self.samples) for f, n in self.exclusive.most_common(count)]

    def by_package(self, count: int) -> list[tuple[str, float]]:
        packages: Counter = Counter()
        for frame, n in self.exclusive.items():
            packages[package_of(file_of(frame))] += n
        return [(p, n / self.samples) for p, n in packages.most_common(count)]


def frame_name(frame: str) -> str:
    return _LINE_NUMBER.sub(")", frame.strip())


def file_of(frame: str) -> str:
    found = _FILE.search(frame)
    return found.group(1) if found else frame


def package_of(path: str) -> str:
    """`sqlalchemy/orm/session.py` -> `sqlalchemy`; `services/api/pages.py` -> `services/api`;
    `threading.py` -> `threading`."""
    parts = path.split("/")
    if parts[0] == "services" and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0].removesuffix(".py")


def parse(line: str) -> tuple[str, list[str], int] | None:
    """(the innermost process's id, '' without one; the frames; the count) of a line."""
    stack, _, count_text = line.rstrip("\n").rpartition(" ")
    if not stack or not count_text.isdigit():
        return None
    processes = _PROCESSES.match(stack)
    pid = ""
    if processes:
        last = _LAST_PROCESS.search(processes.group(0))
        pid = last.group(1) if last else ""
        stack = stack[processes.end() :]
    frames = [frame_name(f) for f in stack.split(";") if f]
    return (pid, frames, int(count_text)) if frames else None


def summarise(lines) -> Summary:
    """The inclusive and self sample counts of each function of the serving processes."""
    parsed = [entry for entry in map(parse, lines) if entry is not None]
    serving = {pid for pid, frames, _ in parsed if any(SERVING_FRAME in f for f in frames)}
    samples = 0
    inclusive: Counter = Counter()
    exclusive: Counter = Counter()
    callees: dict[str, Counter] = defaultdict(Counter)
    for pid, frames, count in parsed:
        if pid not in serving:
            continue
        samples += count
        for frame in set(frames):  # a recursive function counts once per sample
            inclusive[frame] += count
        seen = set()
        for caller, callee in itertools.pairwise(frames):
            if caller not in seen:
                seen.add(caller)
                callees[caller][callee] += count
        exclusive[frames[-1]] += count
    return Summary(samples, inclusive, exclusive, dict(callees))


def print_summary(path: Path, summary: Summary, top: int) -> None:
    print(f"{path}: {summary.samples:,} samples of the serving processes")
    if not summary.samples:
        return
    ranked, passed = summary.top_inclusive(top)
    print(
        "  by inclusive share (the function and what it calls; entry points, event loop and "
        f"{passed} frames passing their time on to one callee left out):"
    )
    for frame, share in ranked:
        print(f"    {share:6.1%}  {frame}")
    print("  by self share (the innermost frame):")
    for frame, share in summary.top_exclusive(top):
        print(f"    {share:6.1%}  {frame}")
    print("  by package (self shares summed):")
    print("    " + ", ".join(f"{package} {share:.0%}" for package, share in summary.by_package(top)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+", help="collapsed stacks (py-spy --format raw)")
    parser.add_argument("--top", type=int, default=10, help="functions listed per ranking")
    args = parser.parse_args()
    for path in args.files:
        with open(path, errors="replace") as stacks:
            print_summary(path, summarise(stacks), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
