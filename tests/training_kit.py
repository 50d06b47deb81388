"""Small helpers for the tests of helpers.loader, helpers.training and helpers.checkpoint."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from helpers.training import train


def fresh(seed: int = 0, momentum: float = 0.0, lr: float = 0.1) -> tuple[nn.Linear, Any]:
    """A new ``nn.Linear(1, 1)`` initialised from ``seed``, and SGD over it."""
    torch.manual_seed(seed)
    model = nn.Linear(1, 1)
    return model, torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)


def fit(
    loader: Any,
    epochs: int,
    *,
    seed: int = 0,
    momentum: float = 0.0,
    lr: float = 0.1,
    loss_fn: Any = None,
    **train_kwargs: Any,
) -> tuple[nn.Linear, dict[str, list[float]]]:
    """``helpers.train`` on a fresh model (see ``fresh``): returns (model, history)."""
    model, optimizer = fresh(seed, momentum, lr)
    history = train(model, loss_fn or nn.MSELoss(), optimizer, loader, epochs, **train_kwargs)
    return model, history


def params_equal(a: nn.Module, b: nn.Module) -> bool:
    """True if the two models' parameters are equal bit for bit."""
    return all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
