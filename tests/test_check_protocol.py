"""The protocol every exercise check follows (helpers.checks.Exercise): plain data between
the learner's side (probe) and the judging side (judge), and the learner's verdict line."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from check_kit import verdict

from helpers.checks import Exercise, Mismatch, as_number, plain


def _double_judge(inputs, outputs):
    for x, got in zip(inputs["x"], outputs, strict=True):
        if not np.isclose(got, 2 * x):
            raise Mismatch(f"double({x}) is {got}, expected {2 * x}.")
    return "doubles every number."


DOUBLE = Exercise(
    "Exercise 9 (double)",
    "multiply by two.",
    cases=lambda seed: {"x": np.random.default_rng(seed).normal(size=3).tolist()},
    probe=lambda fn, inputs: [as_number(fn(x), "the double") for x in inputs["x"]],
    judge=_double_judge,
    seed=5,
)


def test_plain_converts_tensors_arrays_and_containers():
    got = plain({"t": torch.ones(2, requires_grad=True), "pair": (np.float32(1.5), [1, None])})
    assert isinstance(got["t"], np.ndarray) and got["t"].dtype == np.float32
    assert got["pair"] == [1.5, [1, None]] and isinstance(got["pair"][0], float)


@pytest.mark.parametrize("bad", [object(), torch.nn.Linear(1, 1), (x for x in []), {1: 2}])
def test_plain_refuses_what_is_not_data(bad):
    with pytest.raises(TypeError, match="plain data"):
        plain(bad)


def test_plain_copies_arrays():
    a = np.zeros(2)
    plain(a)[0] = 1.0
    assert a[0] == 0.0


def test_exercise_passes_fails_and_knows_an_untouched_stub(capsys):
    def stub(x):
        """Double x."""
        ...

    assert verdict(DOUBLE, lambda x: 2 * x, capsys)[0]
    result, out = verdict(DOUBLE, lambda x: x + 2, capsys)
    assert not result and "Hint: multiply by two." in out
    result, out = verdict(DOUBLE, stub, capsys)
    assert not result and "not yet: replace the `...`" in out


def test_each_seed_draws_its_own_cases_and_the_probe_gets_a_copy():
    seen = []

    def spy(fn, inputs):
        seen.append(inputs)
        inputs["x"][0] = 99.0  # a probe (or the learner's code) that edits its inputs
        return [2 * x for x in inputs["x"]]

    spied = Exercise("Exercise 9 (double)", "", DOUBLE.cases, spy, _double_judge, seed=5)
    with pytest.raises(Mismatch):  # the judge still sees the inputs as drawn
        spied.test(lambda x: 2 * x)
    assert DOUBLE.cases(5) != DOUBLE.cases(6)
    assert DOUBLE.test(lambda x: 2 * x, seed=123) == "doubles every number."
