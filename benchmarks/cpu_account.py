"""Where the CPUs' time went while something ran, on Linux: to this process and its children
(the work being timed), to other processes, or to other guests of a virtual machine's host.

``/proc/stat`` counts, since boot and summed over every CPU, the time spent busy and the time
"stolen" (the hypervisor ran another guest while this one wanted to run); this process's own
rusage, with its children that have ended, is the work being timed. Whatever else was busy is
another process's. Timing targets are for a quiet machine: :class:`CpuAccount` says whether a
run was one. Used by ``benchmarks/run_all.py`` and ``.ci/legs.py`` (``make test``); standard
library only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

try:
    import resource
except ImportError:  # Windows: no rusage, and no /proc/stat either
    resource = None  # type: ignore[assignment]

QUIET_SHARE = 0.10  # other processes plus steal, as a share of the CPUs' time


def proc_stat_seconds(text: str, ticks_per_second: float) -> tuple[float, float]:
    """(busy, stolen) CPU seconds since boot, summed over all CPUs, from the text of
    ``/proc/stat``: its first line is ``cpu user nice system idle iowait irq softirq steal ...``
    in clock ticks. Busy is user + nice + system + irq + softirq (guest time is inside user);
    stolen is the time the hypervisor ran another guest while this one wanted to run."""
    fields = text.splitlines()[0].split()
    if fields[0] != "cpu" or len(fields) < 9:
        raise ValueError(f"not the first line of /proc/stat: {text.splitlines()[0]!r}")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[1:9])
    return (user + nice + system + irq + softirq) / ticks_per_second, steal / ticks_per_second


def own_cpu_seconds() -> float:
    """CPU seconds used by this process and every descendant that has ended and been waited
    for (a kernel, a ``make`` and what it ran)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class CpuAccount:
    """Where the CPUs' time went between ``__init__`` and :meth:`report` (Linux only)."""

    def __init__(self, ours: str = "this run") -> None:
        """``ours``: what this process and its children are, in the report's words."""
        self.ours = ours
        self.ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float, float] | None:
        if resource is None:
            return None
        try:
            text = Path("/proc/stat").read_text(encoding="ascii")
        except OSError:
            return None
        busy, stolen = proc_stat_seconds(text, self.ticks)
        return busy, stolen, own_cpu_seconds(), time.perf_counter()

    def report(self) -> str:
        end = self._sample()
        if self.start is None or end is None:
            return "CPU time: not measured (no /proc/stat on this system)"
        busy, stolen, own, wall = (b - a for a, b in zip(self.start, end, strict=True))
        capacity = wall * (os.cpu_count() or 1)
        others = max(busy - own, 0.0)
        share = (others + stolen) / capacity
        verdict = (
            "quiet"
            if share < QUIET_SHARE
            else "NOT quiet: its times are slower than a quiet machine's"
        )
        return (
            f"CPU time over {wall:.0f} s on {os.cpu_count()} CPUs: {own:.1f} s {self.ours}, "
            f"{others:.1f} s other processes, {stolen:.1f} s stolen by the host: "
            f"{share:.0%} not ours, {verdict}"
        )
