"""Run make targets side by side, in the order given: ``python3 .ci/legs.py [-j N] STEP...``.

``make test`` uses it to schedule its legs. Each STEP is a make target, or ``TARGET@AFTER``: the
target starts only once the step named AFTER has succeeded (it is skipped, and reported so, if
AFTER failed). At most N steps run at once (default 3); a free slot goes to the first waiting
step, in the order given, whose AFTER is done: list the longest first. Make's own ``-j`` can't
promise that order. Each step runs as ``make --no-print-directory TARGET`` with its output kept
aside and printed, whole, when it ends. At the end: a table of when each step ran and how long
it took, where the CPUs' time went (benchmarks/cpu_account.py: were the steps alone on the
machine?), and the exit status 1 if any step failed or was skipped.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from cpu_account import CpuAccount  # noqa: E402 (benchmarks/ is not a package)


@dataclass
class Step:
    target: str
    after: str | None
    proc: subprocess.Popen | None = None
    log: IO[bytes] | None = None
    start: float = 0.0
    end: float = 0.0
    status: str = "waiting"  # waiting, running, ok, FAILED (rc), skipped


def parse(specs: list[str]) -> list[Step]:
    steps = []
    for spec in specs:
        target, _, after = spec.partition("@")
        steps.append(Step(target, after or None))
    names = {s.target for s in steps}
    for step in steps:
        if step.after is not None and step.after not in names:
            raise SystemExit(f"legs: {step.target} waits for {step.after}, which is not a step")
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=3)
    parser.add_argument("steps", nargs="+")
    args = parser.parse_args(argv)
    steps = parse(args.steps)
    by_name = {s.target: s for s in steps}
    make = os.environ.get("MAKE", "make")
    account = CpuAccount("make test's steps")
    t0 = time.monotonic()

    def ready(step: Step) -> bool | None:
        """True to start, False to wait, None to skip (what it waits for failed)."""
        if step.after is None:
            return True
        status = by_name[step.after].status
        return True if status == "ok" else False if status in ("waiting", "running") else None

    while True:
        running = [s for s in steps if s.status == "running"]
        for step in steps:
            if step.status != "waiting" or len(running) >= args.jobs:
                continue
            go = ready(step)
            if go is None:
                step.status = "skipped"
                print(f"== {step.target}: skipped ({step.after} did not succeed)", flush=True)
            elif go:
                step.log = tempfile.TemporaryFile()
                step.start = time.monotonic()
                step.proc = subprocess.Popen(
                    [make, "--no-print-directory", step.target],
                    stdout=step.log,
                    stderr=subprocess.STDOUT,
                )
                step.status = "running"
                running.append(step)
        if not running:
            break
        time.sleep(0.5)
        for step in running:
            rc = step.proc.poll()
            if rc is None:
                continue
            step.end = time.monotonic()
            step.status = "ok" if rc == 0 else f"FAILED ({rc})"
            step.log.seek(0)
            sys.stdout.flush()
            sys.stdout.buffer.write(step.log.read())
            step.log.close()
            print(f"== {step.target}: {step.status} in {step.end - step.start:.0f} s", flush=True)

    print(f"\n{'step':<28} {'from':>6} {'to':>6} {'took':>6}")
    for step in sorted(steps, key=lambda s: (s.start == 0, s.start)):
        if step.status == "skipped":
            print(f"{step.target:<28} {'':>6} {'':>6} {'':>6}  skipped")
            continue
        start, end = step.start - t0, step.end - t0
        print(f"{step.target:<28} {start:5.0f}s {end:5.0f}s {end - start:5.0f}s  {step.status}")
    failed = [s.target for s in steps if s.status != "ok"]
    total = time.monotonic() - t0
    verdict = f"FAILED: {' '.join(failed)}" if failed else "all passed"
    print(f"{len(steps)} steps, {args.jobs} at a time, {total:.0f} s in all: {verdict}")
    print(account.report())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
