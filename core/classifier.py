"""What every FashionMNIST classifier offers the shared training loop, the concise wrapper, and shared weights.

A classifier leaves dL/dparam in each param.grad from `loss_and_grads(X, y)` and returns (loss, logits), so one
loop trains the hand-written models and the torch.nn ones alike.
"""

from typing import Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import nn


@runtime_checkable
class Classifier(Protocol):
    """The interface the training loop and the pages rely on; nothing else about a model is assumed."""

    updates_by_hand: bool  # True: plain SGD is written out (training.SGDByHand); False: torch.optim steps it

    def parameters(self): ...

    def __call__(self, X: torch.Tensor) -> torch.Tensor: ...  # (n, 784) -> (n, 10) logits

    def loss_and_grads(self, X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...

    def input_weights(self) -> torch.Tensor: ...  # (784, k): what each of k units or classes looks for


class Concise(nn.Module):
    """Any nn.Module classifier trained with F.cross_entropy, which fuses log-softmax and the loss."""

    updates_by_hand = False

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, X):
        return self.net(X)

    def loss_and_grads(self, X, y):
        self.zero_grad()  # backward() adds into .grad, so clear the last batch's first
        O = self(X)
        loss = F.cross_entropy(O, y)
        loss.backward()
        return loss.detach(), O.detach()

    def input_weights(self) -> torch.Tensor:
        first = next(m for m in self.net.modules() if isinstance(m, nn.Linear))
        return first.weight.T  # nn.Linear stores (out, in)


def init_weights(sizes: list[int], seed: int, device: torch.device | str, std: float = 0.01) -> list[torch.Tensor]:
    """Weights drawn from N(0, std^2) and zero biases, layer by layer, from one seeded generator on the CPU."""
    g = torch.Generator().manual_seed(seed)
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        params += [torch.randn(fan_in, fan_out, generator=g) * std, torch.zeros(fan_out)]
    return [p.to(device) for p in params]


def copy_into_linear(layer: nn.Linear, W: torch.Tensor, b: torch.Tensor) -> None:
    """Give an nn.Linear the weights of a hand-written layer X @ W + b (nn.Linear stores W transposed)."""
    with torch.no_grad():
        layer.weight.copy_(W.T)
        layer.bias.copy_(b)
