"""Softmax, cross-entropy and their gradient by hand, and the model they train, next to nn.Linear.

    O = X @ W + b          # (n, 10) logits
    P = softmax(O)         # (n, 10) probabilities, each row sums to 1
    L = cross_entropy(P, y)
"""

from dataclasses import dataclass

import torch
from torch import nn

from core.classifier import Concise, copy_into_linear, init_weights
from core.i18n import N_

# ---- softmax and cross-entropy, by hand ------------------------------------------------------------------

def naive_softmax(O: torch.Tensor) -> torch.Tensor:
    """Return exp(O) / its row sums: the textbook formula, which overflows for logits above about 88 in float32."""
    E = torch.exp(O)
    return E / E.sum(dim=1, keepdim=True)


def softmax(O: torch.Tensor) -> torch.Tensor:
    """Return the probabilities for the (m, k) logits, computed safely: subtracting a row's max changes nothing."""
    E = torch.exp(O - O.max(dim=1, keepdim=True).values)
    return E / E.sum(dim=1, keepdim=True)


def cross_entropy(P: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Return the mean of -log(probability given to the true class)."""
    return -torch.log(P[torch.arange(len(y)), y]).mean()


def softmax_cross_entropy_grad(P: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Return dL/dO for L = cross_entropy(softmax(O), y): (P - one_hot(y)) / n. The exps cancel out."""
    dO = P.clone()
    dO[torch.arange(len(y)), y] -= 1
    return dO / len(y)


@dataclass(frozen=True)
class Overflow:
    """The cross-entropy of one image's logits, three ways, and what makes the naive way fail."""
    largest_logit: float
    exp_max: float  # exp of the largest logit, in float32: inf above about 88.7
    naive: float  # -log(softmax), softmax computed as exp / sum exp
    shifted: float  # the same with the largest logit subtracted first
    log_sum_exp: float  # from log-probabilities, never exponentiating a large number

    def rows(self) -> list[tuple[str, float]]:
        """Each quantity with its name (marked for translation), in the order the table shows them."""
        return [(N_("largest logit"), self.largest_logit), (N_("exp(largest logit)"), self.exp_max),
                (N_("naive: -log(softmax)"), self.naive), (N_("max-shifted softmax"), self.shifted),
                ("log-sum-exp", self.log_sum_exp)]


def overflow_demo(scale: float) -> Overflow:
    """Return the cross-entropy of logits [1, 2, 3] * scale (true class 0), the naive way and the log-sum-exp way."""
    O = torch.tensor([[1.0, 2.0, 3.0]]) * scale  # float32, like real training
    y = torch.tensor([0])
    naive = cross_entropy(naive_softmax(O), y).item()
    log_probs = O - torch.logsumexp(O, dim=1, keepdim=True)  # log softmax, never exponentiating a large number
    return Overflow(largest_logit=O.max().item(), exp_max=torch.exp(O.max()).item(), naive=naive,
                    shifted=cross_entropy(softmax(O), y).item(), log_sum_exp=-log_probs[0, 0].item())


# ---- the model, from scratch ------------------------------------------------------------------------------

class SoftmaxScratch:
    """O = X @ W + b; probabilities softmax(O). Gradients written out by hand."""

    updates_by_hand = True

    def __init__(self, W, b):
        self.W, self.b = W, b  # (784, 10), (10,)

    def parameters(self):
        return [self.W, self.b]

    def __call__(self, X):
        return X @ self.W + self.b  # (n, 10) logits

    def loss_and_grads(self, X, y):
        O = self(X)
        P = softmax(O)
        dO = softmax_cross_entropy_grad(P, y)  # (n, 10)
        self.W.grad = X.T @ dO  # (784, 10)
        self.b.grad = dO.sum(dim=0)  # (10,)
        return cross_entropy(P, y), O

    def input_weights(self):
        return self.W


def softmax_regression(version: str, seed: int = 0, device: torch.device | str = "cpu"):
    """Return the scratch or concise softmax regression, both starting from the same weights."""
    W, b = init_weights([784, 10], seed, device)
    if version == "scratch":
        return SoftmaxScratch(W, b)
    net = nn.Linear(784, 10).to(device)
    copy_into_linear(net, W, b)
    return Concise(net)
