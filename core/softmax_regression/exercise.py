"""Lesson 6's exercise: write the gradient of softmax cross-entropy with respect to the logits."""

import numpy as np
import torch
import torch.nn.functional as F

from core.curves import Curves
from core.exercises.check import Exercise
from core.fashion_mnist import FashionMNIST
from core.i18n import N_, _
from core.sandbox import Sandbox
from core.softmax_regression import SoftmaxScratch, cross_entropy, softmax, softmax_regression
from core.training import train_epochs

SIZES = {"n": 8, "k": 10}
# a short run of the lesson's loop on the first training images: every batch is a call into the sandbox
TRAIN = dict(num_train=2048, num_test=500, lr=0.1, batch_size=256, num_epochs=3, seed=0)

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
        (P - one_hot, _("dO is n = {n} times too large: the loss is a mean, so divide by len(y).").format(n=n)),
        (P / n, _("dO is P / n: subtract 1 at each row's true class first.")),
        ((one_hot - P) / n, _("dO has the wrong sign: it is P minus the one-hot labels.")),
    ]}


def small_subset(data: FashionMNIST, num_train: int, num_test: int) -> FashionMNIST:
    """Return the first training and test images in float64 on the CPU, so both runs see the same numbers."""
    return FashionMNIST(data.train_images[:num_train].to("cpu", torch.float64), data.train_labels[:num_train].cpu(),
                        data.test_images[:num_test].to("cpu", torch.float64), data.test_labels[:num_test].cpu(),
                        data.source)


def train_pair(mine: object, reference: object, data: FashionMNIST, lr: float) -> tuple[Curves, Curves]:
    """Return both models' runs of train_epochs (plain SGD by hand) with TRAIN's settings on TRAIN's subset."""
    small = small_subset(data, TRAIN["num_train"], TRAIN["num_test"])
    runs = []
    for model in (mine, reference):
        *_earlier, curves = train_epochs(model, small, "SGD", lr, TRAIN["batch_size"], TRAIN["num_epochs"],
                                         TRAIN["seed"])
        runs.append(curves)  # the last curves train_epochs yields: the whole run
    return runs[0], runs[1]


class LearnersGradient(SoftmaxScratch):
    """The lesson's SoftmaxScratch, with dL/dO from the learner's function in the sandbox."""

    def __init__(self, W, b, sandbox: Sandbox):
        super().__init__(W, b)
        self.sandbox = sandbox

    def loss_and_grads(self, X, y):
        O = self(X)
        P = softmax(O)
        dO = torch.from_numpy(self.sandbox.call(P=P.numpy(), y=y.numpy()).outputs["dO"]).to(P.dtype)  # (n, 10)
        self.W.grad = X.T @ dO  # (784, 10)
        self.b.grad = dO.sum(dim=0)  # (10,)
        return cross_entropy(P, y), O


def train_with(sandbox: Sandbox, data: FashionMNIST) -> tuple[Curves, Curves]:
    """Return the lesson's scratch run with the learner's dL/dO, and the lesson's own, from the same float64 start."""
    def start() -> list[torch.Tensor]:
        return [p.double() for p in softmax_regression("scratch", TRAIN["seed"]).parameters()]
    return train_pair(LearnersGradient(*start(), sandbox), SoftmaxScratch(*start()), data, TRAIN["lr"])


EXERCISE = Exercise(
    id="softmax_grad",
    title=N_("The gradient of softmax cross-entropy"),
    task=N_("Write `softmax_cross_entropy_grad`: dL/dO from the probabilities P and the true classes y. "
            "Tensors here support clone(), indexing by (rows, y), len(), and `torch.arange`."),
    starter=STARTER,
    reference=softmax_cross_entropy_grad,
    arguments=["P", "y"],
    returns=["dO"],
    shapes={"dO": ("n", "k")},
    make_inputs=make_inputs,
    expected=expected,
    wrong_answers=wrong_answers,
    hints=(
        N_("For one example, dL/dO_j = P_j - 1 if j is the true class, else P_j: the exps cancel out."),
        N_("Copy P (P.clone()) and subtract 1 at [row, y[row]] for every row: index with (torch.arange(len(y)), y)."),
        N_("The loss is the mean over the n examples, so divide the whole gradient by len(y)."),
    ),
    flavour="torch",
    error_hints={"Augmented assignment": N_("Write `dO[rows, y] = dO[rows, y] - 1` instead of `-=` on an item.")},
    train=train_with,
)
