"""The read benchmark's figures: what one load generator run measured, and the report (a helper).

A run is the JSON that bench/_loadgen.py prints for one endpoint on one server; the report is
the table of runs, real server against bare app per endpoint, and the verdict on each goal:
every endpoint at least 0.35 x the bare app's throughput, and p99 under 100 ms.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import _common as common

GOAL_RATIO = 0.35
GOAL_P99_MS = 100.0

# Runs are keyed by (endpoint path, server name), the server being "real" or "bare".
RunKey = tuple[str, str]


@dataclass
class Run:
    """What bench/_loadgen.py measured (its JSON) for one endpoint on one server, and the
    figures derived from it."""

    path: str
    server: str
    result: dict

    @property
    def rate(self) -> float:
        return self.result["requests"] / self.result["seconds"]

    def latency_ms(self, key: str) -> float:
        value = self.result["latency_us"][key]
        return value / 1000 if value is not None else float("nan")

    @property
    def failures(self) -> int:
        statuses = self.result["statuses"]
        return sum(n for code, n in statuses.items() if code != "200") + sum(self.result["errors"].values())

    def cpu_per_request_us(self, label: str) -> float:
        """CPU per request of the watched processes (never below 0: a process that exits
        during the run takes its CPU time with it)."""
        requests = self.result["requests"]
        seconds = max(self.result["watched_cpu_seconds"].get(label, 0.0), 0.0)
        return seconds / requests * 1e6 if requests else 0.0

    @property
    def generator_cpu_share(self) -> float:
        return self.result["cpu_seconds"] / self.result["seconds"]

    @property
    def other_cpu_seconds(self) -> float:
        """Machine CPU not spent by the server, the generator or PostgreSQL: other work."""
        cpu = self.result["watched_cpu_seconds"]
        return cpu["machine busy"] - cpu["server"] - cpu["postgres"] - self.result["cpu_seconds"]


def print_runs(paths: list[str], runs: dict[RunKey, Run]) -> None:
    headers = (
        "endpoint",
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "ratio",
        "non-200",
        "response bytes",
        "server CPU µs/req",
        "PostgreSQL CPU µs/req",
        "generator CPU",
        "other CPU",
    )
    lines = []
    for path in paths:
        bare = runs.get((path, "bare"))
        for server in ("real", "bare"):
            run = runs.get((path, server))
            if run is None:
                continue
            ratio = f"{run.rate / bare.rate:.3f}" if bare else "-"
            requests = run.result["requests"]
            lines.append(
                (
                    path if server == "real" else "",
                    server,
                    f"{run.rate:,.0f}",
                    f"{run.latency_ms('p50'):.1f}",
                    f"{run.latency_ms('p99'):.1f}",
                    ratio,
                    str(run.failures),
                    f"{run.result['bytes'] / requests:,.0f}" if requests else "-",
                    f"{run.cpu_per_request_us('server'):,.0f}",
                    f"{run.cpu_per_request_us('postgres'):,.0f}",
                    f"{run.generator_cpu_share:.0%}",
                    f"{run.other_cpu_seconds / run.result['seconds']:.0%}",
                )
            )
    common.print_table(headers, lines)


def print_report(setup: str, args: argparse.Namespace, paths: list[str], runs: dict[RunKey, Run]) -> None:
    """What was measured (`setup`: the dataset and the servers, in one line), the table of runs
    and the verdict on each goal."""
    print()
    print(setup)
    print(
        f"  {args.connections} keep-alive connections on loopback, {args.warmup:g} s warm-up then "
        f"{args.duration:g} s measured per run; ratio = real req/s / bare req/s on the same endpoint."
    )
    print(
        "  CPU per request: the server's processes, and the PostgreSQL backends of the database;\n"
        "  generator and other CPU: share of one core used by the load generator and by anything\n"
        "  else on the machine (other work there slows both servers and skews the ratios)."
    )
    if args.py_spy:
        print("  py-spy was attached to the real server: its figures are slowed, don't use them.")
    print()
    if runs:
        print_runs(paths, runs)
        print()
    for path in paths:
        real_run, bare_run = runs.get((path, "real")), runs.get((path, "bare"))
        if real_run is None or bare_run is None:
            continue
        ratio = real_run.rate / bare_run.rate
        p99 = real_run.latency_ms("p99")
        valid = "" if not real_run.failures else f" ({real_run.failures} requests failed: run not valid)"
        print(
            f"{common.verdict(ratio >= GOAL_RATIO and not real_run.failures)}: {path} "
            f"at {ratio:.3f} x the bare app's throughput, goal >= {GOAL_RATIO}{valid}"
        )
        print(f"{common.verdict(p99 < GOAL_P99_MS)}: {path} p99 {p99:.1f} ms, goal < {GOAL_P99_MS:g} ms")
    # Throughput ratios move with whatever else runs on the machine; CPU per request much less.
    for path in paths:
        real_run, bare_run = runs.get((path, "real")), runs.get((path, "bare"))
        if real_run is None or bare_run is None or not real_run.result["requests"]:
            continue
        real_cpu = real_run.cpu_per_request_us("server") + real_run.cpu_per_request_us("postgres")
        bare_cpu = bare_run.cpu_per_request_us("server") + bare_run.cpu_per_request_us("postgres")
        print(
            f"CPU per request (server + PostgreSQL), {path}: real {real_cpu:,.0f} µs, "
            f"bare {bare_cpu:,.0f} µs: bare / real = {bare_cpu / real_cpu:.3f}"
        )
