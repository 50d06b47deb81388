"""Checks for the exercises: one module per notebook (``nb01``, ``nb02``, ...).

A check calls the learner's function on its own data, prints one plain line that says
whether it passed, and on failure says what was wrong. It never raises, so a notebook with
an untouched stub still runs top to bottom. Hints come in tiers and never hold code:

- an untouched stub (its body still ``...``) gets only "not yet: replace the `...`";
- a common mistake the test recognises gets a hint aimed at it (``Mismatch(..., hint=...)``);
- any other wrong answer gets the exercise's general hint, which names the idea.

Every check is an :class:`Exercise`, split in three so that a grader can run the learner's
code in a sandboxed kernel and judge it outside (helpers.classroom, INSTRUCTORS.md):

- ``cases(seed)``: the test inputs, drawn from ``seed``, as plain data (:func:`plain`). The
  learner's check cell uses the exercise's fixed ``seed``; a grader draws a fresh one each run.
- ``probe(fn, inputs)``: runs where the learner's code runs. It calls the learner's function
  on the inputs (building tensors, models or loaders from them as needed) and returns what
  came back as plain data. It may raise :class:`Mismatch` for what only it can see (the
  function returned None, raised, or returned the wrong kind of thing), but it never decides
  that an answer is right: it computes no expected value.
- ``judge(inputs, outputs)``: computes the expected values from the inputs, compares, and
  returns the success message or raises :class:`Mismatch`. In the grader it runs in the
  grader's own process, so nothing the learner's code rebinds can change a verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "CheckResult",
    "Exercise",
    "Mismatch",
    "as_number",
    "as_values",
    "close_to",
    "expect_close",
    "expect_number",
    "expect_pair",
    "expect_returned",
    "fmt_numbers",
    "is_untouched_stub",
    "plain",
    "run_check",
]


class Mismatch(Exception):
    """Raised inside a check's test to say what the learner's answer got wrong.

    Args:
        problem: what is wrong, in the learner's terms (no code of the solution).
        hint: a nudge aimed at this particular mistake; None uses the exercise's own hint.
    """

    def __init__(self, problem: str, *, hint: str | None = None) -> None:
        super().__init__(problem)
        self.hint = hint


def _untouched_stub() -> None:
    """A stub as the notebook hands it out: a docstring and ``...``."""
    ...


def _bare_stub():  # noqa: ANN202  (the same stub without a docstring)
    pass


def is_untouched_stub(fn: Any) -> bool:
    """True if ``fn``'s body is still only ``...`` (or ``pass``): nothing to check yet."""
    code = getattr(fn, "__code__", None)
    stubs = (_untouched_stub.__code__.co_code, _bare_stub.__code__.co_code)
    if code is None or code.co_code not in stubs:
        return False
    # `lambda: 1.0` compiles to the same bytes as `...`; only its constant differs
    return all(c is None or c is Ellipsis or isinstance(c, str) for c in code.co_consts)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check. Truthy when it passed.

    A notebook shows nothing for it (the check already printed its verdict), so a check
    cell's stored output is the verdict line alone.
    """

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        pass


def run_check(
    exercise: str, fn: Any, test: Callable[[Callable[..., Any]], str], hint: str
) -> CheckResult:
    """Run ``test(fn)``, print a verdict and return whether it passed.

    Args:
        exercise: a short name, e.g. "Exercise 1 (mse_gradient)".
        fn: the learner's function.
        test: calls ``fn`` and returns a success message, or raises :class:`Mismatch`.
        hint: printed after a wrong answer: it names the idea, never the code.
    """
    if is_untouched_stub(fn):
        message = (
            f"❌ {exercise} not yet: replace the `...` with your code, then run this cell again."
        )
        print(message)
        return CheckResult(False, message)
    if not callable(fn):
        problem = f"expected your function, got {type(fn).__name__}. Pass the function itself, without ()."
    else:
        try:
            message = f"✅ {exercise} passed: {test(fn)}"
            print(message)
            return CheckResult(True, message)
        except Mismatch as exc:
            problem, hint = str(exc), exc.hint or hint
        except Exception as exc:  # the learner's code raised: report it instead of a traceback
            problem = f"your function raised {type(exc).__name__}: {exc}"
    message = f"❌ {exercise} not yet: {problem}\n   Hint: {hint}"
    print(message)
    return CheckResult(False, message)


def _as_array(value: Any, what: str) -> np.ndarray:
    """The learner's result as a float64 array, read by ``helpers.validation.to_numpy``.

    NaN and inf are kept (a wrong answer, not a malformed one); anything that is not
    numbers becomes a :class:`Mismatch` in the learner's terms.
    """
    from ..validation import describe, to_numpy

    try:
        return to_numpy(expect_returned(value, what), what, finite=False)
    except TypeError:
        raise Mismatch(f"{what} should be numbers, got {type(value).__name__}.") from None
    except ValueError:
        raise Mismatch(f"{what} is empty ({describe(value)}); it should hold numbers.") from None


def expect_returned(value: Any, what: str) -> Any:
    """Raise :class:`Mismatch` if ``value`` is None (the learner forgot ``return``).

    Args:
        value: what the learner's function returned.
        what: what it should have returned, in words, e.g. "the pair (dw, db)".

    Returns:
        ``value`` unchanged.
    """
    if value is None:
        raise Mismatch(
            f"your function returned None. End it by returning {what}.",
            hint="a function without a return statement hands back None, whatever it computed.",
        )
    return value


def expect_number(value: Any, expected: float, what: str, *, rtol: float = 1e-6) -> float:
    """Raise :class:`Mismatch` unless ``value`` is one number close to ``expected``."""
    arr = _as_array(expect_returned(value, what), what)
    if arr.size != 1:
        raise Mismatch(f"{what} should be a single number, got shape {arr.shape}.")
    got = float(arr.reshape(-1)[0])
    if not np.isclose(got, expected, rtol=rtol, atol=1e-12):
        raise Mismatch(f"{what} is {got:.6g}, expected {expected:.6g}.")
    return got


def expect_close(value: Any, expected: Any, what: str, *, rtol: float = 1e-6) -> np.ndarray:
    """Raise :class:`Mismatch` unless ``value`` has ``expected``'s shape and values."""
    arr = _as_array(expect_returned(value, what), what)
    expected = np.asarray(expected, dtype=np.float64)
    if arr.shape != expected.shape:
        raise Mismatch(f"{what} has shape {arr.shape}, expected {expected.shape}.")
    if not np.allclose(arr, expected, rtol=rtol, atol=1e-9):
        raise Mismatch(
            f"{what} is {np.round(arr, 6).tolist()}, expected {np.round(expected, 6).tolist()}."
        )
    return arr


def expect_pair(value: Any, names: str) -> tuple[Any, Any]:
    """Raise :class:`Mismatch` unless ``value`` is a pair, e.g. ``names="(dw, db)"``."""
    expect_returned(value, f"the pair {names}")
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Mismatch(f"return the pair {names}, got {type(value).__name__}.")
    return value[0], value[1]


def as_values(value: Any, what: str) -> np.ndarray:
    """``value`` (numbers, an array or a tensor) as a float64 array, else :class:`Mismatch`."""
    return _as_array(expect_returned(value, what), what)


def as_number(value: Any, what: str) -> float:
    """``value`` (a float, a one-element array or tensor) as a float, else :class:`Mismatch`."""
    arr = _as_array(expect_returned(value, what), what)
    if arr.size != 1:
        raise Mismatch(f"{what} should be a single number, got shape {arr.shape}.")
    return float(arr.reshape(-1)[0])


def close_to(got: Any, value: Any, rtol: float = 1e-4) -> bool:
    """True if ``got`` is ``value`` (numbers or same-shape arrays) within ``rtol``.

    Used to recognise a common mistake, so a shape that does not match is simply False.
    """
    if np.shape(got) != np.shape(value):
        return False
    return bool(np.allclose(got, value, rtol=rtol, atol=1e-9))


def plain(value: Any) -> Any:
    """``value`` as plain data: what a probe may hand back, and what a grader can carry as
    JSON and ``.npy`` files without pickle.

    Numbers, bools, None and strings stay as they are (NumPy scalars become Python numbers);
    tensors and arrays become NumPy arrays (detached, on the CPU, their dtype kept); tuples
    and lists become lists, dicts with string keys stay dicts, converted all the way down.

    Raises:
        TypeError: for anything else (a model, a function, a generator): a probe must turn
            such a thing into numbers first.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.copy()
    if hasattr(value, "detach") and hasattr(
        value, "cpu"
    ):  # a torch tensor, without importing torch
        return value.detach().cpu().numpy().copy()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: plain(v) for k, v in value.items()}
    raise TypeError(
        f"plain data holds numbers, strings, arrays, lists and dicts with string keys; got "
        f"{type(value).__name__}. Convert it in the probe first."
    )


@dataclass(frozen=True)
class Exercise:
    """One exercise's check: call it on the learner's function, ``check_x(x)``.

    Attributes:
        name: what the verdict line calls it, e.g. "Exercise 1 (mse_gradient)".
        hint: the general hint after a wrong answer: it names the idea, never the code.
        cases: ``cases(seed) -> inputs``, plain data drawn from ``seed``.
        probe: ``probe(fn, inputs) -> outputs``: calls ``fn``; returns plain data.
        judge: ``judge(inputs, outputs) -> message``: raises :class:`Mismatch` if wrong.
        seed: the seed of the learner's own check cell.
    """

    name: str
    hint: str
    cases: Callable[[int], Any]
    probe: Callable[[Callable[..., Any], Any], Any]
    judge: Callable[[Any, Any], str]
    seed: int = 0

    def test(self, fn: Callable[..., Any], seed: int | None = None) -> str:
        """Probe and judge ``fn`` on the cases of ``seed`` (default: :attr:`seed`), in this
        process; the success message, or :class:`Mismatch`."""
        inputs = plain(self.cases(self.seed if seed is None else seed))
        return self.judge(inputs, plain(self.probe(fn, plain(inputs))))  # the probe gets a copy

    def __call__(self, fn: Any) -> CheckResult:
        """The learner's check: print the verdict line, return a :class:`CheckResult`."""
        return run_check(self.name, fn, self.test, self.hint)


def fmt_numbers(values: Any) -> str:
    """A short list of numbers for a message, 4 significant digits each: ``[1.5, 0.25]``."""
    return "[" + ", ".join(f"{v:.4g}" for v in np.asarray(values, dtype=float).reshape(-1)) + "]"
