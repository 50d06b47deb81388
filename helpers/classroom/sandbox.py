"""Where a submission's kernel runs: a bubblewrap sandbox, a memory cap, a tree that dies whole.

With ``bwrap`` (Debian's ``bubblewrap``) the kernel sees only what :func:`kernel_command`
binds: the interpreter and its packages (read-only), a clean copy of ``helpers`` made for this
run (read-only, no ``__pycache__``, ``PYTHONDONTWRITEBYTECODE``), and the submission's private
folder (read-write). No other submission, no ``notebooks/`` or ``student/``, no network, its
own ``/proc`` (so not the teacher's command line) and its own user (no capabilities). Without
``bwrap`` the kernel runs as the grader's user and :func:`helpers_digest` lets the grader notice
a changed ``helpers`` (``mode == "none"``; the grader says so in its output).

Not taught in a notebook: a tool for teachers (see INSTRUCTORS.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from functools import cache
from pathlib import Path

__all__ = [
    "JUDGE_MEMORY",
    "MEMORY_BYTES",
    "cap_own_memory",
    "clean_helpers_copy",
    "helpers_digest",
    "kernel_command",
    "kill_tree",
    "limit_memory",
    "sandbox_mode",
    "uncap_own_memory",
]

MEMORY_BYTES = 2 << 30  # 2 GiB of data memory (RLIMIT_DATA) per kernel, by default
JUDGE_MEMORY = 2 << 30  # address space the grader may map for judging, beyond its start
MARKER = "HELPERS_GRADE_RUN"  # set in every kernel's environment: how leftovers are found
HELPERS = Path(__file__).resolve().parents[1]


@cache
def sandbox_mode(wanted: str = "auto") -> str:
    """``"bwrap"`` if a bubblewrap sandbox works here, else ``"none"``.

    Raises:
        RuntimeError: ``wanted == "bwrap"`` and bubblewrap is missing or does not start.
    """
    if wanted == "none":
        return "none"
    works = shutil.which("bwrap") is not None
    if works:
        probe = _bwrap_args([], Path("/"), read_only=[]) + ["/bin/true"]
        try:
            works = subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            works = False
    if not works and wanted == "bwrap":
        raise RuntimeError(
            "bubblewrap is not installed or cannot start: apt-get install bubblewrap"
        )
    return "bwrap" if works else "none"


def _bwrap_args(binds: list[str], work: Path, read_only: list[Path]) -> list[str]:
    args = ["bwrap", "--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000"]
    args += ["--cap-drop", "ALL", "--die-with-parent", "--new-session"]
    args += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    # The private /tmp first: the binds after it show through it, so an interpreter or a
    # grader's folder that lives under /tmp (a clone in /tmp, TMPDIR) is still there.
    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in read_only:
        args += ["--ro-bind", str(path), str(path)]
    args += [*binds, "--chdir", str(work)]
    return args


def _interpreter_paths() -> list[Path]:
    """The folders the interpreter and its packages live in (read-only in the sandbox)."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parents[1]}
    paths = {p.resolve() for p in paths} | paths
    keep = sorted(p for p in paths if not str(p).startswith(("/usr/", "/etc/")) and p.is_dir())
    return [p for p in keep if not any(p != q and p.is_relative_to(q) for q in keep)]


def kernel_command(mode: str, work: Path, lib: Path, connection: Path) -> tuple[list[str], dict]:
    """The command line and environment that start a sandboxed kernel.

    Args:
        mode: ``"bwrap"`` or ``"none"`` (:func:`sandbox_mode`).
        work: the submission's private folder: its cwd, the only place it may write.
        lib: the folder holding the clean copy of ``helpers`` (on its ``PYTHONPATH``).
        connection: the kernel's connection file (inside ``work``).
    """
    python = [sys.executable, "-m", "ipykernel_launcher", "-f", str(connection)]
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(work),
        "PYTHONPATH": str(lib),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "MPLCONFIGDIR": str(work / ".config" / "matplotlib"),
        "IPYTHONDIR": str(work / ".config" / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "OMP_NUM_THREADS": "1",
        MARKER: work.name,
    }
    if mode != "bwrap":
        return python, env
    binds = ["--bind", str(work), str(work), "--ro-bind", str(lib), str(lib)]
    for key, value in env.items():
        binds += ["--setenv", key, value]
    return _bwrap_args(binds, work, _interpreter_paths()) + ["--", *python], env


def limit_memory(limit: int) -> None:
    """In the child before ``exec``: cap its data memory (and its children's) at ``limit``.

    RLIMIT_DATA counts what a process allocates for itself (the heap, private anonymous
    maps), not the shared libraries it maps: torch's CUDA build maps several GB of
    libraries it never touches, and an address-space cap of 2 GB stops it importing at all.
    """
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def cap_own_memory(headroom: int = JUDGE_MEMORY) -> None:
    """Cap this process's address space (the soft limit) at what it maps now plus ``headroom``.

    The grader judges the kernel's outputs in its own process: outputs crafted to broadcast
    into a giant array (two small arrays of shapes (n,) and (n, 1)) then raise MemoryError,
    a wrong answer, instead of taking the machine. The worker lifts the soft limit again
    (:func:`uncap_own_memory`), so the kernels keep their own cap.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm", encoding="ascii") as f:
        mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    want = mapped + headroom
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft == resource.RLIM_INFINITY or want < soft:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def uncap_own_memory() -> None:
    """Lift this process's soft address-space limit back to its hard limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def kill_tree(proc: subprocess.Popen, tag: str) -> None:
    """Kill ``proc``'s process group and every process of ours whose environment holds ``tag``.

    In the sandbox its own pid namespace dies with it; the scan catches detached children
    of an unsandboxed kernel (a new session, a double fork).
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    needle = f"{MARKER}={tag}".encode() + b"\0"
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "environ").read_bytes() + b"\0":
                os.kill(int(entry.name), signal.SIGKILL)


def clean_helpers_copy(dest: Path) -> Path:
    """Copy ``helpers`` (sources and data, no bytecode) into ``dest/helpers``, read-only."""
    target = dest / "helpers"
    shutil.copytree(HELPERS, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path in sorted(target.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    target.chmod(0o555)
    return dest


def helpers_digest(root: Path = HELPERS) -> str:
    """A hash of every file under ``root``, ``__pycache__`` included (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
