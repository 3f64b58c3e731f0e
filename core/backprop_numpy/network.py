"""A two-layer ReLU network with no bias, trained by hand-written backprop in NumPy (float64).

    h      = X @ W1            # (N, H)
    h_relu = max(h, 0)         # (N, H)
    y_hat  = h_relu @ W2       # (N, D_out)
    loss   = sum((y_hat - y)^2)
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.checks import check_lr, check_sizes
from core.curves import Curves
from core.i18n import N_


@dataclass
class Problem:
    """Random data and random initial weights, all float64."""

    X: np.ndarray  # (N, D_in)
    y: np.ndarray  # (N, D_out)
    W1: np.ndarray  # (D_in, H)
    W2: np.ndarray  # (H, D_out)
    X_val: np.ndarray  # (N, D_in) fresh random inputs the net never trains on
    y_val: np.ndarray  # (N, D_out) and their fresh random targets


def make_problem(N: int = 64, D_in: int = 1000, H: int = 100, D_out: int = 10, seed: int = 0) -> Problem:
    """Return standard-normal inputs, targets and weights drawn from one seeded generator."""
    check_sizes(N=N, D_in=D_in, H=H, D_out=D_out)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D_in))
    y = rng.standard_normal((N, D_out))
    W1 = rng.standard_normal((D_in, H))
    W2 = rng.standard_normal((H, D_out))
    X_val = rng.standard_normal((N, D_in))
    y_val = rng.standard_normal((N, D_out))
    return Problem(X, y, W1, W2, X_val, y_val)


def forward(X: np.ndarray, W1: np.ndarray, W2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return h, h_relu and y_hat for inputs X."""
    h = X @ W1  # (N, H)
    h_relu = np.maximum(h, 0)  # (N, H)
    y_hat = h_relu @ W2  # (N, D_out)
    return h, h_relu, y_hat


def squared_error(y_hat: np.ndarray, y: np.ndarray) -> float:
    """Return the summed squared error (no division by N, as in the original example)."""
    return float(np.square(y_hat - y).sum())


def backward(
    X: np.ndarray,
    y: np.ndarray,
    W2: np.ndarray,
    h: np.ndarray,
    h_relu: np.ndarray,
    y_hat: np.ndarray,
    mask_relu: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Return dL/dW1 and dL/dW2 by the chain rule, from the output back to the input."""
    grad_y_hat = 2.0 * (y_hat - y)  # (N, D_out)  dL/dy_hat
    grad_W2 = h_relu.T @ grad_y_hat  # (H, D_out)  because y_hat = h_relu @ W2
    grad_h_relu = grad_y_hat @ W2.T  # (N, H)
    grad_h = grad_h_relu.copy()  # (N, H)
    if mask_relu:
        grad_h[h < 0] = 0  # ReLU lets the gradient through only where h > 0
    grad_W1 = X.T @ grad_h  # (D_in, H)  because h = X @ W1
    return grad_W1, grad_W2


def train(
    N: int = 64,
    D_in: int = 1000,
    H: int = 100,
    D_out: int = 10,
    lr: float = 1e-6,
    num_iters: int = 500,
    seed: int = 0,
    mask_relu: bool = True,
    on_iteration: Callable[[int], bool | None] | None = None,
) -> Curves:
    """Train by gradient descent: the training and held-out loss per iteration; stops if the loss overflows, or
    when on_iteration(t) returns True (Stop pressed). mask_relu=False trains with the broken backward pass that
    forgets the ReLU mask."""
    check_lr(lr)
    check_sizes(num_iters=num_iters)
    p = make_problem(N, D_in, H, D_out, seed)
    X, y, W1, W2 = p.X, p.y, p.W1, p.W2
    losses, val_losses, diverged_at = [], [], None
    with np.errstate(over="ignore", invalid="ignore"):  # we report overflow ourselves
        for t in range(num_iters):
            h, h_relu, y_hat = forward(X, W1, W2)
            loss = squared_error(y_hat, y)
            if not np.isfinite(loss):
                diverged_at = t
                break
            losses.append(loss)
            _, _, y_val_hat = forward(p.X_val, W1, W2)  # never trained on
            val_losses.append(squared_error(y_val_hat, p.y_val))
            grad_W1, grad_W2 = backward(X, y, W2, h, h_relu, y_hat, mask_relu)
            W1 = W1 - lr * grad_W1
            W2 = W2 - lr * grad_W2
            if on_iteration is not None and on_iteration(t):  # lets a page show progress, and stop the run
                break
    return Curves({"loss": losses, "held-out loss": val_losses}, diverged_at, outputs={"W1": W1, "W2": W2})


def loss_figures(result: Curves, N: int, D_in: int, H: int, D_out: int) -> dict[str, float]:
    """Return the sizes the lesson's prose quotes for one run (it needs at least one finite loss)."""
    num_targets = N * D_out
    per_entry = result.losses[0] / num_targets  # mean squared error of one output at the start
    return {
        "first_loss": result.losses[0],
        "final_loss": result.losses[-1],
        "per_entry": per_entry,
        "error_size": float(np.sqrt(per_entry)),  # root mean square error of one output
        "best_held_out": min(result.values["held-out loss"]),
        "baseline": float(num_targets),  # expected loss of predicting 0 for standard-normal targets: N D_out E[y^2]
        "num_targets": num_targets,
        "num_weights": D_in * H + H * D_out,
    }


def tensor_shapes(N: int, D_in: int, H: int, D_out: int) -> list[tuple[str, tuple[int, ...], str]]:
    """Return (name, shape, meaning) for every array in one forward and backward pass at these sizes."""
    p = make_problem(N, D_in, H, D_out)
    h, h_relu, y_hat = forward(p.X, p.W1, p.W2)
    grad_W1, grad_W2 = backward(p.X, p.y, p.W2, h, h_relu, y_hat)
    arrays = [
        ("X", p.X, N_("inputs, one row per example")),
        ("y", p.y, N_("targets")),
        ("W1", p.W1, N_("first-layer weights")),
        ("h", h, N_("X @ W1, before the ReLU")),
        ("h_relu", h_relu, "max(h, 0)"),
        ("W2", p.W2, N_("second-layer weights")),
        ("y_hat", y_hat, N_("h_relu @ W2, the prediction")),
        ("grad_y_hat", 2.0 * (y_hat - p.y), "dL/dy_hat = 2 (y_hat - y)"),
        ("grad_W2", grad_W2, "h_relu.T @ grad_y_hat"),
        ("grad_h", h, N_("(grad_y_hat @ W2.T) masked where h < 0")),
        ("grad_W1", grad_W1, "X.T @ grad_h"),
    ]
    return [(name, tuple(a.shape), meaning) for name, a, meaning in arrays]
