"""The grader's worker: ``python -m helpers.grade_worker`` runs one job in a subprocess.

``helpers.grade`` (the teacher's side) writes a job as JSON on the worker's stdin: the submitted
notebook's path, the exercises to grade, the check imports, the time limits and a nonce. The
worker runs the learner's cells in a fresh kernel (skipping their check cells), calls each
exercise's check, and prints the result as JSON on stdout's last line. While it runs it says
where it is on stderr (``helpers.grade at: cell 9 (...)``), so the teacher's side can say where
a notebook it had to stop was stuck.

Not taught in a notebook: a tool for teachers (see INSTRUCTORS.md).
"""

from __future__ import annotations

import json
import re
import sys

import nbformat

__all__ = ["PROGRESS", "worker_main"]

PROGRESS = "helpers.grade at: "


def worker_main() -> int:
    """Read a job (JSON) on stdin, run it, print the result (JSON) as stdout's last line."""
    job = json.loads(sys.stdin.read())
    print(json.dumps(_run_job(job), ensure_ascii=False))
    return 0


def _run_job(job: dict) -> dict:
    try:
        nb = nbformat.read(job["path"], as_version=4)
    except Exception as exc:  # noqa: BLE001  (whatever it is, it is not a readable notebook)
        return {"error": f"not a notebook ({type(exc).__name__}: {_short(str(exc))})"}
    import tempfile

    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    notes: list[str] = []
    _at(job, "start-up")
    with tempfile.TemporaryDirectory() as cwd:
        client = NotebookClient(
            nb,
            timeout=job["timeout"],
            interrupt_on_timeout=True,
            allow_errors=True,
            kernel_name="python3",
            resources={"metadata": {"path": cwd}},
        )
        try:
            with client.setup_kernel():
                errors = _run_cells(client, nb, job, notes)
                verdicts = [_grade_one(client, nb, job, ex, errors) for ex in job["exercises"]]
        except DeadKernelError:
            died = f"the kernel died at {job['at']}"
            notes.append(f"{died}: out of memory, or the code called exit()?")
            return {"error": died, "notes": notes}
    return {"notes": notes, "verdicts": verdicts}


def _at(job: dict, where: str) -> None:
    """Note where the run is, also on stderr, where the parent finds it if it must stop us."""
    job["at"] = where
    print(f"{PROGRESS}{where}", file=sys.stderr, flush=True)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(i: int, cell: nbformat.NotebookNode) -> str:
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {i + 1} ({_short(first, 40)!r})"


def _execute(client, cell: nbformat.NotebookNode, i: int, limit: float) -> str | None:
    """Run one cell with a time limit; what went wrong, or None."""
    import time

    client.timeout = max(1, int(limit))
    start = time.monotonic()
    client.execute_cell(cell, i)
    elapsed = time.monotonic() - start
    error = next((o for o in cell.outputs if o.output_type == "error"), None)
    if error is None:
        return None
    if error.ename == "KeyboardInterrupt" and elapsed >= client.timeout:
        return f"stopped after {client.timeout} s (the time limit): an endless loop?"
    return f"raised {error.ename}: {_short(error.evalue)}"


def _run_cells(client, nb: nbformat.NotebookNode, job: dict, notes: list[str]) -> dict[int, str]:
    """Run the learner's cells in order, skipping check cells; the errors by cell index."""
    import time

    checks = {ex["check"] for ex in job["exercises"]}
    deadline = time.monotonic() + job["notebook_timeout"]
    errors: dict[int, str] = {}
    for i, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code" or "exercise-check" in tags or cell.source.strip() in checks:
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            notes.append(f"{_where(i, cell)} and the rest did not run: the notebook's time is up")
            break
        _at(job, _where(i, cell))
        error = _execute(client, cell, i, min(job["timeout"], left))
        if error is None:
            continue
        errors[i] = error
        if "raises-exception" not in tags:
            notes.append(f"{_where(i, cell)} {error}")
    return errors


def _grader_cell(job: dict, ex: dict) -> nbformat.NotebookNode:
    nonce, fn = job["nonce"], ex["function"]
    report = "{'passed': bool(_r), 'message': str(getattr(_r, 'message', ''))}"
    source = "\n".join(
        [
            job["imports"],
            "try:",
            f"    {fn}",
            "except NameError:",
            f"    print({nonce!r} + 'null')",
            "else:",
            f"    _r = {ex['check']}",
            f"    print({nonce!r} + __import__('json').dumps({report}))",
        ]
    )
    return nbformat.v4.new_code_cell(source)


def _grade_one(client, nb: nbformat.NotebookNode, job: dict, ex: dict, errors: dict) -> dict:
    """Call the exercise's check in the kernel; its verdict as a dict for :class:`Verdict`."""
    cell = _grader_cell(job, ex)
    nb.cells.append(cell)  # nbclient looks cells up by index
    _at(job, f"the check of exercise {ex['number']}")
    error = _execute(client, cell, len(nb.cells) - 1, job["timeout"])
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    nonce = job["nonce"]
    payload = next((ln[len(nonce) :] for ln in text.splitlines() if ln.startswith(nonce)), "")
    if payload == "null":
        return _verdict(ex, False, f"❌ not graded: {_missing(nb, ex['function'], errors)}")
    if not payload:
        return _verdict(ex, False, f"❌ the check {error or 'printed no verdict'}")
    result = json.loads(payload)
    if result["passed"]:
        return _verdict(ex, True, "✅ passed")
    # "❌ Exercise 1 (mse_gradient) not yet: ..." -> "❌ not yet: ..." (the hint stays out)
    first = (result["message"].splitlines() or ["not yet"])[0]
    return _verdict(ex, False, "❌ " + re.sub(r"^❌ Exercise \d+ \(\w+\) ", "", first))


def _verdict(ex: dict, passed: bool, text: str) -> dict:
    return {"number": ex["number"], "passed": bool(passed), "text": text}


def _missing(nb: nbformat.NotebookNode, function: str, errors: dict[int, str]) -> str:
    """Why ``function`` is not defined after the notebook ran."""
    defining = re.compile(rf"^def {re.escape(function)}\(", re.M)
    cells = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and defining.search(c.source)
    ]
    if not cells:
        return f"no cell defines `{function}` (was the stub renamed or deleted?)"
    failed = [i for i in cells if i in errors]
    if failed:
        return f"`{function}` is not defined: its {_where(failed[-1], nb.cells[failed[-1]])} {errors[failed[-1]]}"
    return f"`{function}` is not defined after the notebook ran"


if __name__ == "__main__":
    sys.exit(worker_main())
