"""Backprop for any number of layers, by the recursion the lesson derives, in NumPy float64.

Batch form, one example per row; W^l is the same matrix as in the column-vector maths:
    Z^{l+1} = A^l @ W^l + b^l                    # (N, S_{l+1}); A^1 = X
    A^{l+1} = sigma(Z^{l+1})                     # (N, S_{l+1})
    L       = 1/2 sum((A^L - y)^2)               # or without the 1/2, as in the lesson 1 network
    delta^L = dL/dA^L * sigma'(Z^L)              # (N, S_L)
    delta^l = (delta^{l+1} @ W^l.T) * sigma'(Z^l)
    dL/dW^l = A^l.T @ delta^{l+1},  dL/db^l = delta^{l+1} summed over the rows
"""

import re
from collections.abc import Callable

import numpy as np

from core.backprop_numpy.gradcheck import relative_error
from core.backprop_numpy.network import backward, forward, make_problem
from core.source import getsource


def identity(Z: np.ndarray) -> np.ndarray:
    """Return Z unchanged (an output layer with no activation)."""
    return Z


def identity_prime(Z: np.ndarray) -> np.ndarray:
    """Return ones: the derivative of the identity."""
    return np.ones_like(Z)


def relu(Z: np.ndarray) -> np.ndarray:
    """Return max(Z, 0) entry by entry."""
    return np.maximum(Z, 0)


def relu_prime(Z: np.ndarray) -> np.ndarray:
    """Return 1 where Z > 0, else 0 (at exactly 0 either choice works; random floats never land there)."""
    return (Z > 0).astype(Z.dtype)


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """Return 1 / (1 + exp(-Z)) entry by entry."""
    return 1 / (1 + np.exp(-Z))


def sigmoid_prime(Z: np.ndarray) -> np.ndarray:
    """Return sigmoid(Z) (1 - sigmoid(Z)), the sigmoid's derivative."""
    s = sigmoid(Z)
    return s * (1 - s)


ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "identity": (identity, identity_prime),
    "relu": (relu, relu_prime),
    "sigmoid": (sigmoid, sigmoid_prime),
}


def forward_layers(
    X: np.ndarray, Ws: list[np.ndarray], bs: list[np.ndarray], activations: list[str]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return Zs = [Z^2, ..., Z^L] and As = [A^1 = X, ..., A^L]; Ws[k] is W^{k+1}, activations[k] makes A^{k+2}."""
    if not len(Ws) == len(bs) == len(activations):
        raise ValueError(f"Ws, bs and activations must have one entry per layer, got {len(Ws)}, {len(bs)}, "
                         f"{len(activations)}")
    Zs, As = [], [X]
    for W, b, name in zip(Ws, bs, activations):
        Zs.append(As[-1] @ W + b)  # (N, S_{l+1})
        As.append(ACTIVATIONS[name][0](Zs[-1]))
    return Zs, As


def backprop(
    X: np.ndarray,
    y: np.ndarray,
    Ws: list[np.ndarray],
    bs: list[np.ndarray],
    activations: list[str],
    half: bool = True,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return dL/dW^l and dL/db^l for every layer, from delta^L back to delta^2 by the recursion."""
    Zs, As = forward_layers(X, Ws, bs, activations)
    grad_A = As[-1] - y if half else 2.0 * (As[-1] - y)  # dL/dA^L; without the 1/2 a factor 2 appears
    delta = grad_A * ACTIVATIONS[activations[-1]][1](Zs[-1])  # delta^L = dL/dZ^L, (N, S_L)
    grad_Ws, grad_bs = [None] * len(Ws), [None] * len(Ws)
    for k in reversed(range(len(Ws))):  # here delta = delta^{k+2}, the error of the layer Ws[k] feeds
        grad_Ws[k] = As[k].T @ delta  # (S_{k+1}, S_{k+2}): a^l (delta^{l+1})^T summed over examples
        grad_bs[k] = delta.sum(axis=0)  # (S_{k+2},): delta^{l+1} summed over examples
        if k > 0:
            delta = (delta @ Ws[k].T) * ACTIVATIONS[activations[k - 1]][1](Zs[k - 1])  # delta^{k+1}
    return grad_Ws, grad_bs


def lesson_network_gradients(
    X: np.ndarray, y: np.ndarray, W1: np.ndarray, W2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return dL/dW1 and dL/dW2 of the lesson 1 network, by the general recursion: ReLU, no activation, no biases."""
    no_biases = [np.zeros(W1.shape[1]), np.zeros(W2.shape[1])]  # b = 0 leaves every Z, and so every gradient, alone
    grad_Ws, _ = backprop(X, y, [W1, W2], no_biases, ["relu", "identity"], half=False)
    return grad_Ws[0], grad_Ws[1]


def special_case_error(N: int, D_in: int, H: int, D_out: int, seed: int) -> dict[str, float]:
    """Return the relative difference between `backward` and the general recursion, per weight, on one problem."""
    p = make_problem(N, D_in, H, D_out, seed)
    h, h_relu, y_hat = forward(p.X, p.W1, p.W2)
    by_hand = backward(p.X, p.y, p.W2, h, h_relu, y_hat)
    general = lesson_network_gradients(p.X, p.y, p.W1, p.W2)
    return {name: relative_error(a, b) for name, a, b in zip(("W1", "W2"), by_hand, general)}


def lines_assigning(function: Callable, name: str) -> list[str]:
    """Return the lines of `function`'s source that assign to `name` (`name = ...` or `name[...] = ...`)."""
    pattern = re.compile(rf"\s*{re.escape(name)}(\[.*\])?\s*=[^=]")
    return [line.strip() for line in getsource(function).splitlines() if pattern.match(line)]
