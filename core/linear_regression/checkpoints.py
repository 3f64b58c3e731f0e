"""Lesson 5's checkpoints: the questions 'Predict, then run' asks, and each truth read from what ran."""

from core.checkpoints import YES_NO, Checkpoint, yes_no
from core.curves import Curves
from core.i18n import N_

TOLERANCE = 0.01  # "within 0.01 of the truth"

CHECKPOINTS = (
    Checkpoint("within", N_("After {num_epochs} epochs at lr = {lr} with noise {noise}, will every learned "
                            "parameter be within 0.01 of the truth?"), "choice",
               N_("{truth}: the largest error is {worst:.4f}. See the table 'Learned versus true'."),
               options=YES_NO),
    Checkpoint("learned_b", N_("What b will the concise version learn?"), "number",
               N_("{truth}: see the table below. With enough epochs the noise (mean 0) averages out and b lands "
                  "near the true {b}."), abs_tol=0.05, fmt=".4f"),
    Checkpoint("final_mse", N_("What will the from-scratch version's final mean squared error (whole data) be?"),
               "number", N_("{truth}. A perfect fit still leaves the noise: its variance, noise² = {floor:.3g}, "
                            "is the floor of the curve 'Mean squared error'."),
               rel_tol=0.5, abs_tol=1e-6, fmt=".3g"),
)


def largest_error(learned: dict[str, list[float]], truth: tuple[float, ...]) -> float:
    """The largest gap between any learned parameter (of any version) and the true one."""
    return max(abs(v - t) for values in learned.values() for v, t in zip(values, truth))


def within(worst: float) -> str:
    """Whether every learned parameter is within TOLERANCE of the truth (from largest_error)."""
    return yes_no(worst <= TOLERANCE)


def final_mse(scratch: Curves) -> float | None:
    """The from-scratch version's last mean squared error, None before it has one."""
    return scratch.losses[-1] if scratch.losses else None
