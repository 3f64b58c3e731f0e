"""Lesson 7's checkpoints: the questions 'Predict, then run' asks, and each truth read from what ran."""

from core.checkpoints import Checkpoint
from core.classifier import init_weights
from core.curves import Curves
from core.i18n import N_
from core.runs import Run

CHECKPOINTS = (
    Checkpoint("num_params", N_("How many weights and biases does the MLP 784 → {num_hiddens} → 10 have?"),
               "number", N_("{truth} = 784·{num_hiddens} + {num_hiddens} + {num_hiddens}·10 + 10: the lines "
                            "`nn.Linear(784, num_hiddens)` and `nn.Linear(num_hiddens, 10)` in `mlp()`."),
               abs_tol=0, fmt="d", integer=True),
    Checkpoint("sigmoid_relu", N_("Sigmoid or ReLU: which has the higher test accuracy after 3 epochs, everything "
                                  "else as set now?"), "choice",
               N_("{truth}. Sigmoid's slope is at most 1/4 and tiny away from 0, so its gradients are smaller and "
                  "it starts slower; compare the test accuracy at epoch 3 of the two runs in 'Your runs'."),
               options=("sigmoid", "ReLU", N_("a tie (within 0.1 points)"))),
    Checkpoint("test_acc", N_("What test accuracy, in %, will the {version} version reach after {num_epochs} "
                              "epochs?"), "number",
               N_("{truth} %: the last row of the table of epochs, for {version}."), abs_tol=3.0, fmt=".1f"),
    Checkpoint("tutorial_step", N_("Is the tutorial's `p -= 100 * p.grad / {batch_size}` the same step as plain "
                                   "SGD with lr = {plain_lr:.3g}?"), "choice",
               N_("{truth}. Dividing the gradient by the batch size is multiplying the learning rate by "
                  "1/{batch_size}; see the table's 'largest difference' below."),
               options=(N_("the same step"), N_("not the same step"))),
)


def num_params(num_hiddens: int, seed: int) -> int:
    """The weights and biases of the MLP 784 -> num_hiddens -> 10, counted on the weights mlp() starts from."""
    return sum(p.numel() for p in init_weights([784, num_hiddens, 10], seed, "cpu"))


def sigmoid_relu(runs: list[Run], current: dict, epoch: int = 3) -> str | None:
    """Which activation, sigmoid or ReLU, has the higher test accuracy after `epoch` epochs (or a tie, within 0.1
    points), from finished runs whose other settings are `current`'s; None until there is a run of each."""
    accuracy = {}
    for run in runs:
        same = all(run.settings[k] == current.get(k) for k in run.settings if k != "activation")
        curve = run.curves.get(current["versions"][0]) if current.get("versions") else None
        found = curve.epoch_values.get("test acc", []) if curve is not None else []
        if run.status == "finished" and same and len(found) >= epoch:
            accuracy[run.settings["activation"]] = found[epoch - 1]
    if not {"sigmoid", "relu"} <= set(accuracy):
        return None
    sigmoid, relu, tie = next(c for c in CHECKPOINTS if c.id == "sigmoid_relu").options
    gap = accuracy["relu"] - accuracy["sigmoid"]
    return tie if abs(gap) < 0.001 else relu if gap > 0 else sigmoid


def test_acc(histories: dict[str, Curves], version: str) -> float:
    """The test accuracy, in %, the version reached at its last epoch."""
    return 100 * histories[version].epoch_values["test acc"][-1]


def tutorial_step(largest_difference: float, largest_update: float) -> str:
    """Whether the tutorial's update and plain SGD's are the same step (mlp.compare_tutorial_step's figures)."""
    return "the same step" if largest_difference <= 1e-15 * largest_update else "not the same step"
