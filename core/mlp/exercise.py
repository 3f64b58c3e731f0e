"""Lesson 7's exercise: write the MLP's backward pass from dO to the first layer, for the chosen activation."""

import numpy as np
import torch

from core.curves import Curves
from core.exercises.check import Exercise
from core.fashion_mnist import FashionMNIST
from core.i18n import N_, _
from core.mlp import MLPScratch, mlp
from core.sandbox import Sandbox
from core.softmax_regression.exercise import train_pair

SIZES = {"n": 8, "d": 6, "h": 5, "k": 4}  # examples, inputs, hidden units, classes: all different
# the softmax exercise's short run (its subset, batches and epochs) with a narrow hidden layer: each call carries X
TRAIN = dict(num_hiddens=64, lr=0.5, seed=0)
ACTIVATIONS = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}

STARTER = '''def backward(X, Z1, H, W2, dO):
    # Z1 = X @ W1 + b1; H = activation(Z1); O = H @ W2 + b2; dO = dL/dO is given, (n, k)
    grad_W2 = ...  # (h, k)
    grad_b2 = ...  # (k,)
    grad_Z1 = ...  # (n, h): back through W2, then the activation's derivative at Z1
    grad_W1 = ...  # (d, h)
    grad_b1 = ...  # (h,)
    return grad_W2, grad_b2, grad_Z1, grad_W1, grad_b1
'''


def backward(X, Z1, H, W2, dO):
    """Return the gradients of the MLP's weights and biases, and of Z1, with ReLU as the activation."""
    grad_W2 = H.T @ dO  # (h, k)
    grad_b2 = dO.sum(dim=0)  # (k,)
    grad_Z1 = (dO @ W2.T) * (Z1 > 0).float()  # (n, h); sigmoid: H * (1 - H); tanh: 1 - H * H
    grad_W1 = X.T @ grad_Z1  # (d, h)
    grad_b1 = grad_Z1.sum(dim=0)  # (h,)
    return grad_W2, grad_b2, grad_Z1, grad_W1, grad_b1


def make_inputs(seed: int = 0, activation: str = "relu") -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Return X, W1, b1, W2 and an upstream gradient dO, and the forward pass's Z1 and H for `activation`."""
    g = torch.Generator().manual_seed(seed)
    n, d, h, k = SIZES.values()
    X, W1, b1, W2, dO = (torch.randn(*s, generator=g, dtype=torch.float64) for s in ((n, d), (d, h), (h,), (h, k),
                                                                                      (n, k)))
    Z1 = X @ W1 + b1
    H = ACTIVATIONS[activation](Z1)
    arrays = {"X": X, "Z1": Z1, "H": H, "W1": W1, "b1": b1, "W2": W2, "b2": torch.zeros(k, dtype=torch.float64),
              "dO": dO, "activation": torch.tensor(list(ACTIVATIONS).index(activation))}
    return {name: t.numpy() for name, t in arrays.items()}, SIZES


def expected(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return every gradient from torch autograd in float64, for a loss whose dL/dO is the given dO."""
    X, W1, b1, W2, b2 = (torch.tensor(inputs[k], requires_grad=k != "X") for k in ("X", "W1", "b1", "W2", "b2"))
    Z1 = X @ W1 + b1
    Z1.retain_grad()
    O = list(ACTIVATIONS.values())[int(inputs["activation"])](Z1) @ W2 + b2
    (O * torch.tensor(inputs["dO"])).sum().backward()  # dL/dO = dO exactly
    return {"grad_W2": W2.grad.numpy(), "grad_b2": b2.grad.numpy(), "grad_Z1": Z1.grad.numpy(),
            "grad_W1": W1.grad.numpy(), "grad_b1": b1.grad.numpy()}


def wrong_answers(inputs: dict[str, np.ndarray]) -> dict[str, list[tuple[np.ndarray, str]]]:
    """Return the typical mistakes, each with the sentence that explains it."""
    X, W2, dO = inputs["X"], inputs["W2"], inputs["dO"]
    no_derivative = dO @ W2.T
    return {"grad_Z1": [(no_derivative, _("grad_Z1 is dO @ W2.T alone: multiply by the activation's derivative at "
                                          "Z1."))],
            "grad_W1": [(X.T @ no_derivative, _("grad_W1 skips the activation's derivative."))],
            "grad_b2": [(dO.mean(axis=0), _("grad_b2 averages dO; the bias adds to every row, so sum over rows."))]}


class LearnersBackward(MLPScratch):
    """The lesson's MLPScratch, with the backward pass from dO down by the learner's function in the sandbox."""

    def __init__(self, W1, b1, W2, b2, activation: str, sandbox: Sandbox):
        super().__init__(W1, b1, W2, b2, activation)
        self.sandbox = sandbox

    def backward(self, X, Z1, H, dO):
        grads = self.sandbox.call(X=X.numpy(), Z1=Z1.numpy(), H=H.numpy(), W2=self.W2.numpy(), dO=dO.numpy()).outputs
        for name, p in zip(("W1", "b1", "W2", "b2"), self.parameters()):
            p.grad = torch.from_numpy(grads[f"grad_{name}"]).to(p.dtype)


def train_with(sandbox: Sandbox, data: FashionMNIST, activation: str = "relu") -> tuple[Curves, Curves]:
    """Return the lesson's scratch MLP run with the learner's backward, and the lesson's own, from the same start."""
    def start() -> list[torch.Tensor]:
        return mlp("scratch", TRAIN["num_hiddens"], activation, TRAIN["seed"], dtype=torch.float64).parameters()
    return train_pair(LearnersBackward(*start(), activation, sandbox), MLPScratch(*start(), activation), data,
                      TRAIN["lr"])


EXERCISE = Exercise(
    id="mlp_backward",
    title=N_("The MLP's backward pass"),
    task=N_("Write `backward` for the activation chosen above: the gradients of W2, b2, Z1, W1 and b1 from dO. "
            "Tensors here support @, .T, .sum(dim=...), comparisons, .float(), and `torch.sigmoid`/`torch.tanh`."),
    starter=STARTER,
    reference=backward,
    arguments=["X", "Z1", "H", "W2", "dO"],
    returns=["grad_W2", "grad_b2", "grad_Z1", "grad_W1", "grad_b1"],
    shapes={"grad_W2": ("h", "k"), "grad_b2": ("k",), "grad_Z1": ("n", "h"), "grad_W1": ("d", "h"),
            "grad_b1": ("h",)},
    make_inputs=make_inputs,
    expected=expected,
    wrong_answers=wrong_answers,
    hints=(
        N_("O = H @ W2 + b2: grad_W2 = H.T @ dO, and grad_b2 sums dO over the rows (dim=0)."),
        N_("Back through W2: dO @ W2.T is dL/dH, (n, h)."),
        N_("Then through the activation: multiply by its derivative at Z1. ReLU: (Z1 > 0).float(); sigmoid: "
           "H * (1 - H); tanh: 1 - H * H."),
        N_("Z1 = X @ W1 + b1: grad_W1 = X.T @ grad_Z1 and grad_b1 = grad_Z1.sum(dim=0)."),
    ),
    flavour="torch",
    train=train_with,
)
