"""'Predict, then run': what a checkpoint is, and how a committed prediction is judged.

Each lesson declares its own checkpoints, and reads each truth from what it ran, in its package's checkpoints
module (core/<slug>/checkpoints.py); this module holds the mechanism and the options several lessons share.
"""

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass

from core.curves import Curves
from core.i18n import N_, _

KINDS = ("choice", "number")


@dataclass(frozen=True)
class Checkpoint:
    id: str
    question: str  # marked N_; may hold {names} the page fills in from its settings, e.g. "at lr = {lr:.0e}"
    kind: str  # "choice" or "number"
    explanation: str  # marked N_; why the answer is what it is (see a chart, a code line); {truth}, {names} filled in
    options: tuple[str, ...] = ()  # for "choice": compared in code, so kept in English and translated when shown
    rel_tol: float = 0.0  # for "number": right when within rel_tol of the truth, or within abs_tol
    abs_tol: float = 0.0
    fmt: str = ".4g"  # how a number is shown
    integer: bool = False  # the answer is a whole number (the input takes no decimals)
    labels: Callable[[str], str] | None = None  # how an option reads (default: translated as it is)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"checkpoint {self.id}: kind must be one of {KINDS}, not {self.kind!r}")
        if (self.kind == "choice") != bool(self.options):
            raise ValueError(f"checkpoint {self.id}: a choice has options, a number has none")
        if self.rel_tol < 0 or self.abs_tol < 0:
            raise ValueError(f"checkpoint {self.id}: tolerances cannot be negative")

    def text(self, values: dict | None = None) -> str:
        """The question in the current language, with the page's values filled in."""
        return _(self.question).format(**(values or {}))

    def show(self, value: object) -> str:
        """An answer or a truth as the page shows it, an option in the current language."""
        if self.kind == "number":
            return format(value, self.fmt)
        return (self.labels or _)(str(value))


@dataclass(frozen=True)
class Verdict:
    correct: bool
    truth: str  # formatted
    explanation: str


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def check(checkpoint: Checkpoint, answer: object, truth: object, values: dict | None = None) -> Verdict:
    """Judge `answer` against `truth`; raise ValueError for an answer (or truth) of the wrong kind."""
    if checkpoint.kind == "choice":
        if truth not in checkpoint.options:
            raise ValueError(_("the truth {truth} is not one of the options of {id}").format(
                truth=repr(truth), id=checkpoint.id))
        if not isinstance(answer, str) or answer not in checkpoint.options:
            raise ValueError(_("pick one of the options: {options}").format(
                options=", ".join(map(checkpoint.show, checkpoint.options))))
        correct = answer == truth
    else:
        if not _is_number(truth):
            raise ValueError(_("the truth of {id} is not a finite number: {truth}").format(
                id=checkpoint.id, truth=repr(truth)))
        if not _is_number(answer):
            raise ValueError(_("enter a finite number"))
        gap = abs(answer - truth)
        correct = gap <= checkpoint.abs_tol or gap <= checkpoint.rel_tol * abs(truth)
    return Verdict(correct, checkpoint.show(truth), explain(checkpoint, truth, values))


def explain(checkpoint: Checkpoint, truth: object, values: dict | None = None) -> str:
    """The explanation in the current language, with the truth and the page's values filled in."""
    return _(checkpoint.explanation).format(truth=checkpoint.show(truth), **(values or {}))


# ---- truths that several lessons compute the same way --------------------------------------------------------

def lowest_final(curves: dict[str, Curves]) -> str:
    """The name of the curve whose last loss is lowest; one that diverged or has no loss counts as infinite."""
    def last(c: Curves) -> float:
        return c.losses[-1] if c.losses and c.diverged_at is None and math.isfinite(c.losses[-1]) else math.inf
    return min(curves, key=lambda name: last(curves[name]))


TRENDS = (N_("it falls"), N_("it stays about where it started"), N_("it rises or blows up"))


def trend(c: Curves) -> str:
    """One of TRENDS: falls to under half its first value, rises past twice it (or overflows), or neither."""
    if c.diverged_at is not None or not c.losses or not math.isfinite(c.losses[-1]):
        return TRENDS[2]
    first, last = c.losses[0], c.losses[-1]
    return TRENDS[0] if last < 0.5 * first else TRENDS[2] if last > 2 * first else TRENDS[1]


RATIOS = (N_("lower (under half)"), N_("about the same (within 2×)"), N_("higher, but less than 10×"),
          N_("far higher (10× or more)"))


def ratio_option(a: float, b: float) -> str:
    """One of RATIOS: how `a` compares with `b` (both positive)."""
    ratio = a / b
    return RATIOS[0] if ratio < 0.5 else RATIOS[1] if ratio <= 2 else RATIOS[2] if ratio < 10 else RATIOS[3]


YES_NO = (N_("yes"), N_("no"))


def yes_no(condition: bool) -> str:
    return YES_NO[0] if condition else YES_NO[1]


def of(slug: str) -> tuple[Checkpoint, ...]:
    """A lesson's checkpoints, in the order its page asks them: core/<slug>/checkpoints.py's CHECKPOINTS (every
    lesson has the module, so that the totals are known without running a page)."""
    return importlib.import_module(f"core.{slug}.checkpoints").CHECKPOINTS


def find(slug: str, checkpoint_id: str) -> Checkpoint:
    """The checkpoint of a lesson with this id."""
    return next(c for c in of(slug) if c.id == checkpoint_id)
