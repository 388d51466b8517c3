"""A minimal closed-loop HTTP/1.1 load generator (a helper of bench/read.py, not a benchmark).

N keep-alive connections each send one GET, wait for the complete response, and send the next
one at once (like wrk). It is written on asyncio protocols, with uvloop when it is installed,
and parses only what it needs (the status line, Content-Length or chunked framing), so that
one process drives a few thousand requests per second for a small share of one core: the
same generator is used for every server, so the ratios compare like with like.

    python bench/_loadgen.py --port 8000 --path '/v1/catalysts?limit=50' \
        --header 'Authorization: Bearer obs_...' --connections 64 --warmup 2 --duration 10

Prints one JSON object on stdout: the measured window (its wall-clock start and end), the
requests and bytes counted in it (responses completed within it), their latencies in
microseconds (percentiles), statuses, errors, and the CPU time spent during the window by this
process, by the process trees given with `--watch LABEL=PID` (a server and its workers), by the
processes whose command line holds TEXT with `--watch-cmdline LABEL=TEXT` (e.g. the PostgreSQL
backends of one database: their process title names it) and by the whole machine (/proc/stat).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time

import _common as common

perf_ns = time.perf_counter_ns

WARMUP, MEASURE, STOPPING = 0, 1, 2


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user time
    return total - idle, total


def cpu_sample(trees: dict[str, int], commands: dict[str, str]) -> dict[str, float]:
    """CPU seconds used so far by each watched tree and command line, and by the machine.

    A process that exits takes its CPU time with it: short-lived processes are undercounted."""
    stats = common.process_stats()
    ticks = {pid: int(fields[11]) + int(fields[12]) for pid, fields in stats.items()}
    children = common.children_by_parent(stats)
    sample = {}
    for label, root in trees.items():
        sample[label] = sum(ticks.get(pid, 0) for pid in common.process_tree(root, children)) / CLOCK_TICKS
    command_lines = {pid: _command_line(pid) for pid in stats} if commands else {}
    for label, text in commands.items():
        total = sum(ticks[pid] for pid, command in command_lines.items() if text in command)
        sample[label] = total / CLOCK_TICKS
    busy, total = _machine_ticks()
    sample["machine busy"] = busy / CLOCK_TICKS
    sample["machine total"] = total / CLOCK_TICKS
    return sample


class State:
    def __init__(self, expected_status: int) -> None:
        self.phase = WARMUP
        self.expected_status = expected_status
        self.latencies: list[int] = []  # ns, responses completed in the measured window
        self.bytes = 0
        self.statuses: dict[int, int] = {}
        self.errors: dict[str, int] = {}
        self.warmup_requests = 0
        self.open = 0
        self.all_closed: asyncio.Future | None = None

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Connection(asyncio.Protocol):
    """One keep-alive connection: a request, its response, the next request."""

    def __init__(self, state: State, request: bytes, reconnect) -> None:
        self.state = state
        self.request = request
        self.reconnect = reconnect
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.started = 0
        self.body_end = -1  # offset of the end of the response in the buffer, when known
        self.chunked = False
        self.status = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.state.open += 1
        self.send()

    def send(self) -> None:
        self.buffer.clear()
        self.body_end = -1
        self.chunked = False
        self.started = perf_ns()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if self.body_end < 0:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = bytes(buffer[:head_end]).lower()
            self.status = int(head[9:12])
            position = head.find(b"\r\ncontent-length:")
            if position >= 0:
                end = head.find(b"\r\n", position + 2)
                length = int(head[position + 17 : end if end >= 0 else len(head)])
                self.body_end = head_end + 4 + length
            elif b"\r\ntransfer-encoding: chunked" in head:
                self.chunked = True
                self.body_end = head_end + 4
            else:  # no framing: the server closes the connection at the end (not expected here)
                self.state.error("unframed response")
                self.transport.close()
                return
        if self.chunked:
            if not self._chunked_complete():
                return
        elif len(buffer) < self.body_end:
            return
        self.completed()

    def _chunked_complete(self) -> bool:
        buffer, position = self.buffer, self.body_end
        while True:
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                return False
            size = int(bytes(buffer[position:line_end]).split(b";")[0], 16)
            if size == 0:  # the last chunk, then an empty line (no trailers expected)
                return len(buffer) >= line_end + 4
            position = line_end + 2 + size + 2
            if len(buffer) < position:
                return False

    def completed(self) -> None:
        state = self.state
        now = perf_ns()
        if state.phase == MEASURE:
            state.latencies.append(now - self.started)
            state.bytes += len(self.buffer)
            state.statuses[self.status] = state.statuses.get(self.status, 0) + 1
        elif state.phase == WARMUP:
            state.warmup_requests += 1
            if self.status != state.expected_status:
                state.statuses[self.status] = state.statuses.get(self.status, 0) + 1
        if state.phase == STOPPING:
            self.transport.close()
        else:
            self.send()

    def connection_lost(self, exc) -> None:
        state = self.state
        state.open -= 1
        if state.phase != STOPPING:
            state.error("connection closed by the server")
            self.reconnect()
        elif state.open == 0 and state.all_closed is not None and not state.all_closed.done():
            state.all_closed.set_result(None)


async def run(args: argparse.Namespace) -> dict:
    loop = asyncio.get_running_loop()
    state = State(args.expected_status)
    lines = [f"GET {args.path} HTTP/1.1", f"Host: {args.host}:{args.port}", "Accept: */*"]
    lines += args.header
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    transports: list[asyncio.Transport] = []

    async def connect() -> None:
        try:
            transport, _ = await loop.create_connection(
                lambda: Connection(state, request, reconnect), args.host, args.port
            )
        except OSError:
            state.error("connect failed")
            return
        transports.append(transport)

    def reconnect() -> None:
        background.add(loop.create_task(connect()))

    background: set[asyncio.Task] = set()
    await asyncio.gather(*(connect() for _ in range(args.connections)))
    if not transports:
        raise SystemExit(f"could not connect to {args.host}:{args.port}")
    trees = dict(item.split("=", 1) for item in args.watch)
    trees = {label: int(pid) for label, pid in trees.items()}
    commands = dict(item.split("=", 1) for item in args.watch_cmdline)
    await asyncio.sleep(args.warmup)
    cpu_before = cpu_sample(trees, commands)
    state.phase = MEASURE
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    window_started = time.time()
    started = perf_ns()
    await asyncio.sleep(args.duration)
    state.all_closed = loop.create_future()
    state.phase = STOPPING
    elapsed = (perf_ns() - started) / 1e9
    window_ended = time.time()
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_after = cpu_sample(trees, commands)
    if state.open:
        # Each connection closes once its request in flight is answered.
        try:
            await asyncio.wait_for(state.all_closed, timeout=10)
        except TimeoutError:
            for transport in transports:
                transport.abort()
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    latencies = sorted(state.latencies)

    def percentile(fraction: float) -> float | None:
        if not latencies:
            return None
        index = min(len(latencies) - 1, max(0, round(fraction * len(latencies)) - 1))
        return latencies[index] / 1000

    return {
        "path": args.path,
        "connections": args.connections,
        "seconds": elapsed,
        # The measured window in wall-clock time (Unix seconds): to tell what else ran during it.
        "window": [window_started, window_ended],
        "requests": len(latencies),
        "warmup_requests": state.warmup_requests,
        "bytes": state.bytes,
        "statuses": {str(code): count for code, count in sorted(state.statuses.items())},
        "errors": state.errors,
        "latency_us": {
            "p50": percentile(0.50),
            "p90": percentile(0.90),
            "p99": percentile(0.99),
            "max": latencies[-1] / 1000 if latencies else None,
            "mean": sum(latencies) / len(latencies) / 1000 if latencies else None,
        },
        "cpu_seconds": cpu,
        "watched_cpu_seconds": {label: cpu_after[label] - cpu_before[label] for label in cpu_after},
        "uvloop": type(loop).__module__.startswith("uvloop"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured")
    parser.add_argument("--expected-status", type=int, default=200)
    parser.add_argument("--watch", action="append", default=[], help="LABEL=PID: a process tree")
    parser.add_argument(
        "--watch-cmdline", action="append", default=[], help="LABEL=TEXT: processes, by command line"
    )
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(args))
    else:
        result = uvloop.run(run(args))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
