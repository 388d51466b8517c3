"""A server's memory, read from /proc while a benchmark runs (a helper, not a benchmark).

`RssSampler` sums the VmRSS of a process tree (a server and any workers) every 50 ms in a
background thread and keeps the peak per phase; `hwm_mb` reads the kernel's own high-water
mark (VmHWM), which catches a peak that falls between two samples; `rss_mb` reads the current
resident size once.
"""

from __future__ import annotations

import threading
import time

import _common as common

SAMPLE_INTERVAL = 0.05


def status_kb(pid: int, key: str) -> int:
    """A `kB` line of /proc/<pid>/status, 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return 0


def rss_mb(pid: int) -> float:
    """The summed VmRSS of the process tree, now."""
    return sum(status_kb(p, "VmRSS:") for p in common.process_tree(pid)) / 1024


class RssSampler(threading.Thread):
    """Samples the summed VmRSS of a process tree every 50 ms; keeps the peak per phase."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.pid = pid
        self.pids = [pid]
        self.phase = "setup"
        self.peak_kb: dict[str, int] = {}
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        last_scan = 0.0
        while not self._stop_event.is_set():
            now = time.monotonic()
            if now - last_scan > 1.0:  # a full /proc scan costs more than a sample: once a second
                self.pids = common.process_tree(self.pid)
                last_scan = now
            total = sum(status_kb(pid, "VmRSS:") for pid in self.pids)
            phase = self.phase
            self.peak_kb[phase] = max(self.peak_kb.get(phase, 0), total)
            self.samples += 1
            self._stop_event.wait(SAMPLE_INTERVAL)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=2)

    def peak_mb(self, phase: str | None = None) -> float:
        kb = max(self.peak_kb.values(), default=0) if phase is None else self.peak_kb.get(phase, 0)
        return kb / 1024

    def hwm_mb(self) -> float:
        """The largest VmHWM of the tree (the server process itself when it has no children)."""
        return max((status_kb(pid, "VmHWM:") for pid in common.process_tree(self.pid)), default=0) / 1024
