"""An exercise, and its check: run the learner's function in the sandbox, compare each tensor with autograd.

Each lesson's exercise lives in its package, core/<slug>/exercise.py, as `EXERCISE`; this module imports no lesson.
"""

import importlib
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch

from core import fashion_mnist, i18n
from core.costs import Work
from core.curves import Curves
from core.i18n import N_, _
from core.sandbox import Sandbox, SandboxError, run_once
from core.source import getsource

TOLERANCE = 1e-8  # float64 on both sides: only rounding differs


@dataclass(frozen=True)
class Exercise:
    """What the learner writes, how it is called, and how its answer is judged."""

    id: str
    title: str  # marked N_ where declared, like task, hints and error_hints' sentences; translated where shown
    task: str  # one or two sentences: what to write
    starter: str  # the editor's first contents
    reference: Callable  # the solution, a real function whose source the page shows on request
    arguments: list[str]  # the function's parameters, in order
    returns: list[str]  # names of what it returns, in order
    shapes: dict[str, tuple[str, ...]]  # symbolic shape of each checked tensor, e.g. ("H", "D_out")
    make_inputs: Callable[..., tuple[dict[str, np.ndarray], dict[str, int]]]  # (seed) -> (inputs, sizes)
    expected: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]  # the answer key, float64 autograd
    wrong_answers: Callable[[dict[str, np.ndarray]], dict[str, list[tuple[np.ndarray, str]]]]
    hints: tuple[str, ...]
    flavour: str = "numpy"  # "numpy": np arrays; "torch": the sandbox's torch-like tensors
    groups: dict[str, list[str]] = field(default_factory=dict)
    state: list[str] = field(default_factory=list)  # inputs read back after the call (changed in place)
    error_hints: dict[str, str] = field(default_factory=dict)  # text in a sandbox error -> what it means here
    train: Callable[..., tuple[Curves, Curves]] | None = None  # (sandbox, page options) -> (mine, reference)

    @property
    def function(self) -> str:
        return self.reference.__name__

    def reference_source(self) -> str:
        """Return the reference solution's source, as the page shows it."""
        return getsource(self.reference)

    def sandbox(self, code: str) -> Sandbox:
        """Return an unstarted sandbox for this exercise's function written as `code`."""
        return Sandbox(code, self.function, self.arguments, self.returns, self.flavour, self.groups, self.state)


@dataclass
class TensorCheck:
    """One tensor's verdict."""

    name: str
    passed: bool
    error: float | None  # largest relative error; None when the shape is wrong
    diagnosis: str


@dataclass
class Outcome:
    """The verdict on one submission."""

    passed: bool
    message: str
    checks: list[TensorCheck]
    printed: str = ""


def exercise(slug: str) -> Exercise:
    """Return the lesson's exercise, core.exercises.<slug>.EXERCISE."""
    return importlib.import_module(f"core.{slug}.exercise").EXERCISE


def relative_error(mine: np.ndarray, expected: np.ndarray) -> float:
    """Return max |mine - expected| over the largest entry of the answer, so a huge wrong answer scores badly."""
    return float(np.abs(mine - expected).max() / max(np.abs(expected).max(), 1e-300)) if expected.size else 0.0


def shape_text(symbols: tuple[str, ...] | None, shape: tuple[int, ...]) -> str:
    """Return '(H, D_out) = (100, 10)', or just the numbers when the symbols are unknown."""
    numbers = f"({', '.join(map(str, shape))})" if len(shape) != 1 else f"({shape[0]},)"
    if not symbols:
        return numbers
    return f"({', '.join(symbols)}{',' if len(symbols) == 1 else ''}) = {numbers}"


def compare(name: str, mine: np.ndarray | None, expected: np.ndarray, symbols: tuple[str, ...] | None,
            wrong: list[tuple[np.ndarray, str]]) -> TensorCheck:
    """Judge one tensor: shape first, then known mistakes, then the largest relative error."""
    if mine is None:
        return TensorCheck(name, False, None, _("{name} is missing.").format(name=name))
    if mine.shape != expected.shape:
        sentence = (_("{name} should be {expected}; yours is {yours}: a missing transpose?")
                    if mine.shape == expected.shape[::-1] else _("{name} should be {expected}; yours is {yours}."))
        return TensorCheck(name, False, None, sentence.format(name=name, expected=shape_text(symbols, expected.shape),
                                                              yours=shape_text(None, mine.shape)))
    mine = mine.astype(np.float64)
    error = relative_error(mine, expected)
    if error < TOLERANCE:
        return TensorCheck(name, True, error, _("matches autograd."))
    for answer, sentence in wrong:
        if answer.shape == mine.shape and relative_error(mine, answer) < TOLERANCE:
            return TensorCheck(name, False, error, sentence)
    if relative_error(mine, -expected) < TOLERANCE:
        return TensorCheck(name, False, error, _("{name} has the wrong sign.").format(name=name))
    ratio = float(np.sum(mine * expected) / max(np.sum(expected * expected), 1e-300))
    if abs(ratio) > 1e-12 and relative_error(mine, ratio * expected) < 1e-6:
        sentence = _("{name} is {ratio:.4g} times the right value: a factor is off.")
        return TensorCheck(name, False, error, sentence.format(name=name, ratio=ratio))
    return TensorCheck(name, False, error, _("{name} differs from autograd by up to {error:.1e} of its largest "
                                             "entry.").format(name=name, error=error))


def explain(ex: Exercise, message: str) -> str:
    """Add what a sandbox error usually means in this exercise (the texts matched are Python's, never translated)."""
    extra = [_(hint) for text, hint in ex.error_hints.items() if text in message]
    return " ".join([message, *extra])


def check(ex: Exercise, code: str, seed: int = 0, **options: object) -> Outcome:
    """Run `code` once in the sandbox on the exercise's inputs (options: e.g. activation) and judge every output."""
    inputs = ex.make_inputs(seed, **options)[0]
    try:
        reply = run_once(code, ex.function, ex.arguments, ex.returns, ex.flavour, ex.groups, ex.state, **inputs)
    except SandboxError as error:
        return Outcome(False, explain(ex, str(error)), [])
    expected = ex.expected(inputs)
    wrong = ex.wrong_answers(inputs)
    checks = [compare(name, reply.outputs.get(name), answer, ex.shapes.get(name.removesuffix(".grad")),
                      wrong.get(name, [])) for name, answer in expected.items()]
    passed = all(c.passed for c in checks)
    failed = [c.name for c in checks if not c.passed]
    message = (_("Every tensor matches autograd.") if passed
               else _("{failed} of {total} wrong: {diagnosis}").format(
                   failed=len(failed), total=len(checks), diagnosis=next(c.diagnosis for c in checks if not c.passed)))
    return Outcome(passed, message, checks, reply.printed)


NO_DATA = N_("FashionMNIST is not loaded, so there is no training run to draw; the check above is the whole "
              "exercise here.")


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore the count."""
    # the runs are tiny: a second thread costs more than it saves, and its spinning starves the sandbox's child
    # (measured on the loaded 2-core machine: 15 s with two threads, 0.5 s with one, for the ReLU exercise)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train_both(ex: Exercise, code: str, **options: object) -> tuple[Curves, Curves] | str:
    """Return the learner's and the reference's training runs, or the sentence saying why there is none.

    Options are what the page has (data, activation); each run takes those its `train` names."""
    wanted = inspect.signature(ex.train).parameters
    options = {name: value for name, value in options.items() if name in wanted}
    if "data" in wanted and options.get("data") is None:
        return _(NO_DATA)
    try:
        with ex.sandbox(code) as sandbox, one_thread():
            return ex.train(sandbox, **options)
    except (SandboxError, ValueError, RuntimeError) as error:  # outputs that do not fit the model's arrays
        return _("Training with your code stopped: {error}").format(error=explain(ex, str(error)))


def attempt(slug: str, code: str, language: str, data_dir: str | None = None, device: str | None = None,
            seed: int = 0, **options: object) -> tuple[Outcome, tuple[Curves, Curves] | str | None]:
    """What 'Run and check' shows for `code`: the check against autograd and, when it passes and the exercise
    trains, your code's training run beside the reference's (or why there is none). Plain arguments, so that the
    runner can run it in the page or in a worker and keep it: `language` is the one its sentences are written in
    (kept per language), `device` the one the lesson's data set is held on (None: none is loaded)."""
    i18n.use(language)
    ex = exercise(slug)
    outcome = check(ex, code, seed, **options)
    if not (outcome.passed and ex.train):
        return outcome, None
    data = fashion_mnist.shared(data_dir, device) if device is not None else None
    return outcome, train_both(ex, code, data=data, **options)


def attempt_cost(slug: str) -> Work:
    """What an attempt costs: starting the sandbox's process is about a thousand training steps' fixed cost, and
    an exercise that trains adds about two thousand more (its runs are small)."""
    return Work(0.0, 3000 if exercise(slug).train else 1000)
