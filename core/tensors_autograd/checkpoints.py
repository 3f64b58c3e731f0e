"""Lesson 2's checkpoints: the questions 'Predict, then run' asks, and each truth read from what ran."""

from core.checkpoints import Checkpoint
from core.i18n import N_

CHECKPOINTS = (
    Checkpoint("x_grad", N_("y = w·x + b at x = 1, w = 2, b = 3. After `y.backward()`, what is `x.grad`?"),
               "number", N_("{truth}: ∂y/∂x = w. See the first row of the table below."), abs_tol=1e-9, fmt="g"),
    Checkpoint("y_grad", N_("And `y.grad`?"), "choice",
               N_("{truth}. Autograd keeps `.grad` only for leaves, the tensors you made with requires_grad=True; "
                  "y is computed, so it keeps none (and PyTorch warns). See the last row of the table below."),
               options=("1", "0", "None")),
    Checkpoint("accumulate", N_("Three `y.backward()` calls on the same y = w·x + b (x = 1), never calling "
                                "`w.grad.zero_()`: what is `w.grad` after the third?"), "number",
               N_("{truth}: each backward() adds ∂y/∂w = x = 1 to what `w.grad` already holds. See the column "
                  "'without zero_()' below."), abs_tol=1e-9, fmt="g"),
)


def y_grad(grads: dict) -> str:
    """What `y.grad` holds after `y.backward()` (demos.scalar_backward), as the options name it."""
    return "None" if grads["y.grad"] is None else f"{grads['y.grad'].item():g}"
