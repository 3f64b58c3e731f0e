"""Toy inputs and float64 copies of the FashionMNIST classifiers, for gradient tests."""

import torch

from core.classifier import Concise
from core.fashion_mnist import FashionMNIST

BUILTIN = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


def toy(n: int = 64, dtype=torch.float64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 784, generator=g, dtype=dtype), torch.randint(0, 10, (n,), generator=g)


def toy_dataset(dtype=torch.float64) -> FashionMNIST:
    X, y = toy(300, dtype, seed=1)
    X_test, y_test = toy(100, dtype, seed=2)
    return FashionMNIST(X, y, X_test, y_test, "toy")


def as_double(model):
    if isinstance(model, Concise):
        return model.double()
    for name in ("W", "b", "W1", "b1", "W2", "b2"):
        if hasattr(model, name):
            setattr(model, name, getattr(model, name).double())
    return model
