"""What a DDP run needs before it trains: its rank, its backend, its data, its output file.

``helpers.distributed`` (the script torchrun starts) uses these; they are plain functions,
so the tests and notebook 07 call them without starting any process.

Taught in: 07 · Scaling out with DistributedDataParallel, sections 2, 4 and 5.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .checkpoint import open_atomically
from .data import make_intercept_slope_data
from .validation import check_positive_int

__all__ = [
    "DATASETS",
    "EXAMPLE",
    "choose_backend",
    "load_dataset",
    "padding_note",
    "torchrun_env",
    "write_json_atomically",
]

#: The environment variables torchrun sets for every process it starts.
TORCHRUN_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
#: How to start ``helpers.distributed``, for error messages and ``--help``.
EXAMPLE = (
    "torchrun --standalone --nproc-per-node=2 -m helpers.distributed "
    "--data intercept_slope --epochs 20 --batch-size 16 --lr 0.1 --seed 0 --out result.json"
)


def _penguins() -> tuple[np.ndarray, np.ndarray]:
    """Flipper length -> body mass, x standardised with its own mean and standard deviation."""
    from . import load_penguins

    x, y = load_penguins(features=("flipper_length_mm",), target="body_mass_g", verbose=False)
    return (x - x.mean(axis=0)) / x.std(axis=0), y


def _datasets() -> dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]]:
    found: dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]] = {
        "intercept_slope": make_intercept_slope_data
    }
    try:
        from . import load_penguins  # noqa: F401  (notebook 06's data, where it exists)
    except ImportError:
        return found
    return {**found, "penguins": _penguins}


#: The datasets ``--data`` takes: name -> a function returning float64 (x (N, d), y (N, 1)).
DATASETS = _datasets()


def load_dataset(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The course dataset ``name`` as float32 tensors x (N, d) and y (N, 1).

    ``"intercept_slope"``: 200 points, y = 1.5 + 2x + noise (``make_intercept_slope_data``).
    ``"penguins"`` (where notebook 06 exists): flipper length in mm -> body mass in g, the
    flipper length standardised (mean 0, standard deviation 1 over the data itself).

    Taught in: 07 · Scaling out with DistributedDataParallel, section 2.
    """
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}. Valid names: {', '.join(DATASETS)}. "
            f"Pass e.g. --data intercept_slope."
        )
    x, y = DATASETS[name]()
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


# --------------------------------------------------------------------------- the environment
def torchrun_env(environ: dict[str, str] | None = None) -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` from the variables torchrun sets.

    Taught in: 07 · Scaling out with DistributedDataParallel, section 2.

    Raises:
        RuntimeError: a variable is missing (the script was started without torchrun);
            the message gives the command to use.
    """
    env = os.environ if environ is None else environ
    missing = [v for v in TORCHRUN_VARS if v not in env]
    if missing:
        raise RuntimeError(
            f"helpers.distributed must run under torchrun, which starts one process per rank "
            f"and sets {', '.join(TORCHRUN_VARS)} ({', '.join(missing)} not set here). "
            f"Run it as:\n  {EXAMPLE}\n(or `python -m torch.distributed.run` instead of "
            f"`torchrun`)."
        )
    return int(env["RANK"]), int(env["WORLD_SIZE"]), int(env["LOCAL_RANK"])


def choose_backend(local_rank: int, local_world_size: int, request: str = "auto") -> tuple:
    """``(backend, device)``: nccl on ``cuda:local_rank`` when every local rank has a GPU.

    Taught in: 07 · Scaling out with DistributedDataParallel, section 5.

    Args:
        local_rank: this process's number on its machine (``LOCAL_RANK``).
        local_world_size: how many ranks run on this machine (``LOCAL_WORLD_SIZE``).
        request: "auto" (nccl if possible, else gloo), "gloo" (CPU) or "nccl".
    """
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if request not in ("auto", "gloo", "nccl"):
        raise ValueError(f"backend must be 'auto', 'gloo' or 'nccl', got {request!r}.")
    if request == "nccl" and gpus < local_world_size:
        raise ValueError(
            f"backend 'nccl' needs one CUDA GPU per rank: {local_world_size} rank(s) on this "
            f"machine but {gpus} GPU(s). Use --backend gloo, or fewer --nproc-per-node."
        )
    if request == "nccl" or (request == "auto" and 0 < local_world_size <= gpus):
        return "nccl", torch.device("cuda", local_rank)
    return "gloo", torch.device("cpu")


def padding_note(n: int, world_size: int) -> str | None:
    """What ``DistributedSampler`` pads when ``world_size`` does not divide ``n`` (else None).

    Taught in: 07 · Scaling out with DistributedDataParallel, section 4.5.
    """
    n = check_positive_int(n, "n", example="n=200")
    world_size = check_positive_int(world_size, "world_size", example="world_size=2")
    per_rank = -(-n // world_size)  # ceil(n / world_size)
    extra = per_rank * world_size - n
    if extra == 0:
        return None
    return (
        f"note: {n} samples do not split evenly over {world_size} ranks: the sampler repeats "
        f"{extra} sample(s) each epoch so that every rank gets {per_rank}; those count twice."
    )


def write_json_atomically(result: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``result`` as JSON to a temporary file beside ``path``, then rename it over ``path``.

    A crash mid-write leaves no half-written file. Taught in: 07 · Scaling out with
    DistributedDataParallel, section 2.
    """
    with open_atomically(path, "w") as f:
        json.dump(result, f, indent=1)
