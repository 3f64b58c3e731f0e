"""Lesson 7, a multilayer perceptron: one hidden layer with a choice of activation, backward pass by hand.

    Z1 = X @ W1 + b1       # (n, h)
    H  = act(Z1)           # (n, h)
    O  = H @ W2 + b2       # (n, 10) logits

Also two checks on the original tutorial: its lr-100 step equals plain SGD with lr 100/256, and why its scratch
and concise versions drift apart in float32.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from torch import nn

from core.charts import LAYOUT
from core.checks import check_lr, check_sizes
from core.classifier import Concise, copy_into_linear, init_weights
from core.curves import Curves
from core.fashion_mnist import FashionMNIST
from core.i18n import N_, _
from core.optimizers import OPTIMIZERS
from core.settings import Setting, Table, lr_setting
from core.softmax_regression import BATCH_SIZES, cross_entropy, softmax, softmax_cross_entropy_grad
from core.training import SGDByHand, train_epochs

# ---- activations and their derivatives, by hand ---------------------------------------------------------

def relu(Z):
    return Z.clamp(min=0)


def relu_grad(Z):
    return Z.sign().clamp(min=0)  # 1 where Z > 0, else 0 (cheaper than comparing and converting the mask)


def sigmoid(Z):
    return 1 / (1 + torch.exp(-Z))


def sigmoid_grad(Z):
    s = sigmoid(Z)
    return s * (1 - s)


def tanh(Z):
    return 2 * sigmoid(2 * Z) - 1  # = (e^Z - e^-Z) / (e^Z + e^-Z), without overflowing for large |Z|


def tanh_grad(Z):
    return 1 - tanh(Z) ** 2


ACTIVATIONS = {"relu": (relu, relu_grad), "sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad)}
NN_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}

SETTINGS = Table(
    (
        lr_setting("lr", N_("learning rate"), 0.05),
        Setting("num_hiddens", N_("hidden units"), 512, "choice", options=(16, 32, 64, 128, 256, 512, 1024),
                widget="select_slider"),
        Setting("activation", N_("activation"), "relu", "choice", options=tuple(ACTIVATIONS)),
        Setting("optimizer", N_("optimizer"), "SGD + momentum", "choice", options=tuple(OPTIMIZERS)),
        Setting("batch_size", N_("batch size"), 128, "choice", options=BATCH_SIZES, widget="select_slider"),
        Setting("num_epochs", N_("epochs"), 12, min=1, max=50),
        Setting("cosine", N_("cosine learning-rate decay"), True, "bool"),
        Setting("versions", N_("versions"), ["scratch"], "multi", options=("scratch", "concise")),
    ),
    # the defaults beat the 0.8833 benchmark MLP; the tutorial's run takes the lr 0.5 of its concise version (its
    # scratch version's lr 100, divided by the batch size, is plain SGD with lr 0.39: see compare_tutorial_step)
    presets={N_("good defaults"): dict(num_hiddens=512, activation="relu", optimizer="SGD + momentum", lr=0.05,
                                       batch_size=128, num_epochs=12, cosine=True),
             N_("the tutorial's run"): dict(num_hiddens=256, activation="relu", optimizer="SGD", lr=0.5,
                                            batch_size=256, num_epochs=5, cosine=False)},
)


# ---- the model, from scratch ------------------------------------------------------------------------------

class MLPScratch:
    """H = act(X @ W1 + b1); O = H @ W2 + b2. Backward pass written out by hand, as in the first lesson."""

    updates_by_hand = True

    def __init__(self, W1, b1, W2, b2, activation: str = "relu"):
        self.W1, self.b1, self.W2, self.b2 = W1, b1, W2, b2  # (784, h), (h,), (h, 10), (10,)
        self.act, self.act_grad = ACTIVATIONS[activation]

    def parameters(self):
        return [self.W1, self.b1, self.W2, self.b2]

    def __call__(self, X):
        return self.act(X @ self.W1 + self.b1) @ self.W2 + self.b2

    def loss_and_grads(self, X, y):
        Z1 = X @ self.W1 + self.b1  # (n, h)
        H = self.act(Z1)  # (n, h)
        O = H @ self.W2 + self.b2  # (n, 10)
        P = softmax(O)
        dO = softmax_cross_entropy_grad(P, y)  # (n, 10)
        self.backward(X, Z1, H, dO)
        return cross_entropy(P, y), O

    def backward(self, X, Z1, H, dO):
        """Set each parameter's .grad from dL/dO, back through W2, the activation and W1."""
        self.W2.grad = H.T @ dO  # (h, 10)
        self.b2.grad = dO.sum(dim=0)
        dZ1 = (dO @ self.W2.T) * self.act_grad(Z1)  # (n, h): back through W2, then the activation
        self.W1.grad = X.T @ dZ1  # (784, h)
        self.b1.grad = dZ1.sum(dim=0)

    def input_weights(self):
        return self.W1


def mlp(version: str, num_hiddens: int = 256, activation: str = "relu", seed: int = 0,
        device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32):
    """Return the scratch or concise MLP 784 -> num_hiddens -> 10, both starting from the same weights."""
    W1, b1, W2, b2 = (p.to(dtype) for p in init_weights([784, num_hiddens, 10], seed, device))
    if version == "scratch":
        return MLPScratch(W1, b1, W2, b2, activation)
    net = nn.Sequential(nn.Linear(784, num_hiddens), NN_ACTIVATIONS[activation](), nn.Linear(num_hiddens, 10))
    net.to(device, dtype)
    copy_into_linear(net[0], W1, b1)
    copy_into_linear(net[2], W2, b2)
    return Concise(net)


def activation_figure(name: str) -> go.Figure:
    """The activation and its hand-written derivative on [-5, 5]."""
    f, df = ACTIVATIONS[name]
    z = torch.linspace(-5, 5, 201)
    fig = go.Figure([go.Scatter(x=z.numpy(), y=f(z).numpy(), name=f"{name}(z)"),
                     go.Scatter(x=z.numpy(), y=df(z).numpy(), name=f"{name}'(z)", line_dash="dash")])
    fig.update_layout(title=_("{name} and its derivative").format(name=name), xaxis_title="z",
                      **{**LAYOUT, "height": 300})
    return fig


# ---- the tutorial's learning rate of 100 ------------------------------------------------------------------

TUTORIAL_LR = 100.0  # the from-scratch tutorial's lr, for an update that divides by the batch size


def tutorial_sgd_step(params, lr: float, batch_size: int) -> None:
    """Update params in place the tutorial's way, p <- p - lr * dL/dp / batch_size; return nothing."""
    # meant for a loss summed over the batch; on a mean loss (here, and the tutorial's MLP) it divides a second time
    for p in params:
        p -= lr * p.grad / batch_size


@dataclass
class StepComparison:
    """One step from the same float64 weights on the same batch, the tutorial's way and plain SGD's way."""

    lr: float  # the tutorial's learning rate
    batch_size: int
    plain_lr: float  # lr / batch_size: plain SGD's learning rate for the same step
    loss: float  # mean cross-entropy of the batch before the step
    largest_update: float  # the largest |change| of any weight made by the tutorial's step
    largest_plain_update: float  # the same for plain SGD's step
    largest_difference: float  # the largest |tutorial's weight - plain SGD's weight| after the step


def first_batch(data: FashionMNIST, batch_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the first batch (images (b, 784), labels (b,)) that train_epochs draws with this seed, on the CPU."""
    order = torch.randperm(len(data.train_labels), generator=torch.Generator().manual_seed(seed))[:batch_size]
    idx = order.to(data.train_images.device)  # index where the data lives, then copy only the batch
    return data.train_images[idx].cpu(), data.train_labels[idx].cpu()


def compare_tutorial_step(X: torch.Tensor, y: torch.Tensor, lr: float = TUTORIAL_LR, num_hiddens: int = 256,
                          activation: str = "relu", seed: int = 0) -> StepComparison:
    """Return one tutorial step (lr, then / batch size) against one SGDByHand step of lr / batch size, same start."""
    # float64 on the CPU, so that any gap left is rounding, not the step; SGDByHand is what train_epochs runs
    check_lr(lr)
    batch_size = len(y)
    X = X.to("cpu", torch.float64)
    start = [p.to(torch.float64) for p in init_weights([784, num_hiddens, 10], seed, "cpu")]
    tutorial, plain = (MLPScratch(*(p.clone() for p in start), activation) for _ in range(2))
    loss, _ = tutorial.loss_and_grads(X, y)  # the gradients of the mean loss, as nn.CrossEntropyLoss gives them
    tutorial_sgd_step(tutorial.parameters(), lr, batch_size)
    plain.loss_and_grads(X, y)
    SGDByHand(plain.parameters(), lr / batch_size).step()
    pairs = list(zip(tutorial.parameters(), plain.parameters(), start))
    return StepComparison(lr, batch_size, lr / batch_size, loss.item(),
                          max((a - s).abs().max().item() for a, _, s in pairs),
                          max((b - s).abs().max().item() for _, b, s in pairs),
                          max((a - b).abs().max().item() for a, b, _ in pairs))


# ---- scratch against concise, float32 against float64 -----------------------------------------------------

def weights(model: MLPScratch | Concise) -> list[torch.Tensor]:
    """Return W1 (784, h), b1, W2 (h, 10), b2 of either version (nn.Linear stores its weight transposed)."""
    if isinstance(model, MLPScratch):
        return model.parameters()
    first, second = (m for m in model.net if isinstance(m, nn.Linear))
    return [first.weight.T, first.bias, second.weight.T, second.bias]


DRIFT_MAX_EPOCHS = 5  # the page's drift experiment trains at most this many epochs, to stay a few seconds long


@dataclass
class Drift:
    """How far apart scratch and concise are after each epoch (index 0: before training), in one precision."""
    loss: list[float] = field(default_factory=list)  # the scratch version's mean loss on its training images
    weight_gap: list[float] = field(default_factory=list)  # the largest absolute difference of any weight
    logit_gap: list[float] = field(default_factory=list)  # and of any logit, on the first test images
    diverged_at: int | None = None  # the epoch a version diverged at (the measurement stops there)

    def gaps(self) -> list[tuple[str, list[float]]]:
        """Both gaps with their names (marked for translation), as the chart and the table show them."""
        return [(N_("weight gap"), self.weight_gap), (N_("logit gap"), self.logit_gap)]

    def curves(self) -> Curves:
        """The measurement as a run's curves: its loss per epoch and where it diverged."""
        return Curves({"loss": self.loss}, diverged_at=self.diverged_at, step="epoch")


def version_drift(data: FashionMNIST, dtype: torch.dtype, num_train: int = 2048, num_test: int = 500,
                  num_hiddens: int = 256, activation: str = "relu", optimizer: str = "SGD", lr: float = 0.5,
                  batch_size: int = 256, num_epochs: int = 5, seed: int = 0, cosine: bool = False,
                  on_epoch: Callable[[int], bool | None] | None = None) -> Drift:
    """Return per epoch (0: before training) the largest weight and logit gaps between scratch and concise in dtype;
    on_epoch(epoch), called after each epoch, stops it early by returning True."""
    # both train from the same weights on the CPU, on the first num_train training images; the logit gap is on the
    # first num_test test images, and the loss is the scratch version's mean loss on its training images
    check_sizes(num_train=num_train, num_test=num_test)
    X, y = data.train_images[:num_train].to("cpu", dtype), data.train_labels[:num_train].cpu()
    X_test = data.test_images[:num_test].to("cpu", dtype)
    small = FashionMNIST(X, y, X_test, data.test_labels[:num_test].cpu(), data.source)
    models = {v: mlp(v, num_hiddens, activation, seed, dtype=dtype) for v in ("scratch", "concise")}
    runs = {v: train_epochs(m, small, optimizer, lr, batch_size, num_epochs, seed, cosine) for v, m in models.items()}
    drift = Drift()
    for epoch in range(num_epochs + 1):
        if epoch > 0:  # one more epoch of each version (the two runs draw the same batches)
            histories = [next(run) for run in runs.values()]
            if any(h.diverged_at is not None for h in histories):
                drift.diverged_at = epoch
                break
        with torch.no_grad():
            scratch, concise = models.values()
            drift.loss.append(F.cross_entropy(scratch(X), y).item())
            drift.weight_gap.append(max((a - b).abs().max().item() for a, b in zip(weights(scratch), weights(concise))))
            drift.logit_gap.append((scratch(X_test) - concise(X_test)).abs().max().item())
        if epoch > 0 and on_epoch is not None and on_epoch(epoch):
            break
    return drift


def drift_figure(drifts: dict[str, Drift]) -> go.Figure:
    """Return the weight gap (solid) and logit gap (dotted) per epoch on a log axis, one colour per precision."""
    # a gap of exactly 0 (the weights before training) cannot sit on a log axis: it is left out
    fig = go.Figure()
    for i, (name, drift) in enumerate(drifts.items()):
        for (curve, values), dash in zip(drift.gaps(), ("solid", "dot"), strict=True):
            fig.add_trace(go.Scatter(x=list(range(len(values))), y=[v if v > 0 else None for v in values],
                                     mode="lines+markers",
                                     name=_("{precision}: {curve}").format(precision=name, curve=_(curve)),
                                     line=dict(dash=dash, color=("#1f77b4", "#d62728")[i % 2])))
    fig.update_layout(title=_("How far apart scratch and concise end up"), xaxis_title=_("epoch"),
                      yaxis_title=_("largest absolute difference"), **LAYOUT)
    fig.update_yaxes(type="log", exponentformat="power")
    return fig
