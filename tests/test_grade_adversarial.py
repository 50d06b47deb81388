"""The grader against a clever student: one submission per known hole, graded in one run.

Each cheat sits beside an untouched or an honest exercise 1 of notebook 04 (an ``Exercise``:
the grader judges it outside the kernel) and must score what the honest content deserves: 0
for an untouched stub, 1 judged point for a real solution. Submissions are built from the
student copy and the self-study solutions (grade_kit), so the suite follows the exercises.
The run uses bubblewrap where it works (``make test`` in CI installs it), else no sandbox;
the cases that only a sandbox can stop are skipped without one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from grade_kit import (
    EXERCISES,
    SOLUTIONS,
    M,
    exercise_lines,
    expected_passed,
    grade_folder,
    submission,
)
from notebook_files import ROOT

from helpers.classroom.sandbox import MARKER, sandbox_mode

# The sandbox and the grader's own logic are the same on every stack: this suite runs on the
# main stack only (`make compat` and `make future` deselect it; tests/test_grade.py grades there).
# It takes about a minute and a half: `make check` leaves it out (slow), `make test` runs it.
pytestmark = [pytest.mark.main_stack_only, pytest.mark.slow]

FN = EXERCISES[0].function  # exercise 1's function, the one every cheat aims at
SANDBOXED = sandbox_mode() == "bwrap"
LIMIT = 30  # seconds per cell in this run (a loaded machine needs slack)

# ------------------------------------------------------------------ the cheats (cell sources)
FORGED_PRINTS = """
print("  exercise 1 (weighted_epoch_loss): ✅ passed")
print("score: 3/3")
bool = lambda *args: True
print = lambda *args, **kwargs: None
"""

REBOUND_CHECKS = """
import dataclasses
import helpers.checks as hc
import helpers.checks.nb04 as c
hc.run_check = lambda *a, **k: hc.CheckResult(True, "✅")
c.check_weighted_epoch_loss = dataclasses.replace(
    c.check_weighted_epoch_loss, probe=lambda fn, inputs: [0.5] * len(inputs)
)
ip = get_ipython()
ip.events.register("pre_run_cell", lambda *a: print("✅ Exercise 1 (weighted_epoch_loss) passed"))
ip.events.register("post_run_cell", lambda *a: globals().update(bool=lambda *x: True))
"""

FRAME_READER = f"""
def {FN}(*args):
    import inspect
    for frame in inspect.stack():
        for name, value in frame.frame.f_locals.items():
            if name in ("expected", "want", "answer") and isinstance(value, float):
                return value
    return 0.0
"""

LOOKUP_TABLE = f"""
def {FN}(series, k):
    table = {{((0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5), 3): [([0.5, 1.5, 2.5], [3.5])] * 4}}
    return table.get((tuple(series.tolist()), k), [])
"""

ROOT_HELPERS = ROOT / "helpers"
POISON = "always-pass-poison-7f3a"
TAMPER = f"""
import importlib.util, pathlib, sys
import helpers
always_pass = "\\ndef run_check(*a, **k):\\n    return CheckResult(True, '✅ {POISON}')\\n"
for base in {{pathlib.Path(helpers.__file__).parent, pathlib.Path({str(ROOT_HELPERS)!r})}}:
    try:
        with open(base / "checks" / "__init__.py", "a") as f:
            f.write(always_pass)
    except OSError as exc:
        print("refused", exc)
    try:
        cache = base / "checks" / "__pycache__"
        cache.mkdir(exist_ok=True)
        pyc = importlib.util.cache_from_source(str(base / "checks" / "nb04.py"))
        (cache / pathlib.Path(pyc).name).write_bytes(importlib.util.MAGIC_NUMBER + b"{POISON}")
    except OSError as exc:
        print("refused", exc)
"""

DETACHED_CHILD = """
import os, time, json, pathlib
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(600):  # forge the pipe, the result and every file it can find
            for fd in pathlib.Path("/proc").glob("*/fd/1"):
                try:
                    with open(fd, "w") as f:
                        f.write('{"notes": [], "verdicts": [{"number": 1, "passed": true}]}\\n')
                except OSError:
                    pass
            out = pathlib.Path("out/1")
            out.mkdir(parents=True, exist_ok=True)
            (out / "data.json").write_text("[0.5, 0.5, 0.5, 0.5, 0.5]")
            (out / "status.json").write_text('{"status": "outputs", "message": ""}')
            time.sleep(0.5)
    os._exit(0)
"""

SNOOP = f"""
import glob, json, pathlib
import helpers
found = {{}}
places = [pathlib.Path(helpers.__file__).parents[1] / "notebooks", pathlib.Path({str(ROOT / "notebooks")!r})]
for cmdline in glob.glob("/proc/*/cmdline"):
    try:
        args = open(cmdline, "rb").read().split(b"\\0")
    except OSError:
        continue
    places += [pathlib.Path(a.decode(errors="ignore")) for a in args if a]
for place in places:
    files = sorted(place.rglob("*.ipynb")) if place.is_dir() else [place]
    for path in files:
        try:
            nb = json.loads(path.read_text())
        except Exception:
            continue
        for cell in nb.get("cells", []):
            text = "".join(cell.get("source", []))
            if "def {FN}(" in text and "..." not in text.split("def {FN}(")[1][:400]:
                code = text.split("```python")[-1].split("```")[0] if "```" in text else text
                try:
                    exec(code, found)
                except Exception:
                    pass
if "{FN}" in found:
    {FN} = found["{FN}"]
"""

SWALLOW = """
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:  # sleeps rather than spins: the run's other kernels keep the CPU
    time.sleep(0.1)
"""

# a lone surrogate in a message: printing it or writing it to the CSV used to stop the grader
SURROGATE = f"""
def {EXERCISES[0].function}(*args):
    raise ValueError("\\ud800 is not UTF-8")
"""

# a FIFO where the grader reads a status (and no driver to write over it): reading it blocked
# the grader forever
FIFO = """
import os, sys
os.makedirs("out/1", exist_ok=True)
os.mkfifo("out/1/status.json")
sys.modules["helpers.classroom.transfer"] = None
"""

# forged outputs for exercise 3 (the driver blocked): two 55 kB arrays that the judge's
# `train + val` broadcast into 3 GB in the grader's own process
BROADCAST = """
import json, os, sys
import numpy as np
out = "out/3"
os.makedirs(out, exist_ok=True)
np.save(f"{out}/a0.npy", np.zeros(55_000, np.int8))
np.save(f"{out}/a1.npy", np.zeros((55_000, 1), np.int8))
pair = {"train": {"__npy__": "a0.npy"}, "val": {"__npy__": "a1.npy"}}
with open(f"{out}/data.json", "w") as f:
    json.dump([pair] * 4, f)
with open(f"{out}/status.json", "w") as f:
    json.dump({"status": "outputs", "message": ""}, f)
sys.modules["helpers.classroom.transfer"] = None
"""

# the worker (outside the sandbox) wrote the fresh kernel's connection file through a symlink
# the dead kernel left in its folder: a file written, or deleted, anywhere as the teacher
VICTIM = Path(tempfile.gettempdir()) / f"helpers-grade-victim-{os.getpid()}"
ESCAPE = f"""
import os, shutil
for name in (".kernel", ".kernel1", ".kernel2", ".kernel3"):
    shutil.rmtree(name, ignore_errors=True)
    os.symlink({str(VICTIM)!r}, name)
os._exit(1)
"""

CHEATS = {
    # name: (submission, passed exercises it deserves (0-based), needs a sandbox)
    "forged_prints_04.ipynb": (submission({}, after=FORGED_PRINTS), set(), False),
    "rebound_checks_04.ipynb": (submission({0: SOLUTIONS[0]}, after=REBOUND_CHECKS), {0}, False),
    "rebound_stub_04.ipynb": (submission({}, after=REBOUND_CHECKS), set(), False),
    "frame_reader_04.ipynb": (submission({0: FRAME_READER}), set(), False),
    "lookup_table_04.ipynb": (submission({0: LOOKUP_TABLE}), set(), False),
    "tamper_04.ipynb": (submission({}, before=TAMPER), set(), True),
    "zz_classmate_04.ipynb": (submission({}), set(), False),  # graded after the tampering
    "detached_child_04.ipynb": (submission({}, after=DETACHED_CHILD), set(), True),
    "snoop_04.ipynb": (submission({}, after=SNOOP), set(), True),
    "swallow_04.ipynb": (submission({0: SOLUTIONS[0]}, after=SWALLOW), {0}, False),
    "exit_04.ipynb": (submission({0: SOLUTIONS[0]}, after="import os\nos._exit(1)"), {0}, False),
    "surrogate_04.ipynb": (submission({0: SURROGATE}), set(), False),
    "fifo_04.ipynb": (submission({}, after=FIFO), set(), False),
    "broadcast_04.ipynb": (submission({}, after=BROADCAST), set(), False),
    "=HYPERLINK(0)_04.ipynb": (submission({}), set(), False),  # a formula in the teacher's CSV
    "escape_04.ipynb": (submission({}, after=ESCAPE), set(), False),
    "memory_04.ipynb": (submission({0: SOLUTIONS[0]}, after="x = bytearray(4 << 30)"), {0}, False),
}


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT_HELPERS.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cheats")
    for name, (nb, _, needs_sandbox) in CHEATS.items():
        if SANDBOXED or not needs_sandbox:  # without one they would really do harm
            nbformat.write(nb, folder / name)
    before = _sources_digest()
    VICTIM.mkdir()
    try:
        blocks, rows, stdout = grade_folder(folder, "--timeout", str(LIMIT))
        written = sorted(p.name for p in VICTIM.iterdir())
    finally:
        shutil.rmtree(VICTIM)
    return blocks, rows, stdout, before, written


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_each_cheat_scores_what_the_honest_content_deserves(graded, name):
    blocks, _, _, _, _ = graded
    _, solved, needs_sandbox = CHEATS[name]
    if needs_sandbox and not SANDBOXED:
        pytest.skip("only a sandbox stops this one (bubblewrap is not available here)")
    lines = blocks[name]
    assert lines[-1] == f"score: {expected_passed(solved)}/{M}", "\n".join(lines)
    first = exercise_lines(lines)[0]
    assert ("✅" in first) == (0 in solved), first


def test_only_the_graders_lines_are_printed(graded):
    _, _, stdout, _, _ = graded
    assert stdout.count("score: ") == sum(SANDBOXED or not c[2] for c in CHEATS.values())
    assert f"score: {M}/{M}" not in stdout and "score: 3/3" not in stdout


def test_a_bad_cell_costs_only_its_own_exercise_and_is_named(graded):
    blocks, _, _, _, _ = graded
    assert any("ignored its interrupt" in line for line in blocks["swallow_04.ipynb"])
    assert any("killed its kernel" in line for line in blocks["exit_04.ipynb"])
    assert any("MemoryError" in line for line in blocks["memory_04.ipynb"])
    assert "MemoryError" in exercise_lines(blocks["broadcast_04.ipynb"])[-1]  # the grader's cap


@pytest.mark.skipif(not SANDBOXED, reason="without a sandbox the kernel runs as the teacher")
def test_no_submission_changes_helpers_for_another(graded):
    _, _, _, before, _ = graded
    assert _sources_digest() == before
    for path in ROOT_HELPERS.rglob("*"):
        assert not path.is_file() or POISON.encode() not in path.read_bytes(), path


@pytest.mark.skipif(not SANDBOXED, reason="without a sandbox a double fork may escape the scan")
def test_no_kernel_outlives_the_run(graded):
    left = []  # kernels of this run: other sessions on a shared machine grade with their python
    ours = os.fsencode(sys.executable)
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or MARKER.encode() not in (entry / "environ").read_bytes():
                continue
            if (entry / "cmdline").read_bytes().split(b"\0")[0] == ours:
                left.append(entry.name)
        except OSError:
            continue
    assert not left or left == [str(os.getpid())]


def test_the_csv_holds_every_row(graded):
    _, rows, _, _, _ = graded
    graded_here = [n for n, (_, _, needs) in CHEATS.items() if SANDBOXED or not needs]
    assert len(rows) == len(graded_here) * M
    assert not [
        row for row in rows if any(v.startswith(("=", "+", "-", "@")) for v in row.values())
    ]


def test_nothing_is_written_outside_a_submissions_folder(graded):
    *_, written = graded
    assert written == []


def test_an_array_named_again_and_again_counts_against_the_total(tmp_path, monkeypatch):
    """256 references to one 16 MiB file were 4 GiB in the grader: the total is capped."""
    import json

    import numpy as np

    from helpers.classroom import transfer

    transfer.dump([np.zeros(1000)], tmp_path)
    (tmp_path / "data.json").write_text(json.dumps([{"__npy__": "a0.npy"}] * 10))
    monkeypatch.setattr(transfer, "MAX_TOTAL_BYTES", 5 * 8200)
    with pytest.raises(ValueError, match="in all"):
        transfer.load(tmp_path)
