"""The read benchmark's figures: what one load generator run measured, and the report (a helper).

A run is the JSON that bench/_loadgen.py prints for one endpoint on one server in one section
of the benchmark (a number of connections, with or without an aggregation running beside);
the report is a table of runs per section, real server against bare app per endpoint, and the
verdict on each endpoint's goals, judged at 64 connections on an otherwise idle server:

- the snapshot scores (`latest` or a snapshot named by id): at least 0.35 x the bare app's
  throughput, p99 under 50 ms;
- the lists (catalysts, alliances of a territory): at least 0.15 x, p99 under 100 ms.

The other sections (256 connections; 64 during an aggregation) are reported against the same
figures, as indications.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import _common as common

GOAL_CONNECTIONS = 64


@dataclass(frozen=True)
class Goal:
    ratio: float  # real req/s over bare req/s, at least
    p99_ms: float  # the real server's p99, under


SCORES_GOAL = Goal(ratio=0.35, p99_ms=50.0)
LISTS_GOAL = Goal(ratio=0.15, p99_ms=100.0)


@dataclass(frozen=True)
class Section:
    """One pass over every endpoint on both servers."""

    connections: int
    duration: float
    during_aggregation: bool = False

    @property
    def title(self) -> str:
        return f"{self.connections} connections" + (
            ", during an aggregation" if self.during_aggregation else ""
        )

    @property
    def slug(self) -> str:
        """A file-name suffix ('' for the section the goals are judged on)."""
        if self.judged:
            return ""
        return f"-{self.connections}" + ("-aggregation" if self.during_aggregation else "")

    @property
    def judged(self) -> bool:
        return self.connections == GOAL_CONNECTIONS and not self.during_aggregation


# Runs are keyed by (section title, endpoint path, server name), the server "real" or "bare".
RunKey = tuple[str, str, str]


@dataclass
class Run:
    """What bench/_loadgen.py measured (its JSON) for one endpoint on one server, and the
    figures derived from it."""

    path: str
    server: str
    result: dict
    # The share of the measured window during which an aggregation job was running (None: no
    # aggregation in this section).
    aggregation_share: float | None = None

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

    @property
    def window(self) -> tuple[float, float]:
        start, end = self.result["window"]
        return start, end

    def cpu_per_request_ms(self, label: str) -> float:
        """CPU per request of the watched processes (never below 0: a process that exits
        during the run takes its CPU time with it)."""
        requests = self.result["requests"]
        seconds = max(self.result["watched_cpu_seconds"].get(label, 0.0), 0.0)
        return seconds / requests * 1e3 if requests else 0.0

    def cpu_share(self, label: str) -> float:
        """CPU of the watched processes, in share of one core."""
        return max(self.result["watched_cpu_seconds"].get(label, 0.0), 0.0) / self.result["seconds"]

    @property
    def generator_cpu_share(self) -> float:
        return self.result["cpu_seconds"] / self.result["seconds"]

    @property
    def other_cpu_share(self) -> float:
        """Machine CPU not spent by the server, the generator, PostgreSQL or the aggregation
        worker: other work, in share of one core."""
        cpu = self.result["watched_cpu_seconds"]
        other = (
            cpu["machine busy"]
            - cpu["server"]
            - cpu["postgres"]
            - cpu.get("aggregation", 0.0)
            - self.result["cpu_seconds"]
        )
        return other / self.result["seconds"]


def print_runs(section: Section, paths: list[str], runs: dict[RunKey, Run]) -> None:
    headers = [
        "endpoint",
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "ratio",
        "non-200",
        "response bytes",
        "server CPU ms/req",
        "PostgreSQL CPU ms/req",
        "generator CPU",
        "other CPU",
    ]
    if section.during_aggregation:
        headers += ["aggregation running", "worker CPU"]
    lines = []
    for path in paths:
        bare = runs.get((section.title, path, "bare"))
        for server in ("real", "bare"):
            run = runs.get((section.title, path, server))
            if run is None:
                continue
            ratio = f"{run.rate / bare.rate:.3f}" if bare else "-"
            requests = run.result["requests"]
            line = [
                path if server == "real" else "",
                server,
                f"{run.rate:,.0f}",
                f"{run.latency_ms('p50'):.1f}",
                f"{run.latency_ms('p99'):.1f}",
                ratio,
                str(run.failures),
                f"{run.result['bytes'] / requests:,.0f}" if requests else "-",
                f"{run.cpu_per_request_ms('server'):.2f}",
                f"{run.cpu_per_request_ms('postgres'):.2f}",
                f"{run.generator_cpu_share:.0%}",
                f"{run.other_cpu_share:.0%}",
            ]
            if section.during_aggregation:
                share = run.aggregation_share
                line += [f"{share:.0%}" if share is not None else "-", f"{run.cpu_share('aggregation'):.0%}"]
            lines.append(tuple(line))
    common.print_table(tuple(headers), lines)


def print_verdicts(section: Section, goals: dict[str, Goal], runs: dict[RunKey, Run]) -> None:
    """GOAL MET / MISSED for the judged section; the same comparisons as indications for the
    others."""
    for path, goal in goals.items():
        real_run, bare_run = runs.get((section.title, path, "real")), runs.get((section.title, path, "bare"))
        if real_run is None or bare_run is None or not bare_run.rate:
            continue
        ratio = real_run.rate / bare_run.rate
        p99 = real_run.latency_ms("p99")
        valid = "" if not real_run.failures else f" ({real_run.failures} requests failed: run not valid)"
        if section.judged:
            print(
                f"{common.verdict(ratio >= goal.ratio and not real_run.failures)}: {path} "
                f"at {ratio:.3f} x the bare app's throughput, goal >= {goal.ratio}{valid}"
            )
            print(f"{common.verdict(p99 < goal.p99_ms)}: {path} p99 {p99:.1f} ms, goal < {goal.p99_ms:g} ms")
        else:
            met = ratio >= goal.ratio and p99 < goal.p99_ms and not real_run.failures
            print(
                f"  {section.title}: {path} at {ratio:.3f} x, p99 {p99:.1f} ms "
                f"({'within' if met else 'outside'} the goals set at {GOAL_CONNECTIONS} connections: "
                f">= {goal.ratio}, < {goal.p99_ms:g} ms){valid}"
            )


def print_cpu_per_request(section: Section, paths: list[str], runs: dict[RunKey, Run]) -> None:
    # Throughput ratios move with whatever else runs on the machine; CPU per request much less.
    for path in paths:
        real_run, bare_run = runs.get((section.title, path, "real")), runs.get((section.title, path, "bare"))
        if real_run is None or bare_run is None or not real_run.result["requests"]:
            continue
        real_cpu = real_run.cpu_per_request_ms("server") + real_run.cpu_per_request_ms("postgres")
        bare_cpu = bare_run.cpu_per_request_ms("server") + bare_run.cpu_per_request_ms("postgres")
        print(
            f"  CPU per request (server + PostgreSQL), {path}: real {real_cpu:.2f} ms, "
            f"bare {bare_cpu:.2f} ms: bare / real = {bare_cpu / real_cpu:.3f}"
            if real_cpu
            else f"  CPU per request, {path}: none counted for the real server"
        )


def print_report(
    setup: str,
    args: argparse.Namespace,
    sections: list[Section],
    goals: dict[str, Goal],
    runs: dict[RunKey, Run],
) -> None:
    """What was measured (`setup`: the dataset and the servers, in one line), a table of runs
    per section and the verdicts."""
    print()
    print(setup)
    print(
        f"  Keep-alive connections on loopback, {args.warmup:g} s warm-up then the measured seconds "
        "given per section; ratio = real req/s / bare req/s on the same endpoint."
    )
    print(
        "  CPU per request: the server's processes, and the PostgreSQL backends of the database;\n"
        "  generator and other CPU: share of one core used by the load generator and by anything\n"
        "  else on the machine (other work there slows both servers and skews the ratios).\n"
        "  During an aggregation: the share of each measured window during which a job was running\n"
        "  (from the job's start and end times) and the worker's CPU, in share of one core."
    )
    if args.py_spy:
        print("  py-spy was attached to the real server: its figures are slowed, don't use them.")
    paths = list(goals)
    for section in sections:
        if not any(key[0] == section.title for key in runs):
            continue
        print()
        judged = f"goals judged at {GOAL_CONNECTIONS} connections" if section.judged else "indicative"
        print(f"## {section.title}, {section.duration:g} s measured per run ({judged})")
        print()
        print_runs(section, paths, runs)
        print()
        print_verdicts(section, goals, runs)
        print_cpu_per_request(section, paths, runs)
