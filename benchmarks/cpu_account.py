"""Where the CPUs' time went while something ran, on Linux: to this process and the processes it
started (the work being timed), to other processes, or to other guests of a virtual machine's
host ("steal").

``/proc/stat`` counts, since boot and summed over every CPU, the time spent busy and the time
stolen (the hypervisor ran another guest while this one wanted to run). ``/proc/PID/stat``
counts each process's own CPU time. A watcher thread looks at every process a few times a
second and calls a process *ours* when its parent was ours when it was first seen, so that work
passed down through ``make``, pytest, a kernel or a browser is counted as ours even after its
parent is gone. (Counting by rusage instead misses every descendant that nobody waits for, such
as a killed kernel's children: it called a quiet run "24% not ours".) Whatever the watcher never
saw, processes that lived less than one look, is reported as not attributed.

Timing targets are for a quiet machine: :meth:`CpuAccount.report` says whether a run was one.
Used by ``benchmarks/run_all.py`` and ``.ci/legs.py`` (``make test``); standard library only.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

QUIET_SHARE = 0.10  # other processes plus steal, as a share of the CPUs' time
LOOK_EVERY_S = 0.5
PROC = Path("/proc")

# (pid, start time in clock ticks since boot): a pid can be reused, the pair cannot
Key = tuple[int, int]
# every process now: key -> (parent pid, CPU seconds used so far, user + system)
Processes = dict[Key, tuple[int, float]]


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


def process_stat(text: str, ticks_per_second: float) -> tuple[int, int, float]:
    """(parent pid, start time in ticks, CPU seconds) from the text of ``/proc/PID/stat``:
    ``pid (comm) state ppid ...``, where comm may hold spaces and parentheses, utime and stime
    are the 14th and 15th fields and starttime the 22nd."""
    fields = text[text.rindex(")") + 2 :].split()
    ppid, utime, stime, start = int(fields[1]), int(fields[11]), int(fields[12]), int(fields[19])
    return ppid, start, (utime + stime) / ticks_per_second


def read_processes(proc: Path = PROC, ticks_per_second: float = 100.0) -> Processes:
    """Every process in ``proc`` (``/proc``) now; one that ends while being read is left out."""
    found: Processes = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid, start, cpu = process_stat(
                (entry / "stat").read_text(encoding="ascii", errors="replace"), ticks_per_second
            )
        except (OSError, ValueError, IndexError):
            continue
        found[(int(entry.name), start)] = (ppid, cpu)
    return found


class CpuAccount:
    """Where the CPUs' time went from ``__init__`` to :meth:`report` (Linux only).

    ``ours`` names this process and what it starts, in the report's words. ``processes`` and
    ``stat`` read the system, ``pid`` is this process and ``clock`` the wall clock (tests pass
    their own); ``watch=False`` starts no thread, and :meth:`look` is then called by hand.
    """

    def __init__(
        self,
        ours: str = "this run",
        *,
        processes: Callable[[], Processes] | None = None,
        stat: Callable[[], tuple[float, float]] | None = None,
        watch: bool = True,
        pid: int | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.ours = ours
        self._clock = clock
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.available = processes is not None or (PROC / "stat").is_file()
        self._processes = processes or (lambda: read_processes(PROC, ticks))
        self._stat = stat or (
            lambda: proc_stat_seconds((PROC / "stat").read_text(encoding="ascii"), ticks)
        )
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        if not self.available:
            return
        now = self._processes()
        me = os.getpid() if pid is None else pid
        self._before = {key: cpu for key, (_, cpu) in now.items()}  # spent before we started
        self._latest = dict(self._before)
        self._mine = {key for key in now if key[0] == me}
        self._start = (*self._stat(), self._clock())
        if watch:
            self._thread = threading.Thread(target=self._watch, name="cpu-account", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(LOOK_EVERY_S):
            self.look()

    def look(self) -> None:
        """Read every process once: a process not seen before is ours if its parent is."""
        now = self._processes()
        by_pid = {key[0]: key for key in now}
        with self._lock:
            for key in sorted(now, key=lambda k: k[1]):  # parents start before their children
                ppid, cpu = now[key]
                if key not in self._latest and by_pid.get(ppid) in self._mine:
                    self._mine.add(key)
                self._latest[key] = cpu

    def report(self) -> str:
        """One line: CPU seconds that were ours, other processes', stolen and not attributed,
        and whether the run was quiet."""
        if not self.available:
            return "CPU time: not measured (no /proc on this system)"
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        self.look()
        busy, stolen, wall = (
            b - a for a, b in zip(self._start, (*self._stat(), self._clock()), strict=True)
        )
        with self._lock:
            spent = {key: cpu - self._before.get(key, 0.0) for key, cpu in self._latest.items()}
            ours = sum(t for key, t in spent.items() if key in self._mine)
            others = sum(t for key, t in spent.items() if key not in self._mine)
        unseen = max(busy - ours - others, 0.0)
        cpus = os.cpu_count() or 1
        share = (others + stolen) / (max(wall, 1e-9) * cpus)
        verdict = (
            "quiet"
            if share < QUIET_SHARE
            else "NOT quiet: its times are slower than a quiet machine's"
        )
        return (
            f"CPU time over {wall:.0f} s on {cpus} CPUs: {ours:.1f} s {self.ours}, {others:.1f} s "
            f"other processes, {stolen:.1f} s stolen by the host, {unseen:.1f} s not attributed "
            f"(processes too short-lived to see): {share:.0%} not ours, {verdict}"
        )
