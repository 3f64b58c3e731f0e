"""Lesson 2's exercise: write `backward` of the custom ReLU Function."""

import math

import numpy as np
import torch

from core.backprop_numpy.network import make_problem
from core.curves import Curves
from core.exercises.check import Exercise
from core.i18n import N_, _
from core.sandbox import Sandbox
from core.tensors_autograd.ladder import MyReLU, run_stage

SIZES = {"N": 64, "H": 100}
# the ladder's network, smaller (each backward is a call into the sandbox); lr 1e-4 is stable at these sizes
TRAIN = dict(N=32, D_in=100, H=20, D_out=5, lr=1e-4, num_iters=100, seed=0)

STARTER = '''def backward(ctx, grad_output):
    (input,) = ctx.saved_tensors
    grad_input = ...  # dL/d input, (N, H): the gradient passes only where input > 0
    return grad_input
'''


def backward(ctx, grad_output):
    """Return dL/d input of ReLU: grad_output where the input was positive, 0 elsewhere."""
    (input,) = ctx.saved_tensors
    grad_input = grad_output.clone()
    grad_input[input < 0] = 0
    return grad_input


def make_inputs(seed: int = 0) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Return a saved input and an upstream gradient, both (N, H) standard normal."""
    rng = np.random.default_rng(seed)
    shape = (SIZES["N"], SIZES["H"])
    return {"input": rng.standard_normal(shape), "grad_output": rng.standard_normal(shape)}, SIZES


def expected(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return the input's gradient from torch autograd through torch's own ReLU, in float64."""
    x = torch.tensor(inputs["input"], requires_grad=True)
    x.clamp(min=0).backward(torch.tensor(inputs["grad_output"]))
    return {"grad_input": x.grad.numpy()}


def wrong_answers(inputs: dict[str, np.ndarray]) -> dict[str, list[tuple[np.ndarray, str]]]:
    """Return the typical mistakes, each with the sentence that explains it."""
    x, g = inputs["input"], inputs["grad_output"]
    return {"grad_input": [
        (g, _("grad_input equals grad_output: the mask is missing (set it to 0 where input < 0).")),
        (np.where(x > 0, 0, g), _("grad_input is masked the wrong way round: keep it where input > 0.")),
        (np.maximum(x, 0), _("grad_input is the forward pass, max(input, 0): backward starts from grad_output.")),
    ]}


def learners_relu(sandbox: Sandbox) -> type[torch.autograd.Function]:
    """Return MyReLU with its backward replaced by the learner's, called in the sandbox."""
    class LearnersReLU(MyReLU):
        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            reply = sandbox.call(input=input.detach().numpy(), grad_output=grad_output.numpy())
            return torch.from_numpy(reply.outputs["grad_input"]).to(grad_output.dtype)
    return LearnersReLU


def train_with(sandbox: Sandbox) -> tuple[Curves, Curves]:
    """Return the ladder's custom-Function run with the learner's ReLU backward, and the ladder's own run."""
    p = make_problem(**{k: TRAIN[k] for k in ("N", "D_in", "H", "D_out", "seed")})
    X, y, W1, W2 = (torch.from_numpy(a.copy()) for a in (p.X, p.y, p.W1, p.W2))  # float64, as run_stage
    W1.requires_grad_()
    W2.requires_grad_()
    relu, losses = learners_relu(sandbox).apply, []
    for t in range(TRAIN["num_iters"]):
        loss = (relu(X.mm(W1)).mm(W2) - y).pow(2).sum()
        if not math.isfinite(loss.item()):
            return Curves({"loss": losses}, diverged_at=t), run_stage("autograd + custom Function", **TRAIN)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            W1 -= TRAIN["lr"] * W1.grad
            W2 -= TRAIN["lr"] * W2.grad
            W1.grad.zero_()
            W2.grad.zero_()
    return Curves({"loss": losses}), run_stage("autograd + custom Function", **TRAIN)


EXERCISE = Exercise(
    id="relu_backward",
    title=N_("backward of the custom ReLU Function"),
    task=N_("Write `MyReLU.backward`: given the saved input and grad_output, return grad_input. "
            "Tensors here support clone(), comparisons, indexing with a mask, and `torch.where`."),
    starter=STARTER,
    reference=backward,
    arguments=["ctx", "grad_output"],
    returns=["grad_input"],
    shapes={"grad_input": ("N", "H")},
    make_inputs=make_inputs,
    expected=expected,
    wrong_answers=wrong_answers,
    hints=(
        N_("ReLU is max(input, 0): its slope is 1 where input > 0 and 0 where input < 0."),
        N_("So dL/d input = grad_output times that slope: start from a copy, grad_output.clone()."),
        N_("Set the copy to 0 wherever the saved input was negative: grad_input[input < 0] = 0."),
    ),
    flavour="torch",
    groups={"ctx": ["input"]},
    train=train_with,
)
