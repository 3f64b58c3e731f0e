"""What forgetting the ReLU mask does: the direction of the broken gradient, and why a check can miss the bug.

The broken backward pass lets the gradient through every hidden unit, active or not. Where every unit is active
(h > 0 everywhere) the mask zeroes nothing, so the broken gradient is the true one and any check passes.
"""

from dataclasses import dataclass, replace

import numpy as np
import torch

from core.backprop_numpy.gradcheck import GradCheck, check_problem
from core.backprop_numpy.network import Problem, backward, forward, make_problem
from core.backprop_numpy.stepper import TINY
from core.i18n import N_


def all_active(p: Problem) -> Problem:
    """Return the problem with |X| and |W1|: each h = X @ W1 is then a sum of positive products, so h > 0."""
    return replace(p, X=np.abs(p.X), W1=np.abs(p.W1))


def active_fraction(p: Problem) -> float:
    """Return the fraction of hidden pre-activations h = X @ W1 that are positive: the units the ReLU lets through."""
    h, _, _ = forward(p.X, p.W1, p.W2)
    return float((h > 0).mean())


def first_step_cosine(N: int, D_in: int, H: int, D_out: int, seed: int) -> float:
    """Return the cosine between the broken and the true dL/dW1 at the initial weights (1: the same direction)."""
    p = make_problem(N, D_in, H, D_out, seed)
    h, h_relu, y_hat = forward(p.X, p.W1, p.W2)
    true, _ = backward(p.X, p.y, p.W2, h, h_relu, y_hat)
    broken, _ = backward(p.X, p.y, p.W2, h, h_relu, y_hat, mask_relu=False)
    norms = np.linalg.norm(true) * np.linalg.norm(broken)
    return float(np.sum(true * broken) / norms) if norms > 0 else 1.0  # both zero: nothing to tell apart


@dataclass
class TinyCheck:
    """The gradient check of the broken backward pass on one tiny problem, and how many units were active."""

    active: int  # hidden pre-activations h > 0
    units: int  # N * H
    check: GradCheck


def tiny_checks(seed: int = 0, device: torch.device | str = "cpu") -> dict[str, TinyCheck]:
    """Return the check of the broken backward on the tiny net as drawn, and with |X| and |W1| (all units active)."""
    drawn = make_problem(**TINY, seed=seed)
    result = {}
    for name, p in ((N_("as drawn"), drawn), (N_("every unit active"), all_active(drawn))):  # shown by name
        units = TINY["N"] * TINY["H"]
        result[name] = TinyCheck(round(active_fraction(p) * units), units,
                                 check_problem(p, seed, mask_relu=False, num_samples=TINY["D_in"] * TINY["H"],
                                               device=device))
    return result
