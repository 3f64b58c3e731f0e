"""Check the hand-written gradients of the NumPy network against two independent answer keys.

1. PyTorch autograd in float64, on the whole of each gradient.
2. Central finite differences, (L(w + eps) - L(w - eps)) / (2 eps), on a random sample of entries.
"""

from dataclasses import dataclass

import numpy as np
import torch

from core.backprop_numpy.network import Problem, backward, forward, make_problem, squared_error

AUTOGRAD_TOL = 1e-12  # both sides compute the same float64 sums; only rounding differs
FINITE_DIFF_TOL = 1e-6  # the difference quotient itself is accurate to about eps^2 and rounding


@dataclass
class GradCheck:
    """Max relative error of each hand-written gradient against each reference, and the verdict."""

    autograd_error: dict[str, float]  # {"W1": ..., "W2": ...}
    finite_diff_error: dict[str, float]
    num_samples: int
    device: str

    @property
    def passed(self) -> bool:
        """True when every error is below its tolerance."""
        autograd_ok = max(self.autograd_error.values()) < AUTOGRAD_TOL
        return autograd_ok and max(self.finite_diff_error.values()) < FINITE_DIFF_TOL

    def failing(self) -> tuple[str, ...]:
        """The gradients ("W1", "W2") whose error against either reference is at or above its tolerance."""
        return tuple(k for k in self.autograd_error
                     if self.autograd_error[k] >= AUTOGRAD_TOL or self.finite_diff_error[k] >= FINITE_DIFF_TOL)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Return max |a - b| over the largest entry of either, so entries near zero cannot inflate it."""
    scale = max(np.abs(a).max(), np.abs(b).max(), 1e-300)
    return float(np.abs(a - b).max() / scale)


def autograd_gradients(
    X: np.ndarray, y: np.ndarray, W1: np.ndarray, W2: np.ndarray, device: torch.device
) -> tuple[np.ndarray, np.ndarray]:
    """Return dL/dW1 and dL/dW2 computed by torch autograd in float64 on `device`."""
    X_t, y_t = (torch.tensor(a, dtype=torch.float64, device=device) for a in (X, y))
    W1_t, W2_t = (torch.tensor(a, dtype=torch.float64, device=device, requires_grad=True) for a in (W1, W2))
    loss = (X_t.mm(W1_t).clamp(min=0).mm(W2_t) - y_t).pow(2).sum()
    loss.backward()
    return W1_t.grad.cpu().numpy(), W2_t.grad.cpu().numpy()


def finite_difference(
    X: np.ndarray, y: np.ndarray, W1: np.ndarray, W2: np.ndarray, which: str, index: tuple[int, int], eps: float
) -> float:
    """Return the central difference of the loss with respect to one entry of W1 or W2."""
    W = {"W1": W1, "W2": W2}[which].copy()

    def loss_at(value: float) -> float:
        W[index] = value
        weights = (W, W2) if which == "W1" else (W1, W)
        return squared_error(forward(X, *weights)[2], y)

    w = W[index]
    return (loss_at(w + eps) - loss_at(w - eps)) / (2 * eps)


def check_gradients(
    N: int = 64,
    D_in: int = 1000,
    H: int = 100,
    D_out: int = 10,
    seed: int = 0,
    mask_relu: bool = True,
    num_samples: int = 20,
    eps: float = 1e-4,
    device: torch.device | str = "cpu",
) -> GradCheck:
    """Compare `backward` (with or without its ReLU mask) with autograd and finite differences."""
    return check_problem(make_problem(N, D_in, H, D_out, seed), seed, mask_relu, num_samples, eps, device)


def check_problem(
    p: Problem,
    seed: int = 0,
    mask_relu: bool = True,
    num_samples: int = 20,
    eps: float = 1e-4,
    device: torch.device | str = "cpu",
) -> GradCheck:
    """Compare `backward` with autograd and finite differences on one problem; `seed` picks the sampled entries."""
    h, h_relu, y_hat = forward(p.X, p.W1, p.W2)
    mine = dict(zip(("W1", "W2"), backward(p.X, p.y, p.W2, h, h_relu, y_hat, mask_relu=mask_relu)))
    reference = dict(zip(("W1", "W2"), autograd_gradients(p.X, p.y, p.W1, p.W2, torch.device(device))))
    autograd_error = {k: relative_error(mine[k], reference[k]) for k in mine}

    rng = np.random.default_rng(seed + 1)
    finite_diff_error = {}
    for which, W in (("W1", p.W1), ("W2", p.W2)):
        rows, cols = rng.integers(W.shape[0], size=num_samples), rng.integers(W.shape[1], size=num_samples)
        numeric = np.array([finite_difference(p.X, p.y, p.W1, p.W2, which, (i, j), eps) for i, j in zip(rows, cols)])
        finite_diff_error[which] = relative_error(mine[which][rows, cols], numeric)
    return GradCheck(autograd_error, finite_diff_error, num_samples, str(device))
