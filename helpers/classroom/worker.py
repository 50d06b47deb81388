"""The grader's worker: ``python -m helpers.classroom.worker JOB RESULT`` runs one submission.

``helpers.classroom.grade`` (the teacher's side) writes the job as JSON: the submission's
cells, the exercises to probe, the time limits, the sandbox. The worker starts the
submission's kernel in the sandbox (:mod:`helpers.classroom.sandbox`), runs the learner's
cells in order (skipping their check cells), then for each exercise runs the grader's fixed
driver cell, which calls the exercise's probe on the grader's inputs and writes the plain
outputs into the private folder (:func:`helpers.classroom.transfer.drive`). It judges
nothing: the teacher's side judges those outputs in its own process.

A cell that ignores its interrupt for a few seconds, or that kills its kernel (``os._exit``,
out of memory), is noted and skipped, and the worker starts a fresh kernel for the exercises
not probed yet, so one bad cell costs only its own exercise. The worker writes its result
(JSON) to RESULT, a file outside the sandbox that the kernel can't reach; while it runs it says
where it is on stderr (``helpers.grade at: cell 9 (...)``).

Not taught in a notebook: a tool for teachers (see INSTRUCTORS.md).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .sandbox import kernel_command, kill_tree, limit_memory, uncap_own_memory

__all__ = ["GRACE", "PROGRESS", "worker_main"]

PROGRESS = "helpers.grade at: "
GRACE = 5  # seconds a cell gets to stop after its interrupt before its kernel is killed
MAX_KERNELS = 4  # kernels started per notebook at most (the first and three fresh ones)


@dataclass
class Outcome:
    """How one cell ended: ``ok``, ``error`` (raised), ``stopped`` (time limit, interrupted),
    ``killed`` (ignored its interrupt: its kernel was killed) or ``dead`` (the kernel died)."""

    kind: str
    text: str = ""


def worker_main(argv: list[str] | None = None) -> int:
    """Run the job in ``argv[0]`` (JSON), write the result (JSON) to ``argv[1]``."""
    job_path, result_path = argv or sys.argv[1:]
    uncap_own_memory()  # the grader's own cap (sandbox.cap_own_memory) is not the kernels'
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    result = run_job(job)
    Path(result_path).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


def _at(where: str) -> None:
    print(f"{PROGRESS}{where}", file=sys.stderr, flush=True)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(i: int, cell: dict) -> str:
    first = next((line for line in cell["source"].splitlines() if line.strip()), "")
    return f"cell {i + 1} ({_short(first, 40)!r})"


class Kernel:
    """One sandboxed kernel, talked to over IPC sockets in the submission's private folder."""

    def __init__(self, job: dict, attempt: int) -> None:
        from jupyter_client import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        work = Path(job["work"])
        # a new folder per kernel: never one an earlier kernel left, such as a symlink out of
        # the submission's folder (the worker is outside the sandbox: it would write through it)
        sockets = work / f".kernel{attempt}"
        sockets.mkdir()
        connection = sockets / "kernel.json"
        write_connection_file(str(connection), transport="ipc", ip=str(sockets / "k"))
        cmd, env = kernel_command(job["sandbox"], work, Path(job["lib"]), connection)
        self.tag = work.name
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=lambda: limit_memory(int(job["memory"])),  # noqa: PLW1509
        )
        self.client = BlockingKernelClient(connection_file=str(connection))
        self.client.load_connection_file()
        self.client.start_channels(hb=False)
        self._wait_ready(int(job["startup_timeout"]))

    def _wait_ready(self, limit: int) -> None:
        """Ask for the kernel's info until it answers (its start-up may take a while)."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("the kernel exited while starting")
            msg_id = self.client.kernel_info()
            try:
                while True:
                    reply = self.client.get_shell_msg(timeout=2)
                    if reply.get("parent_header", {}).get("msg_id") == msg_id:
                        self._drain()
                        return
            except queue.Empty:
                continue
        raise RuntimeError(f"the kernel did not answer within {limit} s")

    def _drain(self, most: int = 1000) -> None:
        """Drop what the kernel published (its prints): the grader reads none of it."""
        for _ in range(most):
            try:
                self.client.iopub_channel.get_msg(timeout=0)
            except queue.Empty:
                return

    def run(self, source: str, limit: int) -> Outcome:
        """Run ``source``; after ``limit`` s interrupt it, after ``GRACE`` more kill the kernel."""
        client = self.client
        msg_id = client.execute(source, store_history=False, allow_stdin=False, stop_on_error=False)
        start, interrupted = time.monotonic(), None
        while True:
            if self.proc.poll() is not None:
                return Outcome(
                    "dead", "killed its kernel: out of memory, or the code called exit()?"
                )
            try:
                reply = client.get_shell_msg(timeout=0.2)
            except queue.Empty:
                self._drain()  # nothing printed is read; keep the queue short
                now = time.monotonic()
                if interrupted is None and now - start > limit:
                    client.control_channel.send(client.session.msg("interrupt_request", {}))
                    interrupted = now
                elif interrupted is not None and now - interrupted > GRACE:
                    self.close()
                    return Outcome(
                        "killed",
                        f"ran past the time limit ({limit} s) and ignored its interrupt for "
                        f"{GRACE} s: its kernel was killed",
                    )
                continue
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            content = reply.get("content", {})
            if content.get("status") == "ok":
                return Outcome("ok")
            if interrupted is not None and content.get("ename") == "KeyboardInterrupt":
                return Outcome(
                    "stopped", f"stopped after {limit} s (the time limit): an endless loop?"
                )
            return Outcome(
                "error", f"raised {content.get('ename')}: {_short(content.get('evalue', ''))}"
            )

    def close(self) -> None:
        try:
            self.client.stop_channels()
        finally:
            kill_tree(self.proc, self.tag)


def _cells(job: dict) -> list[tuple[int, dict]]:
    """The learner's code cells (``{"code", "source", "tags"}``, from the job), in order,
    without their check cells."""
    checks = {ex["call"] for ex in job["exercises"]}
    keep = []
    for i, cell in enumerate(job["cells"]):
        if cell["code"] and "exercise-check" not in cell["tags"]:
            if cell["source"].strip() not in checks:
                keep.append((i, cell))
    return keep


def _driver(job: dict, ex: dict) -> str:
    """The grader's fixed cell: the same source for every submission, no secret in it."""
    args = [ex["function"], ex["module"], ex["check"], ex["inputs"], ex["outputs"]]
    call = ", ".join(repr(a) for a in args)
    return f"__import__('helpers.classroom.transfer', fromlist=['drive']).drive(globals(), {call})"


def run_job(job: dict) -> dict:
    """Run the submission's cells and drivers, with fresh kernels after a fatal cell."""
    deadline = time.monotonic() + int(job["notebook_timeout"])
    notes: list[str] = []
    errors: dict[int, str] = {}
    fatal: set[int] = set()
    probes: dict[str, str] = {}  # exercise number -> how its driver cell ended, if not ok
    todo = list(job["exercises"])
    for attempt in range(MAX_KERNELS):
        if not todo:
            break
        if time.monotonic() > deadline:
            notes.append("the notebook's time is up: the rest was not run")
            break
        _at("start-up" if attempt == 0 else f"a fresh kernel ({attempt + 1})")
        try:
            kernel = Kernel(job, attempt)
        except Exception as exc:  # noqa: BLE001  (no kernel: nothing more can run)
            notes.append(f"the kernel did not start ({type(exc).__name__}: {_short(exc)})")
            for ex in todo:
                probes.setdefault(str(ex["number"]), "was not probed: its kernel did not start")
            break
        try:
            todo = _one_kernel(kernel, job, deadline, notes, errors, fatal, probes, todo)
        finally:
            kernel.close()
    why = "the notebook's time is up" if time.monotonic() > deadline else "too many kernels died"
    for ex in todo:
        probes.setdefault(str(ex["number"]), f"was not probed: {why}")
    return {"notes": notes, "errors": {str(k): v for k, v in errors.items()}, "probes": probes}


def _one_kernel(kernel, job, deadline, notes, errors, fatal, probes, todo) -> list[dict]:
    """Run the cells not known to be fatal, then probe what is left; the exercises left over."""
    limit = int(job["timeout"])
    for i, cell in _cells(job):
        if i in fatal:
            continue
        left = int(deadline - time.monotonic())
        if left <= 0:
            notes.append(f"{_where(i, cell)} and the rest did not run: the notebook's time is up")
            return []
        _at(_where(i, cell))
        outcome = kernel.run(cell["source"], min(limit, left))
        if outcome.kind == "ok":
            continue
        tags = cell["tags"]
        if outcome.kind in ("killed", "dead"):
            fatal.add(i)
            notes.append(
                f"{_where(i, cell)} {outcome.text}; the rest ran in a fresh kernel without it"
            )
            errors[i] = outcome.text
            return todo
        if i not in errors and "raises-exception" not in tags:
            notes.append(f"{_where(i, cell)} {outcome.text}")
        errors[i] = outcome.text
    for n, ex in enumerate(todo):
        _at(f"the probe of exercise {ex['number']}")
        outcome = kernel.run(_driver(job, ex), limit)
        if outcome.kind != "ok":
            probes[str(ex["number"])] = outcome.text
        if outcome.kind in ("killed", "dead"):
            return todo[n + 1 :]
    return []


if __name__ == "__main__":
    sys.exit(worker_main())
