"""Lesson 2's exercise: write `backward` of the custom ReLU Function."""

import numpy as np
import torch

from core.exercises.check import Exercise

SIZES = {"N": 64, "H": 100}

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
        (g, "grad_input equals grad_output: the mask is missing (set it to 0 where input < 0)."),
        (np.where(x > 0, 0, g), "grad_input is masked the wrong way round: keep it where input > 0."),
        (np.maximum(x, 0), "grad_input is the forward pass, max(input, 0): backward starts from grad_output."),
    ]}


EXERCISE = Exercise(
    id="relu_backward",
    title="backward of the custom ReLU Function",
    task="Write `MyReLU.backward`: given the saved input and grad_output, return grad_input. "
         "Tensors here support clone(), comparisons, indexing with a mask, and `torch.where`.",
    starter=STARTER,
    reference=backward,
    arguments=["ctx", "grad_output"],
    returns=["grad_input"],
    shapes={"grad_input": ("N", "H")},
    make_inputs=make_inputs,
    expected=expected,
    wrong_answers=wrong_answers,
    hints=(
        "ReLU is max(input, 0): its slope is 1 where input > 0 and 0 where input < 0.",
        "So dL/d input = grad_output times that slope: start from a copy, grad_output.clone().",
        "Set the copy to 0 wherever the saved input was negative: grad_input[input < 0] = 0.",
    ),
    flavour="torch",
    groups={"ctx": ["input"]},
)
