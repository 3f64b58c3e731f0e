"""Lesson 4's checkpoints: the questions 'Predict, then run' asks, and each truth read from what ran."""

from core.checkpoints import Checkpoint, lowest_final
from core.curves import Curves
from core.i18n import N_
from core.optimizers import OPTIMIZERS

CHECKPOINTS = (
    Checkpoint("race_winner", N_("Of {names}: which ends with the lowest loss after {num_iters} steps, with the "
                                 "learning rates set above?"), "choice",
               N_("{truth}. Each optimizer's step size differs (see 'Size of each step'); the one whose steps "
                  "suit this loss surface best wins, not the one with the fanciest rule."),
               options=tuple(OPTIMIZERS)),
    Checkpoint("step_gap", N_("20 steps of our hand-written SGD loop against 20 of `optimizer.step()`, from the "
                              "same weights: how far apart do the weights end?"), "choice",
               N_("{truth}. `step()` for plain SGD is `p -= lr * p.grad`, our loop's line; float32 may round it "
                  "in the last bit differently. See the metric below."),
               options=(N_("exactly equal"), N_("a rounding difference (below 1e-6)"), N_("clearly different"))),
    Checkpoint("six_correct", N_("After {epochs} epochs at lr = {lr}, how many of the six points will the "
                                 "optim.SGD model classify correctly?"), "number",
               N_("{truth}. See 'Training accuracy' and the decision regions: a point is right when it lies in "
                  "the region of its own class."), abs_tol=0, fmt="d", integer=True),
)


def race_winner(runs: dict[str, Curves]) -> str:
    """The optimizer whose run ends with the lowest loss (a diverged one never wins)."""
    return lowest_final(runs)


def step_gap(gap: float) -> str:
    """How far apart the hand-written loop's weights and optimizer.step()'s end (the largest difference)."""
    return "exactly equal" if gap == 0 else "a rounding difference (below 1e-6)" if gap < 1e-6 else "clearly different"


def six_correct(run: Curves) -> int:
    """How many of the six points the optim.SGD run classifies right at its end."""
    return round(run.values["accuracy"][-1] * 6)
