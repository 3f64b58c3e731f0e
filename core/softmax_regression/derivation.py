"""The results the lesson derives, as code, each checked against autograd in float64.

One example per row, as in the training code (the tutorial puts examples in columns; the trace form is the same):
    Y     = one_hot(y)                     # (m, k)
    Y_hat = softmax(O)                     # (m, k)
    L     = -(1/m) tr(Y^T ln Y_hat)        # = mean cross-entropy
    dL/dO = (Y_hat - Y) / m
"""

import torch
import torch.nn.functional as F

from core.i18n import N_
from core.softmax_regression.model import softmax, softmax_cross_entropy_grad


def one_hot(y: torch.Tensor, k: int = 10, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Return the (m, k) matrix with a 1 in each row at the true class and 0 elsewhere."""
    return (y[:, None] == torch.arange(k, device=y.device)).to(dtype)


def trace_cross_entropy(Y_hat: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Return -(1/m) tr(Y^T ln Y_hat): the mean cross-entropy, written with one-hot labels Y as the tutorial does."""
    return -torch.trace(Y.T @ torch.log(Y_hat)) / len(Y)  # Y.T @ ln Y_hat: (k, k); its diagonal sums over examples


def sigmoid(z: torch.Tensor) -> torch.Tensor:
    """Return 1 / (1 + e^-z): the probability of class 1 when there are two classes and z = o_1 - o_0."""
    return 1 / (1 + torch.exp(-z))


def sigmoid_grad(z: torch.Tensor) -> torch.Tensor:
    """Return the derivative of the sigmoid, sigma(z) (1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def derivation_checks(seed: int = 0, m: int = 64, k: int = 10) -> dict[str, float]:
    """Return, for each derived formula, the largest |formula - autograd| on random float64 logits."""
    g = torch.Generator().manual_seed(seed)
    O = (3 * torch.randn(m, k, generator=g, dtype=torch.float64)).requires_grad_()  # (m, k) logits
    y = torch.randint(0, k, (m,), generator=g)
    (autograd_dO,) = torch.autograd.grad(F.cross_entropy(O, y), O)
    O = O.detach()
    z = (3 * torch.randn(m, generator=g, dtype=torch.float64)).requires_grad_()
    (autograd_dsigma,) = torch.autograd.grad(torch.sigmoid(z).sum(), z)  # each z_i only moves its own sigma
    t = torch.randint(0, 2, (m,), generator=g).double()  # two-class labels, 0 or 1
    (autograd_dz,) = torch.autograd.grad(F.binary_cross_entropy_with_logits(z, t, reduction="sum"), z)
    z = z.detach()
    O2 = O[:, :2]  # two classes
    return {
        "dL/dO = (Y_hat - Y) / m": (softmax_cross_entropy_grad(softmax(O), y) - autograd_dO).abs().max().item(),
        N_("-(1/m) tr(Y^T ln Y_hat) = cross-entropy"):
            (trace_cross_entropy(softmax(O), one_hot(y, k, O.dtype)) - F.cross_entropy(O, y)).abs().item(),
        "softmax(o_0, o_1)_1 = sigma(o_1 - o_0)": (softmax(O2)[:, 1] - sigmoid(O2[:, 1] - O2[:, 0])).abs().max().item(),
        "sigma' = sigma (1 - sigma)": (sigmoid_grad(z) - autograd_dsigma).abs().max().item(),
        N_("two classes: dL/dz = sigma(z) - y"): (sigmoid(z) - t - autograd_dz).abs().max().item(),
    }
