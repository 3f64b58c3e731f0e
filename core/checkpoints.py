"""'Predict, then run': every lesson's checkpoints, and how a committed prediction is judged.

The questions are declared here, all of them, so that the totals are known without running a page. The answers
are not: a page computes each truth from what it ran (with the helpers below where several lessons need one) and
passes it to `check`.
"""

import math
from dataclasses import dataclass

from core.curves import Curves
from core.fashion_mnist import CLASSES
from core.i18n import N_, _
from core.optimizers import OPTIMIZERS

KINDS = ("choice", "number")


@dataclass(frozen=True)
class Checkpoint:
    id: str
    question: str  # marked N_; may hold {names} the page fills in from its settings, e.g. "at lr = {lr:.0e}"
    kind: str  # "choice" or "number"
    explanation: str  # marked N_; why the answer is what it is (see a chart, a code line); {truth}, {names} filled in
    options: tuple[str, ...] = ()  # for "choice": compared in code, so kept in English and translated when shown
    rel_tol: float = 0.0  # for "number": right when within rel_tol of the truth, or within abs_tol
    abs_tol: float = 0.0
    fmt: str = ".4g"  # how a number is shown
    integer: bool = False  # the answer is a whole number (the input takes no decimals)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"checkpoint {self.id}: kind must be one of {KINDS}, not {self.kind!r}")
        if (self.kind == "choice") != bool(self.options):
            raise ValueError(f"checkpoint {self.id}: a choice has options, a number has none")
        if self.rel_tol < 0 or self.abs_tol < 0:
            raise ValueError(f"checkpoint {self.id}: tolerances cannot be negative")

    def text(self, values: dict | None = None) -> str:
        """The question in the current language, with the page's values filled in."""
        return _(self.question).format(**(values or {}))

    def show(self, value: object) -> str:
        """An answer or a truth as the page shows it, an option in the current language."""
        return format(value, self.fmt) if self.kind == "number" else label(str(value))


@dataclass(frozen=True)
class Verdict:
    correct: bool
    truth: str  # formatted
    explanation: str


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def check(checkpoint: Checkpoint, answer: object, truth: object, values: dict | None = None) -> Verdict:
    """Judge `answer` against `truth`; raise ValueError for an answer (or truth) of the wrong kind."""
    if checkpoint.kind == "choice":
        if truth not in checkpoint.options:
            raise ValueError(_("the truth {truth} is not one of the options of {id}").format(
                truth=repr(truth), id=checkpoint.id))
        if not isinstance(answer, str) or answer not in checkpoint.options:
            raise ValueError(_("pick one of the options: {options}").format(
                options=", ".join(map(label, checkpoint.options))))
        correct = answer == truth
    else:
        if not _is_number(truth):
            raise ValueError(_("the truth of {id} is not a finite number: {truth}").format(
                id=checkpoint.id, truth=repr(truth)))
        if not _is_number(answer):
            raise ValueError(_("enter a finite number"))
        gap = abs(answer - truth)
        correct = gap <= checkpoint.abs_tol or gap <= checkpoint.rel_tol * abs(truth)
    return Verdict(correct, checkpoint.show(truth), explain(checkpoint, truth, values))


def explain(checkpoint: Checkpoint, truth: object, values: dict | None = None) -> str:
    """The explanation in the current language, with the truth and the page's values filled in."""
    return _(checkpoint.explanation).format(truth=checkpoint.show(truth), **(values or {}))


# ---- truths that several lessons compute the same way --------------------------------------------------------

def lowest_final(curves: dict[str, Curves]) -> str:
    """The name of the curve whose last loss is lowest; one that diverged or has no loss counts as infinite."""
    def last(c: Curves) -> float:
        return c.losses[-1] if c.losses and c.diverged_at is None and math.isfinite(c.losses[-1]) else math.inf
    return min(curves, key=lambda name: last(curves[name]))


TRENDS = (N_("it falls"), N_("it stays about where it started"), N_("it rises or blows up"))


def trend(c: Curves) -> str:
    """One of TRENDS: falls to under half its first value, rises past twice it (or overflows), or neither."""
    if c.diverged_at is not None or not c.losses or not math.isfinite(c.losses[-1]):
        return TRENDS[2]
    first, last = c.losses[0], c.losses[-1]
    return TRENDS[0] if last < 0.5 * first else TRENDS[2] if last > 2 * first else TRENDS[1]


RATIOS = (N_("lower (under half)"), N_("about the same (within 2×)"), N_("higher, but less than 10×"),
          N_("far higher (10× or more)"))


def ratio_option(a: float, b: float) -> str:
    """One of RATIOS: how `a` compares with `b` (both positive)."""
    ratio = a / b
    return RATIOS[0] if ratio < 0.5 else RATIOS[1] if ratio <= 2 else RATIOS[2] if ratio < 10 else RATIOS[3]


YES_NO = (N_("yes"), N_("no"))


def yes_no(condition: bool) -> str:
    return YES_NO[0] if condition else YES_NO[1]


CONFUSABLE = ((0, 6), (2, 4), (4, 6), (2, 6), (7, 9))  # FashionMNIST pairs that look alike, by class index
PAIRS = (*(f"{CLASSES[i]} and {CLASSES[j]}" for i, j in CONFUSABLE), N_("another pair"))


def pair_option(i: int, j: int) -> str:
    """The option of PAIRS naming classes i and j (in either order), or 'another pair'."""
    pair = (min(i, j), max(i, j))
    return PAIRS[CONFUSABLE.index(pair)] if pair in CONFUSABLE else PAIRS[-1]


def label(option: str) -> str:
    """An option as the learner reads it: translated, a pair of classes with both names translated."""
    if option in PAIRS[:-1]:
        i, j = CONFUSABLE[PAIRS.index(option)]
        return _("{first} and {second}").format(first=_(CLASSES[i]), second=_(CLASSES[j]))
    return _(option)


# ---- every lesson's checkpoints ------------------------------------------------------------------------------

CHECKPOINTS: dict[str, tuple[Checkpoint, ...]] = {
    "backprop_numpy": (
        Checkpoint("broken_mask", N_("Suppose `backward()` forgot the ReLU mask, the line `grad_h[h < 0] = 0`. "
                                     "Which hand-written gradients would then fail the check?"), "choice",
                   N_("{truth}. `grad_W2 = h_relu.T @ grad_y_hat` is computed before the mask and never uses it; only "
                      "`grad_W1 = X.T @ grad_h` comes after it. Turn on the toggle below and compare the W1 and W2 "
                      "bars with the dashed tolerance."),
                   options=(N_("only grad_W1"), N_("only grad_W2"), N_("both"), N_("neither"))),
        Checkpoint("heldout", N_("After {num_iters} iterations at lr = {lr:.0e}, how will the loss on a fresh "
                                 "held-out batch compare with the loss on the training batch?"), "choice",
                   N_("{truth}. The network has {num_weights:,} weights for {num_targets:,} targets: it can fit pure "
                      "noise, so what it learns is its own batch. Compare the two curves of 'Training versus held-out "
                      "loss'."), options=RATIOS),
        Checkpoint("baseline", N_("With N = {N} and D_out = {D_out}, the targets are standard normal. What summed "
                                  "squared loss does a network that always predicts 0 get, on average?"), "number",
                   N_("{truth}: each of the N·D_out = {truth} targets adds E[y²] = 1. It is the dashed line on "
                      "'Training versus held-out loss'."), rel_tol=0.1, fmt=".0f"),
    ),
    "tensors_autograd": (
        Checkpoint("x_grad", N_("y = w·x + b at x = 1, w = 2, b = 3. After `y.backward()`, what is `x.grad`?"),
                   "number", N_("{truth}: ∂y/∂x = w. See the first row of the table below."), abs_tol=1e-9, fmt="g"),
        Checkpoint("y_grad", N_("And `y.grad`?"), "choice",
                   N_("{truth}. Autograd keeps `.grad` only for leaves, the tensors you made with requires_grad=True; "
                      "y is computed, so it keeps none (and PyTorch warns). See the last row of the table below."),
                   options=("1", "0", "None")),
        Checkpoint("accumulate", N_("Three `y.backward()` calls on the same y = w·x + b (x = 1), never calling "
                                    "`w.grad.zero_()`: what is `w.grad` after the third?"), "number",
                   N_("{truth}: each backward() adds ∂y/∂w = x = 1 to what `w.grad` already holds. See the column "
                      "'without zero_()' below."), abs_tol=1e-9, fmt="g"),
    ),
    "torch_nn": (
        Checkpoint("init_winner", N_("At lr = {lr:.0e}, after {num_iters} steps, which initialisation ends with "
                                     "the lower loss?"), "choice",
                   N_("{truth}. The loss one step removes scales with lr·‖∇L‖², and normal_ makes the weights, the "
                      "outputs and so the gradients far larger: see the table of the first step below the chart."),
                   options=(N_("nn.Linear default init"), "nn.init.normal_")),
        Checkpoint("lr_1e3", N_("At lr = 1e-3 instead, with {init} and H = {H}, what happens to the loss of "
                                "nn.Sequential over {num_iters} steps?"), "choice",
                   N_("{truth}. A step too large for the curvature overshoots the minimum and each overshoot is "
                      "larger than the last; small enough, it descends. See the chart 'lr = 1e-3'."), options=TRENDS),
        Checkpoint("dropout_same", N_("In train mode, with dropout p = {p}, do two calls on the same input give the "
                                      "same output?"), "choice",
                   N_("{truth}. In train mode nn.Dropout zeroes each entry with probability p afresh on every call "
                      "(and scales the rest by 1/(1 − p)); with p = 0 it zeroes nothing. See 'train mode: two calls "
                      "equal?'."), options=YES_NO),
    ),
    "torch_optim": (
        Checkpoint("race_winner", N_("Of {names}: which ends with the lowest loss after {num_iters} steps, with the "
                                     "learning rates set above?"), "choice",
                   N_("{truth}. Each optimizer's step size differs (see 'Size of each step'); the one whose steps "
                      "suit this loss surface best wins, not the one with the fanciest rule."),
                   options=tuple(OPTIMIZERS)),
        Checkpoint("step_gap", N_("20 steps of our hand-written SGD loop against 20 of `optimizer.step()`, from the "
                                  "same weights: how far apart do the weights end?"), "choice",
                   N_("{truth}. `step()` for plain SGD is `p -= lr * p.grad`, our loop's line; float32 may round it "
                      "in the last bit differently. See the metric below."),
                   options=(N_("exactly equal"), N_("a rounding difference (below 1e-6)"), N_("clearly different"))),
        Checkpoint("six_correct", N_("After {epochs} epochs at lr = {lr}, how many of the six points will the "
                                     "optim.SGD model classify correctly?"), "number",
                   N_("{truth}. See 'Training accuracy' and the decision regions: a point is right when it lies in "
                      "the region of its own class."), abs_tol=0, fmt="d", integer=True),
    ),
    "linear_regression": (
        Checkpoint("within", N_("After {num_epochs} epochs at lr = {lr} with noise {noise}, will every learned "
                                "parameter be within 0.01 of the truth?"), "choice",
                   N_("{truth}: the largest error is {worst:.4f}. See the table 'Learned versus true'."),
                   options=YES_NO),
        Checkpoint("learned_b", N_("What b will the concise version learn?"), "number",
                   N_("{truth}: see the table below. With enough epochs the noise (mean 0) averages out and b lands "
                      "near the true {b}."), abs_tol=0.05, fmt=".4f"),
        Checkpoint("final_mse", N_("What will the from-scratch version's final mean squared error (whole data) be?"),
                   "number", N_("{truth}. A perfect fit still leaves the noise: its variance, noise² = {floor:.3g}, "
                                "is the floor of the curve 'Mean squared error'."),
                   rel_tol=0.5, abs_tol=1e-6, fmt=".3g"),
    ),
    "softmax_regression": (
        Checkpoint("first_loss", N_("Before any training, what is the mean cross-entropy per image on the first "
                                    "batch, with the correct softmax?"), "number",
                   N_("{truth}. Small random weights give all ten classes a probability near 1/10, and −ln(1/10) = "
                      "ln 10 ≈ 2.303. See 'mean loss per image' in the table below."), rel_tol=0.05, fmt=".4f"),
        Checkpoint("overflow", N_("With logits [1, 2, 3] × {scale}, what does the naive softmax's cross-entropy "
                                  "come out as?"), "choice",
                   N_("{truth}. exp of the largest logit is {exp_max:.3g} in float32 (inf above about 88.7); "
                      "inf/inf is nan. See 'naive: -log(softmax)' against 'log-sum-exp' below."),
                   options=(N_("the right number"), N_("inf or nan"), N_("a finite but wrong number"))),
        Checkpoint("confused_pair", N_("Which pair of classes will the model confuse most on the test set?"), "choice",
                   N_("{truth}. See the brightest red cell and its mirror in the confusion matrix: these classes share "
                      "a silhouette, and one weight image per class cannot tell them apart."), options=PAIRS),
    ),
    "mlp": (
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
    ),
}


def find(slug: str, checkpoint_id: str) -> Checkpoint:
    """The checkpoint of a lesson with this id."""
    return next(c for c in CHECKPOINTS[slug] if c.id == checkpoint_id)
