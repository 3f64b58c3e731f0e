"""Lesson 3's checkpoints: the questions 'Predict, then run' asks, and each truth read from what ran."""

from core.checkpoints import TRENDS, YES_NO, Checkpoint, lowest_final, trend, yes_no
from core.curves import Curves
from core.i18n import N_

CHECKPOINTS = (
    Checkpoint("init_winner", N_("At lr = {lr:.0e}, after {num_iters} steps, which initialisation ends with "
                                 "the lower loss?"), "choice",
               N_("{truth}. The loss one step removes scales with lr·‖∇L‖², and normal_ makes the weights, the "
                  "outputs and so the gradients far larger: see the table of the first step below the chart."),
               options=(N_("nn.Linear default init"), "nn.init.normal_")),
    Checkpoint("lr_1e3", N_("At lr = 1e-3 instead, with {init} and H = {H}, what happens to the loss of "
                            "nn.Sequential over {num_iters} steps?"), "choice",
               N_("{truth}. A step too large for the curvature overshoots the minimum and each overshoot is "
                  "larger than the last; small enough, it descends. See the chart 'lr = 1e-3'."), options=TRENDS),
    Checkpoint("dropout_same", N_("In train mode, with dropout p = {p}, do two calls on the same input give the "
                                  "same output?"), "choice",
               N_("{truth}. In train mode nn.Dropout zeroes each entry with probability p afresh on every call "
                  "(and scales the rest by 1/(1 − p)); with p = 0 it zeroes nothing. See 'train mode: two calls "
                  "equal?'."), options=YES_NO),
)


def by_init(trained: dict[str, Curves], normal_init: bool) -> dict[str, Curves]:
    """The runs of the default and of the normal_ initialisation, by the options' names: the page trains
    nn.Sequential with the initialisation chosen and the "other init" with the other one."""
    return {"nn.Linear default init": trained["other init" if normal_init else "Sequential"],
            "nn.init.normal_": trained["Sequential" if normal_init else "other init"]}


def init_winner(both: dict[str, Curves]) -> str:
    """Which initialisation ends with the lower loss (by_init's runs)."""
    return lowest_final(both)


def lr_1e3(run: Curves) -> str:
    """What the loss does over the run at lr = 1e-3."""
    return trend(run)


def dropout_same(same_in_train_mode: bool) -> str:
    """Whether two train-mode calls gave the same output (TrainVersusEval.same["train"])."""
    return yes_no(same_in_train_mode)
