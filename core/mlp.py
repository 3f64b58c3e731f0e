"""Lesson 7, a multilayer perceptron: one hidden layer with a choice of activation, backward pass by hand.

    Z1 = X @ W1 + b1       # (n, h)
    H  = act(Z1)           # (n, h)
    O  = H @ W2 + b2       # (n, 10) logits
"""

import plotly.graph_objects as go
import torch
from torch import nn

from core.charts import LAYOUT
from core.classifier import Concise, copy_into_linear, init_weights
from core.optimizers import OPTIMIZERS
from core.settings import Setting, Table, lr_setting
from core.softmax_regression import BATCH_SIZES, cross_entropy, softmax, softmax_cross_entropy_grad

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
        lr_setting("lr", "learning rate", 0.05),
        Setting("num_hiddens", "hidden units", 512, "choice", options=(16, 32, 64, 128, 256, 512, 1024),
                widget="select_slider"),
        Setting("activation", "activation", "relu", "choice", options=tuple(ACTIVATIONS)),
        Setting("optimizer", "optimizer", "SGD + momentum", "choice", options=tuple(OPTIMIZERS)),
        Setting("batch_size", "batch size", 128, "choice", options=BATCH_SIZES, widget="select_slider"),
        Setting("num_epochs", "epochs", 12, min=1, max=50),
        Setting("cosine", "cosine learning-rate decay", True, "bool"),
        Setting("versions", "versions", ["scratch"], "multi", options=("scratch", "concise")),
    ),
    # the defaults beat the 0.8833 benchmark MLP; the original tutorial's run is a button away
    presets={"good defaults": dict(num_hiddens=512, activation="relu", optimizer="SGD + momentum", lr=0.05,
                                   batch_size=128, num_epochs=12, cosine=True),
             "the seed's run": dict(num_hiddens=256, activation="relu", optimizer="SGD", lr=0.5, batch_size=256,
                                    num_epochs=5, cosine=False)},
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
        self.W2.grad = H.T @ dO  # (h, 10)
        self.b2.grad = dO.sum(dim=0)
        dZ1 = (dO @ self.W2.T) * self.act_grad(Z1)  # (n, h): back through W2, then the activation
        self.W1.grad = X.T @ dZ1  # (784, h)
        self.b1.grad = dZ1.sum(dim=0)
        return cross_entropy(P, y), O

    def input_weights(self):
        return self.W1


def mlp(version: str, num_hiddens: int = 256, activation: str = "relu", seed: int = 0,
        device: torch.device | str = "cpu"):
    """The scratch or concise MLP 784 -> num_hiddens -> 10, both starting from the same weights."""
    W1, b1, W2, b2 = init_weights([784, num_hiddens, 10], seed, device)
    if version == "scratch":
        return MLPScratch(W1, b1, W2, b2, activation)
    net = nn.Sequential(nn.Linear(784, num_hiddens), NN_ACTIVATIONS[activation](), nn.Linear(num_hiddens, 10))
    net.to(device)
    copy_into_linear(net[0], W1, b1)
    copy_into_linear(net[2], W2, b2)
    return Concise(net)


def activation_figure(name: str) -> go.Figure:
    """The activation and its hand-written derivative on [-5, 5]."""
    f, df = ACTIVATIONS[name]
    z = torch.linspace(-5, 5, 201)
    fig = go.Figure([go.Scatter(x=z.numpy(), y=f(z).numpy(), name=f"{name}(z)"),
                     go.Scatter(x=z.numpy(), y=df(z).numpy(), name=f"{name}'(z)", line_dash="dash")])
    fig.update_layout(title=f"{name} and its derivative", xaxis_title="z", **{**LAYOUT, "height": 300})
    return fig
