"""Lesson 6's exercise: write the gradient of softmax cross-entropy with respect to the logits."""

import numpy as np
import torch
import torch.nn.functional as F

from core.exercises.check import Exercise

SIZES = {"n": 8, "k": 10}

STARTER = '''def softmax_cross_entropy_grad(P, y):
    # P: (n, k) softmax probabilities; y: (n,) true classes; L = mean of -log P[i, y[i]]
    dO = ...  # dL/dO, (n, k)
    return dO
'''


def softmax_cross_entropy_grad(P, y):
    """Return dL/dO = (P - one_hot(y)) / n for L = cross_entropy(softmax(O), y)."""
    dO = P.clone()
    rows = torch.arange(len(y))
    dO[rows, y] = dO[rows, y] - 1  # the sandbox refuses `-=` on an item: write it out
    return dO / len(y)


def make_inputs(seed: int = 0) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Return softmax probabilities of random logits and random true classes, with the logits themselves."""
    rng = np.random.default_rng(seed)
    O = rng.standard_normal((SIZES["n"], SIZES["k"]))
    P = torch.softmax(torch.tensor(O), dim=1).numpy()
    return {"P": P, "y": rng.integers(SIZES["k"], size=SIZES["n"]), "O": O}, SIZES


def expected(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return dL/dO from torch autograd through F.cross_entropy, in float64."""
    O = torch.tensor(inputs["O"], requires_grad=True)
    F.cross_entropy(O, torch.tensor(inputs["y"])).backward()
    return {"dO": O.grad.numpy()}


def wrong_answers(inputs: dict[str, np.ndarray]) -> dict[str, list[tuple[np.ndarray, str]]]:
    """Return the typical mistakes, each with the sentence that explains it."""
    P, y = inputs["P"], inputs["y"]
    one_hot = np.eye(P.shape[1])[y]
    n = len(y)
    return {"dO": [
        (P - one_hot, f"dO is n = {n} times too large: the loss is a mean, so divide by len(y)."),
        (P / n, "dO is P / n: subtract 1 at each row's true class first."),
        ((one_hot - P) / n, "dO has the wrong sign: it is P minus the one-hot labels."),
    ]}


EXERCISE = Exercise(
    id="softmax_grad",
    title="The gradient of softmax cross-entropy",
    task="Write `softmax_cross_entropy_grad`: dL/dO from the probabilities P and the true classes y. "
         "Tensors here support clone(), indexing by (rows, y), len(), and `torch.arange`.",
    starter=STARTER,
    reference=softmax_cross_entropy_grad,
    arguments=["P", "y"],
    returns=["dO"],
    shapes={"dO": ("n", "k")},
    make_inputs=make_inputs,
    expected=expected,
    wrong_answers=wrong_answers,
    hints=(
        "For one example, dL/dO_j = P_j - 1 if j is the true class, else P_j: the exps cancel out.",
        "Copy P (P.clone()) and subtract 1 at [row, y[row]] for every row: index with (torch.arange(len(y)), y).",
        "The loss is the mean over the n examples, so divide the whole gradient by len(y).",
    ),
    flavour="torch",
    error_hints={"Augmented assignment": "Write `dO[rows, y] = dO[rows, y] - 1` instead of `-=` on an item."},
)
