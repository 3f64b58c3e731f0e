"""Lesson 3's exercise: write the manual SGD step, under torch.no_grad(), zeroing the gradients after it."""

import math

import numpy as np
import torch
from torch import nn

from core.curves import Curves
from core.exercises.check import Exercise
from core.i18n import N_, _
from core.sandbox import Sandbox
from core.torch_nn import build, make_data, train_manual

NAMES = ["W1", "b1", "W2", "b2"]  # model.parameters() of Linear -> ReLU -> Linear, in order
SIZES = {"N": 8, "D_in": 5, "H": 4, "D_out": 3}
LR = 0.01
TRAIN = dict(N=64, D_in=1000, H=100, D_out=10, lr=1e-6, num_iters=50, seed=0)  # the lesson's defaults, shorter

STARTER = '''def sgd_step(params, lr):
    # params are W1, b1, W2, b2, each with its .grad filled in by loss.backward()
    for param in params:
        ...  # param = param minus lr times its gradient, in place; then clear the gradient
'''


def sgd_step(params, lr):
    """Update every parameter in place by -lr times its gradient, then zero the gradients for the next backward."""
    with torch.no_grad():  # the update itself must not be recorded
        for param in params:
            param -= lr * param.grad
            param.grad.zero_()


def make_inputs(seed: int = 0) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Return the parameters of a small seeded net and their gradients after one backward pass, plus lr."""
    model = build("Sequential", SIZES["D_in"], SIZES["H"], SIZES["D_out"], seed, True, "cpu").double()
    X, y = (t.double() for t in make_data(SIZES["N"], SIZES["D_in"], SIZES["D_out"], seed, "cpu"))
    nn.MSELoss(reduction="sum")(model(X), y).backward()
    inputs = {"lr": np.array(LR)}
    for name, p in zip(NAMES, model.parameters()):
        inputs[name], inputs[f"{name}.grad"] = p.detach().numpy().copy(), p.grad.numpy().copy()
    return inputs, SIZES


def expected(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return every parameter after torch.optim.SGD's step, and its gradient after zero_grad(), in float64."""
    params = [torch.tensor(inputs[n], requires_grad=True) for n in NAMES]
    for name, p in zip(NAMES, params):
        p.grad = torch.tensor(inputs[f"{name}.grad"])
    optimizer = torch.optim.SGD(params, lr=float(inputs["lr"]))
    optimizer.step()
    optimizer.zero_grad(set_to_none=False)
    answer = {}
    for name, p in zip(NAMES, params):
        answer[name], answer[f"{name}.grad"] = p.detach().numpy(), p.grad.numpy()
    return answer


def wrong_answers(inputs: dict[str, np.ndarray]) -> dict[str, list[tuple[np.ndarray, str]]]:
    """Return the typical mistakes, each with the sentence that explains it."""
    lr, wrong = float(inputs["lr"]), {}
    for name in NAMES:
        W, grad = inputs[name], inputs[f"{name}.grad"]
        wrong[name] = [
            (W, _("{name} did not change: `param = param - ...` makes a new tensor and leaves the model's alone; "
                  "update in place with `param -= ...`.").format(name=name)),
            (W + lr * grad, _("{name} moved uphill: subtract lr × gradient, do not add it.").format(name=name)),
        ]
        wrong[f"{name}.grad"] = [(grad, _("{name}.grad was not zeroed: backward() adds into .grad, so call "
                                          "param.grad.zero_() after the update.").format(name=name))]
    return wrong


def train_with(sandbox: Sandbox) -> tuple[Curves, Curves]:
    """Return a short run of the lesson's network stepped by the learner's sgd_step, and train_manual's run."""
    args = (TRAIN["D_in"], TRAIN["H"], TRAIN["D_out"], TRAIN["seed"], False, "cpu")
    X, y = make_data(TRAIN["N"], TRAIN["D_in"], TRAIN["D_out"], TRAIN["seed"], "cpu")
    model, losses = build("Sequential", *args), []
    for _step in range(TRAIN["num_iters"]):
        loss = nn.MSELoss(reduction="sum")(model(X), y)
        if not math.isfinite(loss.item()):
            break
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        arrays = {"lr": np.array(TRAIN["lr"])}
        for name, p in zip(NAMES, model.parameters()):
            arrays[name], arrays[f"{name}.grad"] = p.detach().numpy(), p.grad.numpy()
        outputs = sandbox.call(**arrays).outputs
        with torch.no_grad():
            for name, p in zip(NAMES, model.parameters()):
                p.copy_(torch.from_numpy(outputs[name]))
    reference = train_manual(build("Sequential", *args), X, y, TRAIN["lr"], TRAIN["num_iters"])
    return Curves({"loss": losses}, None if len(losses) == TRAIN["num_iters"] else len(losses)), reference


EXERCISE = Exercise(
    id="sgd_step",
    title=N_("A manual SGD step"),
    task=N_("Write `sgd_step`: move every parameter by -lr × its gradient, in place and inside `torch.no_grad()`, "
            "then zero the gradient so the next backward() starts from 0."),
    starter=STARTER,
    reference=sgd_step,
    arguments=["params", "lr"],
    returns=[],
    shapes={"W1": ("H", "D_in"), "b1": ("H",), "W2": ("D_out", "H"), "b2": ("D_out",)},
    make_inputs=make_inputs,
    expected=expected,
    wrong_answers=wrong_answers,
    hints=(
        N_("Gradient descent moves each parameter against its gradient: param - lr * param.grad."),
        N_("Change the tensor itself (param -= ...): `param = param - ...` only renames a new tensor."),
        N_("Autograd refuses to change a parameter in place while it records; wrap the loop in "
           "`with torch.no_grad():`."),
        N_("backward() adds into .grad, so clear it after the update: param.grad.zero_()."),
    ),
    flavour="torch",
    groups={"params": NAMES},
    state=[n for name in NAMES for n in (name, f"{name}.grad")],
    error_hints={  # Python's and torch's own words, found in the error, and what they mean here
        "in-place operation": N_("Wrap the update in `with torch.no_grad():` so autograd does not record it."),
        "'NoneType' object has no attribute 'zero_'": N_("That tensor has no gradient: `param = param - ...` made a "
                                                         "new one; update in place with `param -= ...`.")},
    train=train_with,
)
