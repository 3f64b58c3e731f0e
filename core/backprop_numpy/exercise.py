"""Lesson 1's exercise: write the NumPy backward pass of the two-layer ReLU network."""

import math

import numpy as np
import torch

from core.backprop_numpy.network import forward, make_problem, squared_error, train
from core.curves import Curves
from core.exercises.check import Exercise
from core.i18n import N_, _
from core.sandbox import Sandbox

SIZES = {"N": 64, "D_in": 1000, "H": 100, "D_out": 10}  # the lesson's defaults
TRAIN = dict(SIZES, lr=1e-6, num_iters=100, seed=0)  # a short run: every iteration is a call into the sandbox

STARTER = '''def backward(X, y, W2, h, h_relu, y_hat):
    grad_y_hat = ...  # dL/dy_hat for L = sum((y_hat - y)**2), shape (N, D_out)
    grad_W2 = ...  # (H, D_out), because y_hat = h_relu @ W2
    grad_h_relu = ...  # (N, H)
    grad_h = ...  # (N, H): the ReLU lets the gradient through only where h > 0
    grad_W1 = ...  # (D_in, H), because h = X @ W1
    return grad_y_hat, grad_W2, grad_h_relu, grad_h, grad_W1
'''


def backward(X, y, W2, h, h_relu, y_hat):
    """Return every gradient of the lesson 1 network, from the output back to the input."""
    grad_y_hat = 2.0 * (y_hat - y)  # (N, D_out)
    grad_W2 = h_relu.T @ grad_y_hat  # (H, D_out)
    grad_h_relu = grad_y_hat @ W2.T  # (N, H)
    grad_h = grad_h_relu.copy()
    grad_h[h < 0] = 0  # (N, H)
    grad_W1 = X.T @ grad_h  # (D_in, H)
    return grad_y_hat, grad_W2, grad_h_relu, grad_h, grad_W1


def make_inputs(seed: int = 0) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Return the arguments of `backward` for the lesson's problem, and its sizes."""
    p = make_problem(**SIZES, seed=seed)
    h, h_relu, y_hat = forward(p.X, p.W1, p.W2)
    return {"X": p.X, "y": p.y, "W2": p.W2, "h": h, "h_relu": h_relu, "y_hat": y_hat, "W1": p.W1}, SIZES


def expected(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return every gradient from torch autograd in float64, the answer key."""
    X, y, W1, W2 = (torch.tensor(inputs[k], requires_grad=k in ("W1", "W2")) for k in ("X", "y", "W1", "W2"))
    h = X @ W1
    h_relu = h.clamp(min=0)
    y_hat = h_relu @ W2
    for t in (h, h_relu, y_hat):
        t.retain_grad()  # keep the gradients of intermediate tensors too
    (y_hat - y).pow(2).sum().backward()
    grads = {"grad_y_hat": y_hat, "grad_W2": W2, "grad_h_relu": h_relu, "grad_h": h, "grad_W1": W1}
    return {name: t.grad.numpy() for name, t in grads.items()}


def wrong_answers(inputs: dict[str, np.ndarray]) -> dict[str, list[tuple[np.ndarray, str]]]:
    """Return the typical mistakes, each with the sentence that explains it."""
    X, y, W2, h, y_hat = (inputs[k] for k in ("X", "y", "W2", "h", "y_hat"))
    grad_y_hat = 2.0 * (y_hat - y)
    unmasked = grad_y_hat @ W2.T
    return {
        "grad_y_hat": [(y_hat - y, _("grad_y_hat is half the right value: the derivative of (y_hat - y)² is "
                                     "2 (y_hat - y)."))],
        "grad_W2": [(h.T @ grad_y_hat, _("grad_W2 uses h, but y_hat = h_relu @ W2: use h_relu, the ReLU's output."))],
        "grad_h": [(unmasked, _("grad_h equals grad_h_relu: the ReLU mask is missing (set grad_h to 0 where "
                                "h < 0)."))],
        "grad_W1": [(X.T @ unmasked, _("grad_W1 is built from the unmasked gradient: the ReLU mask is missing."))],
    }


def train_with(sandbox: Sandbox) -> tuple[Curves, Curves]:
    """Return a short run using the learner's backward (called in the sandbox) and the lesson's own run."""
    p = make_problem(**SIZES, seed=TRAIN["seed"])
    W1, W2, losses = p.W1, p.W2, []
    for t in range(TRAIN["num_iters"]):
        h, h_relu, y_hat = forward(p.X, W1, W2)
        loss = squared_error(y_hat, p.y)
        if not math.isfinite(loss):
            return Curves({"loss": losses}, diverged_at=t), train(**TRAIN)
        losses.append(loss)
        grads = sandbox.call(X=p.X, y=p.y, W2=W2, h=h, h_relu=h_relu, y_hat=y_hat).outputs
        W1 = W1 - TRAIN["lr"] * grads["grad_W1"]
        W2 = W2 - TRAIN["lr"] * grads["grad_W2"]
    return Curves({"loss": losses}), train(**TRAIN)


EXERCISE = Exercise(
    id="numpy_backward",
    title=N_("The backward pass in NumPy"),
    task=N_("Write `backward`: every gradient of L = sum((y_hat - y)²) from grad_y_hat back to grad_W1. "
            "You have the arrays of the forward pass and `np` (maximum, where, zeros_like, ...)."),
    starter=STARTER,
    reference=backward,
    arguments=["X", "y", "W2", "h", "h_relu", "y_hat"],
    returns=["grad_y_hat", "grad_W2", "grad_h_relu", "grad_h", "grad_W1"],
    shapes={"grad_y_hat": ("N", "D_out"), "grad_W2": ("H", "D_out"), "grad_h_relu": ("N", "H"),
            "grad_h": ("N", "H"), "grad_W1": ("D_in", "H")},
    make_inputs=make_inputs,
    expected=expected,
    wrong_answers=wrong_answers,
    hints=(
        N_("Start at the output: L = sum((y_hat - y)²), so dL/dy_hat = 2 (y_hat - y)."),
        N_("y_hat = h_relu @ W2. For C = A @ B, dL/dB = A.T @ dL/dC and dL/dA = dL/dC @ B.T. Check the shapes: "
           "grad_W2 must be (H, D_out)."),
        N_("The ReLU passes the gradient where h > 0 and blocks it elsewhere: copy grad_h_relu, then set the "
           "entries where h < 0 to 0 (grad_h[h < 0] = 0)."),
        N_("h = X @ W1, so grad_W1 = X.T @ grad_h, (D_in, H)."),
    ),
    train=train_with,
)
