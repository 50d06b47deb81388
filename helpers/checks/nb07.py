"""Checks for the exercises of notebook 07 (scaling out with DistributedDataParallel).

Taught in: 07 · Scaling out with DistributedDataParallel, section "Exercises".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import Exercise, Mismatch, expect_returned

__all__ = ["check_accumulate_step", "check_rank_share"]

# ------------------------------------------------------------------ exercise 1
_ACCUMULATE_HINT = (
    "the step must use the gradient of the mean loss over every sample of every micro-batch, "
    "the one a single batch of all of them would give. backward() adds into .grad: make each "
    "micro-batch add its gradient weighted by its share of the samples, then step once."
)


def _accumulate_cases(seed: int) -> list[dict[str, Any]]:
    """Linear models and micro-batches: equal sizes first, then unequal ones, then a model
    that arrives with gradients left in ``.grad``, then random ones."""
    rng = np.random.default_rng(seed)

    def case(sizes: list[int], d: int, stale: bool) -> dict[str, Any]:
        w_true, b_true = rng.normal(size=(1, d)) * 2, rng.normal()
        micro = []
        for n in sizes:
            x = rng.normal(size=(n, d)).astype(np.float32)
            y = (x @ w_true.T + b_true + 0.3 * rng.normal(size=(n, 1))).astype(np.float32)
            micro.append({"x": x, "y": y})
        weight = rng.normal(size=(1, d)).astype(np.float32)
        return {
            "weight": weight,
            "bias": np.float32(rng.normal()).item(),
            "micro": micro,
            "lr": float(rng.choice([0.05, 0.1, 0.2])),
            # what .grad holds when the model arrives (None: no gradient yet)
            "stale": (
                {"weight": rng.normal(size=(1, d)).astype(np.float32), "bias": rng.normal(size=1)}
                if stale
                else None
            ),
        }

    cases = [case([8, 8, 8, 8], 1, False), case([8, 8, 4], 2, False), case([5, 3], 1, True)]
    for _ in range(2):
        k = int(rng.integers(2, 5))
        sizes = rng.integers(1, 17, size=k).tolist()
        cases.append(case(sizes, int(rng.integers(1, 4)), bool(rng.integers(0, 2))))
    return cases


def _accumulate_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[dict]:
    """Build each case's nn.Linear, call the learner's step, return the parameters after it."""
    import torch
    from torch import nn

    after = []
    for case in cases:
        d = case["weight"].shape[1]
        model = nn.Linear(d, 1)
        with torch.no_grad():
            model.weight.copy_(torch.as_tensor(case["weight"]))
            model.bias.fill_(case["bias"])
        if case["stale"] is not None:
            model.weight.grad = torch.as_tensor(case["stale"]["weight"], dtype=torch.float32)
            model.bias.grad = torch.as_tensor(case["stale"]["bias"], dtype=torch.float32)
        micro = [(torch.as_tensor(m["x"]), torch.as_tensor(m["y"])) for m in case["micro"]]
        fn(model, micro, case["lr"])
        after.append({"weight": model.weight.detach().numpy(), "bias": model.bias.detach().numpy()})
    return after


def _mse_gradient(w: np.ndarray, b: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[dL/dw..., dL/db] of the mean squared error over (x, y), in float64."""
    r = x @ w.T + b - y  # (n, 1)
    return np.concatenate([2 * (r.T @ x).reshape(-1), [2 * r.sum()]]) / len(x)


def _accumulate_mistake(case: dict[str, Any], got: np.ndarray, params: np.ndarray) -> None:
    """Raise a Mismatch aimed at the mistake if ``got`` is a recognised wrong step."""
    micro = [(np.float64(m["x"]), np.float64(m["y"])) for m in case["micro"]]
    w, b, lr, d = params[:-1].reshape(1, -1), params[-1], case["lr"], params.size - 1
    per_micro = [_mse_gradient(w, b, x, y) for x, y in micro]
    stale = case["stale"]
    sequential = params.copy()
    for x, y in micro:
        sequential -= lr * _mse_gradient(sequential[:d].reshape(1, -1), sequential[d], x, y)
    wrong = [
        (
            params,
            "the parameters did not change.",
            "after the backward passes, take one step: each parameter minus lr times its gradient.",
        ),
        (
            params - lr * np.sum(per_micro, axis=0),
            f"you stepped with the sum of the {len(micro)} micro-batches' gradients.",
            "every backward() adds its micro-batch's gradient of a mean loss into .grad, so the "
            "sum is several times too large. Weight each micro-batch by its share of the samples.",
        ),
        (
            params - lr * np.mean(per_micro, axis=0),
            "you stepped with the plain average of the micro-batches' gradients, but they hold "
            f"{[len(x) for x, _ in micro]} samples.",
            "that average is right only when every micro-batch is as large as the others: a "
            "micro-batch with fewer samples must count for less.",
        ),
        (
            sequential,
            f"you took {len(micro)} steps, one after every micro-batch.",
            "the point is one step with the gradient of the whole batch, as one process with all "
            "the samples (or DDP) takes: step once, after every micro-batch has added its part.",
        ),
    ]
    if stale is not None:
        old = np.concatenate([stale["weight"].reshape(-1), stale["bias"].reshape(-1)])
        full = _mse_gradient(
            w, b, np.concatenate([x for x, _ in micro]), np.concatenate([y for _, y in micro])
        )
        wrong.append(
            (
                params - lr * (full + old),
                "your step also used the gradients the model already held in .grad when it arrived.",
                "backward() adds to whatever .grad holds: clear the old gradients before the first "
                "micro-batch.",
            )
        )
    for wrong_params, problem, hint in wrong:
        if len(micro) > 1 and np.allclose(got, wrong_params, rtol=1e-4, atol=1e-5):
            raise Mismatch(problem, hint=hint)


def _accumulate_judge(cases: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> str:
    for case, out in zip(cases, outputs, strict=True):
        params = np.concatenate([np.ravel(case["weight"]), [case["bias"]]]).astype(np.float64)
        got = np.concatenate([np.ravel(out["weight"]), np.ravel(out["bias"])]).astype(np.float64)
        x = np.concatenate([np.float64(m["x"]) for m in case["micro"]])
        y = np.concatenate([np.float64(m["y"]) for m in case["micro"]])
        expected = params - case["lr"] * _mse_gradient(params[:-1].reshape(1, -1), params[-1], x, y)
        if np.allclose(got, expected, rtol=1e-4, atol=1e-5):
            continue
        _accumulate_mistake(case, got, params)
        sizes = [len(m["x"]) for m in case["micro"]]
        raise Mismatch(
            f"for micro-batches of {sizes} samples the parameters after your step are "
            f"{np.round(got, 4).tolist()}, expected {np.round(expected, 4).tolist()}."
        )
    return "one step with the gradient of the whole batch, however it was cut into micro-batches."


#: Exercise 1: ``accumulate_step(model, micro_batches, lr)``, one SGD step in place.
check_accumulate_step = Exercise(
    "Exercise 1 (accumulate_step)",
    _ACCUMULATE_HINT,
    cases=_accumulate_cases,
    probe=_accumulate_probe,
    judge=_accumulate_judge,
    seed=7,
)


# ------------------------------------------------------------------ exercise 2
_SHARE_HINT = (
    "pad the order with its own first indices until the world size divides it, then deal "
    "it out: rank r takes every world-size-th index, starting at position r."
)


def _share_cases(seed: int) -> list[dict[str, int | list[int]]]:
    """Epoch orders as a one-replica DistributedSampler draws them, and world sizes: fixed ones
    that divide the data or not, then random ones (world sizes the notebook never shows)."""
    from torch.utils.data import DistributedSampler

    rng = np.random.default_rng(seed)
    sizes = [(8, 2), (12, 4), (10, 3), (5, 1)]
    for _ in range(3):
        n = int(rng.integers(5, 120))
        sizes.append((n, int(rng.integers(2, min(n, 9)))))
    cases = []
    for n, world_size in sizes:
        sampler_seed = int(rng.integers(0, 10_000))
        order = [int(i) for i in DistributedSampler(range(n), 1, 0, seed=sampler_seed)]
        cases.append({"order": order, "world_size": world_size, "sampler_seed": sampler_seed})
    return cases


def _share_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[list[list[int]]]:
    """Every rank's share, as the learner's function gives it, for every case."""
    shares = []
    for case in cases:
        per_case = []
        for rank in range(case["world_size"]):
            got = expect_returned(
                fn(list(case["order"]), case["world_size"], rank), "the list of indices"
            )
            try:
                per_case.append([int(i) for i in got])
            except (TypeError, ValueError):
                raise Mismatch(
                    f"rank_share(order of {len(case['order'])}, world_size="
                    f"{case['world_size']}, rank={rank}) should return a list of indices, got "
                    f"{type(got).__name__}."
                ) from None
        shares.append(per_case)
    return shares


def _share_mistake(got: list[int], order: list[int], world_size: int, rank: int) -> None:
    per_rank = -(-len(order) // world_size)
    if world_size > 1 and got == order[rank * per_rank : (rank + 1) * per_rank]:
        raise Mismatch(
            f"rank {rank} got one contiguous block of the order; the sampler deals the order "
            f"out like cards instead, one position to each rank in turn.",
            hint="rank r takes positions r, r + world size, r + 2 x world size, ... of the order.",
        )
    if got == order[rank::world_size] and len(order) % world_size:
        raise Mismatch(
            f"rank {rank} got {len(got)} indices, but every rank must get {per_rank}, or the "
            f"ranks would take different numbers of steps and wait for each other forever.",
            hint="when the world size does not divide the data, the sampler first repeats the "
            "start of the order until it does.",
        )


def _share_judge(cases: list[dict[str, Any]], outputs: list[list[list[int]]]) -> str:
    from torch.utils.data import DistributedSampler

    for case, shares in zip(cases, outputs, strict=True):
        order, world_size = case["order"], case["world_size"]
        n = len(order)
        for rank, got in enumerate(shares):
            expected = [
                int(i)
                for i in DistributedSampler(range(n), world_size, rank, seed=case["sampler_seed"])
            ]
            if got == expected:
                continue
            _share_mistake(got, order, world_size, rank)
            raise Mismatch(
                f"rank_share(order of {n}, world_size={world_size}, rank={rank}) starts "
                f"{got[:6]}, expected {expected[:6]}."
            )
    return "interleaved and padded exactly as DistributedSampler deals out an epoch."


#: Exercise 2: ``rank_share(order, world_size, rank) -> list of int``, what
#: ``DistributedSampler`` gives one rank.
check_rank_share = Exercise(
    "Exercise 2 (rank_share)",
    _SHARE_HINT,
    cases=_share_cases,
    probe=_share_probe,
    judge=_share_judge,
    seed=7,
)
