"""benchmarks/cpu_account.py, the account of where the CPUs' time went that run_all.py and
.ci/legs.py print: the time targets of issue 23 are for a quiet machine, and a run must say
when it was not quiet, without calling its own descendants someone else's."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "cpu_account", ROOT / "benchmarks" / "cpu_account.py"
)
cpu_account = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cpu_account)

STAT = """cpu  686506 5270 127877 382951 4552 0 2438 4839 0 0
cpu0 336258 2533 63841 191155 532 0 400 2406 0 0
"""


def _pid_stat(pid, comm, ppid, utime, stime, start):
    rest = ["S", ppid, 0, 0, 0, -1, 0, 0, 0, 0, 0, utime, stime, 0, 0, 20, 0, 1, 0, start, 0]
    return f"{pid} ({comm}) " + " ".join(str(f) for f in rest)


def test_proc_stat_seconds_reads_busy_and_stolen_ticks():
    busy, stolen = cpu_account.proc_stat_seconds(STAT, 100)
    assert busy == pytest.approx((686506 + 5270 + 127877 + 0 + 2438) / 100)
    assert stolen == pytest.approx(48.39)


def test_proc_stat_seconds_refuses_another_file():
    with pytest.raises(ValueError, match="not the first line of /proc/stat"):
        cpu_account.proc_stat_seconds("intr 1 2 3\n", 100)


def test_process_stat_reads_a_name_with_spaces_and_parentheses():
    text = _pid_stat(4321, "python (worker) 2", ppid=17, utime=250, stime=50, start=9000)
    assert cpu_account.process_stat(text, 100) == (17, 9000, 3.0)


def test_read_processes_skips_what_is_not_a_process(tmp_path):
    (tmp_path / "12").mkdir()
    (tmp_path / "12" / "stat").write_text(_pid_stat(12, "make", 1, 100, 0, 500))
    (tmp_path / "13").mkdir()  # ended while being read: no stat file
    (tmp_path / "self").mkdir()
    (tmp_path / "stat").write_text(STAT)
    assert cpu_account.read_processes(tmp_path, 100) == {(12, 500): (1, 1.0)}


class Scripted:
    """Process tables and /proc/stat readings handed out in order, and a clock."""

    def __init__(self, tables, stats, times):
        self.tables, self.stats, self.times = list(tables), list(stats), list(times)

    def processes(self):
        return self.tables.pop(0)

    def stat(self):
        return self.stats.pop(0)

    def clock(self):
        return self.times.pop(0)


def _account(scripted):
    return cpu_account.CpuAccount(
        "the work",
        processes=scripted.processes,
        stat=scripted.stat,
        clock=scripted.clock,
        watch=False,
        pid=100,
    )


def test_descendants_count_as_ours_even_after_their_parent_is_gone(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    me, child, grandchild = (100, 1), (101, 5), (102, 6)
    neighbour, newcomer = (50, 0), (200, 7)
    scripted = Scripted(
        tables=[
            {me: (1, 1.0), neighbour: (1, 10.0)},  # at the start
            {me: (1, 3.0), child: (100, 2.0), grandchild: (101, 1.0), neighbour: (1, 10.0)},
            # the child ended; the grandchild was handed to init; someone else started work
            {me: (1, 3.0), grandchild: (1, 4.0), neighbour: (1, 12.0), newcomer: (1, 1.5)},
        ],
        stats=[(0.0, 0.0), (12.0, 0.5)],
        times=[0.0, 10.0],
    )
    account = _account(scripted)
    account.look()
    line = account.report()
    assert "8.0 s the work" in line  # 2 of mine, 2 of the child's, 4 of the grandchild's
    assert "3.5 s other processes" in line  # the neighbour's 2 and the newcomer's 1.5
    assert "0.5 s stolen by the host" in line and "0.5 s not attributed" in line
    assert "20% not ours, NOT quiet" in line


def test_a_run_with_the_cpus_to_itself_is_quiet(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    me, child = (100, 1), (101, 5)
    scripted = Scripted(
        tables=[{me: (1, 0.0)}, {me: (1, 1.0), child: (100, 17.0), (2, 0): (0, 0.2)}],
        stats=[(0.0, 0.0), (18.3, 0.1)],
        times=[0.0, 10.0],
    )
    line = _account(scripted).report()
    assert "18.0 s the work, 0.2 s other processes" in line
    assert line.endswith("2% not ours, quiet")


@pytest.mark.skipif(not Path("/proc/stat").is_file(), reason="no /proc/stat (not Linux)")
def test_the_account_sees_a_child_of_this_process_as_ours():
    import subprocess
    import sys

    # The child burns 0.5 s of CPU, says so, then waits: it is alive when the account takes its
    # last look, so none of its time can fall between two looks, however busy the machine.
    burn = (
        "import sys, time\nt = time.process_time()\n"
        "while time.process_time() - t < 0.5: pass\nprint('done', flush=True)\nsys.stdin.read()"
    )
    account = cpu_account.CpuAccount("this test")
    child = subprocess.Popen(
        [sys.executable, "-c", burn], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "done"
        line = account.report()
    finally:
        child.communicate("")
    ours = float(line.split(" s this test")[0].rsplit(" ", 1)[1])
    assert ours >= 0.5, line
