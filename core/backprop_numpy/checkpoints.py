"""Lesson 1's checkpoints: the questions 'Predict, then run' asks, and each truth read from what ran."""

from core.checkpoints import RATIOS, Checkpoint, ratio_option
from core.i18n import N_

CHECKPOINTS = (
    Checkpoint("broken_mask", N_("Suppose `backward()` forgot the ReLU mask, the line `grad_h[h < 0] = 0`. "
                                 "Which hand-written gradients would then fail the check?"), "choice",
               N_("{truth}. `grad_W2 = h_relu.T @ grad_y_hat` is computed before the mask and never uses it; only "
                  "`grad_W1 = X.T @ grad_h` comes after it. Turn on the toggle below and compare the W1 and W2 "
                  "bars with the dashed tolerance."),
               options=(N_("only grad_W1"), N_("only grad_W2"), N_("both"), N_("neither"))),
    Checkpoint("heldout", N_("After {num_iters} iterations at lr = {lr:.0e}, how will the loss on a fresh "
                             "held-out batch compare with the loss on the training batch?"), "choice",
               N_("{truth}. The network has {num_weights:,} weights for {num_targets:,} targets: it can fit pure "
                  "noise, so what it learns is its own batch. Compare the two curves of 'Training versus held-out "
                  "loss'."), options=RATIOS),
    Checkpoint("baseline", N_("With N = {N} and D_out = {D_out}, the targets are standard normal. What summed "
                              "squared loss does a network that always predicts 0 get, on average?"), "number",
               N_("{truth}: each of the N·D_out = {truth} targets adds E[y²] = 1. It is the dashed line on "
                  "'Training versus held-out loss'."), rel_tol=0.1, fmt=".0f"),
)


# which of the two hand-written gradients fail the check, as the options of "broken_mask" name them
MASK_VERDICT = {(): "neither", ("W1",): "only grad_W1", ("W2",): "only grad_W2", ("W1", "W2"): "both"}


def broken_mask(failing: tuple[str, ...]) -> str:
    """The gradients that failed the check of a backward pass without the ReLU mask (GradCheck.failing())."""
    return MASK_VERDICT[failing]


def heldout(held_out_loss: float, final_loss: float) -> str:
    """How the last held-out loss compares with the last training loss."""
    return ratio_option(held_out_loss, final_loss)
