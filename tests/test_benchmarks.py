"""benchmarks/cpu_account.py, the account of where the CPUs' time went that run_all.py and
.ci/legs.py print: the time targets of issue 23 are for a quiet machine, and a run must say
when it was not quiet."""

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


def test_proc_stat_seconds_reads_busy_and_stolen_ticks():
    busy, stolen = cpu_account.proc_stat_seconds(STAT, 100)
    assert busy == pytest.approx((686506 + 5270 + 127877 + 0 + 2438) / 100)
    assert stolen == pytest.approx(48.39)


def test_proc_stat_seconds_refuses_another_file():
    with pytest.raises(ValueError, match="not the first line of /proc/stat"):
        cpu_account.proc_stat_seconds("intr 1 2 3\n", 100)


def _account(start, end, monkeypatch):
    account = cpu_account.CpuAccount("the work")
    account.start = start
    monkeypatch.setattr(account, "_sample", lambda: end)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    return account.report()


def test_a_run_with_the_cpus_to_itself_is_quiet(monkeypatch):
    # 10 s of wall time on 2 CPUs; 12 s busy, 11.5 of them ours; nothing stolen
    line = _account((100.0, 4.0, 1.0, 0.0), (112.0, 4.0, 12.5, 10.0), monkeypatch)
    assert "11.5 s the work" in line and "0.5 s other processes" in line
    assert line.endswith("quiet") and "NOT" not in line


def test_a_run_beside_other_work_or_a_busy_host_is_not_quiet(monkeypatch):
    # other processes took 3 s and the host stole 2 s of the 20 s the 2 CPUs had
    line = _account((100.0, 4.0, 1.0, 0.0), (114.0, 6.0, 12.0, 10.0), monkeypatch)
    assert "3.0 s other processes" in line and "2.0 s stolen by the host" in line
    assert "25% not ours, NOT quiet" in line


@pytest.mark.skipif(not Path("/proc/stat").is_file(), reason="no /proc/stat (not Linux)")
def test_the_account_reads_this_machine():
    line = cpu_account.CpuAccount().report()
    assert line.startswith("CPU time over") and "stolen by the host" in line
