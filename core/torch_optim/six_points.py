"""Six points in the plane, three classes, one hidden layer of 5: manual updates versus optim.SGD.

    z1 = X @ W1 + B1             # (6, 5)
    logits = relu(z1) @ Wout + Bout  # (6, 3)
"""


import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from torch import nn

from core import i18n  # i18n._, since `_` is a loop variable in the functions the page shows
from core.charts import LAYOUT
from core.curves import Curves

X = torch.tensor([[0, 0], [1, 0], [1, 1], [0, 0], [0, 0], [0, 1]], dtype=torch.float32)  # (6, 2)
y = torch.tensor([0, 1, 2, 0, 0, 2])  # (6,)
NUM_FEATURES, NUM_HIDDEN, NUM_CLASSES = 2, 5, 3


def init_params(seed: int = 0) -> dict[str, torch.Tensor]:
    """Standard-normal W1, B1, Wout, Bout from one seeded generator."""
    g = torch.Generator().manual_seed(seed)
    shapes = {"W1": (NUM_FEATURES, NUM_HIDDEN), "B1": (NUM_HIDDEN,), "Wout": (NUM_HIDDEN, NUM_CLASSES),
              "Bout": (NUM_CLASSES,)}
    return {name: torch.randn(shape, generator=g) for name, shape in shapes.items()}


def logits_of(params: dict[str, torch.Tensor], X: torch.Tensor) -> torch.Tensor:
    """The forward pass written out: (N, 2) -> (N, 3) scores."""
    z1 = torch.matmul(X, params["W1"]) + params["B1"]
    return torch.matmul(F.relu(z1), params["Wout"]) + params["Bout"]


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Return the fraction of rows whose largest logit is at the label."""
    return (logits.argmax(dim=1) == labels).float().mean().item()


def train_manual(params: dict[str, torch.Tensor], lr: float = 0.01, num_epochs: int = 1000) -> Curves:
    """log_softmax + nll_loss, loss.backward(), and a hand-written update of each tensor. The loss and the
    training accuracy after each epoch's update; the final W1 (2, 5), B1 (5,), Wout (5, 3), Bout (3,) in outputs."""
    params = {k: v.clone().requires_grad_() for k, v in params.items()}
    losses, accuracies = [], []
    for _ in range(num_epochs):
        loss = F.nll_loss(F.log_softmax(logits_of(params, X), dim=1), y)
        loss.backward()
        with torch.no_grad():
            for p in params.values():
                p -= lr * p.grad
                p.grad.zero_()
            losses.append(loss.item())
            accuracies.append(accuracy(logits_of(params, X), y))
    return Curves({"loss": losses, "accuracy": accuracies}, step="epoch",
                  outputs={k: v.detach() for k, v in params.items()})


class ModelWithHiddenLayer(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.linear1 = nn.Linear(input_size, hidden_size)
        self.linear2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.linear2(F.relu(self.linear1(x)))


def train_optim(params: dict[str, torch.Tensor], lr: float = 0.01, num_epochs: int = 1000) -> Curves:
    """nn.Module + CrossEntropyLoss + optim.SGD, starting from the same numbers as train_manual."""
    model = ModelWithHiddenLayer(NUM_FEATURES, NUM_HIDDEN, NUM_CLASSES)
    with torch.no_grad():  # nn.Linear stores weight as (out, in): the transpose of our W
        model.linear1.weight.copy_(params["W1"].t())
        model.linear1.bias.copy_(params["B1"])
        model.linear2.weight.copy_(params["Wout"].t())
        model.linear2.bias.copy_(params["Bout"])
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses, accuracies = [], []
    for _ in range(num_epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)  # log_softmax and nll_loss in one
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        with torch.no_grad():
            accuracies.append(accuracy(model(X), y))
    final = {"W1": model.linear1.weight.t(), "B1": model.linear1.bias, "Wout": model.linear2.weight.t(),
             "Bout": model.linear2.bias}
    return Curves({"loss": losses, "accuracy": accuracies}, step="epoch",
                  outputs={k: v.detach().clone() for k, v in final.items()})


def loss_equivalence(seed: int = 0) -> dict[str, float]:
    """Return nll_loss(log_softmax(z)), cross_entropy(z) and their difference, for the seed's initial logits."""
    logits = logits_of(init_params(seed), X)
    two_steps = F.nll_loss(F.log_softmax(logits, dim=1), y).item()
    fused = F.cross_entropy(logits, y).item()
    return {"log_softmax + nll_loss": two_steps, "cross_entropy": fused, "difference": abs(two_steps - fused)}


def decision_figure(params: dict[str, torch.Tensor], title: str) -> go.Figure:
    """The predicted class over the plane, with the training points on top: a point that occurs several times is
    drawn once, larger, with its count ("×3")."""
    xs = np.linspace(-0.5, 1.5, 161)
    grid = torch.tensor(np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2), dtype=torch.float32)
    with torch.no_grad():
        regions = logits_of(params, grid).argmax(dim=1).reshape(len(xs), len(xs)).numpy()
    light = ["#c6dbef", "#fdd0a2", "#c7e9c0"]  # regions: one flat, light colour per class
    dark = ["#3182bd", "#e6550d", "#31a354"]  # points: the same hue, darker
    steps = [[0, light[0]], [1 / 3, light[0]], [1 / 3, light[1]], [2 / 3, light[1]], [2 / 3, light[2]], [1, light[2]]]
    fig = go.Figure(go.Heatmap(x=xs, y=xs, z=regions, zmin=-0.5, zmax=2.5, colorscale=steps, showscale=False,
                               hoverinfo="skip"))
    for k, symbol in enumerate(("circle", "square", "diamond")):
        pts, counts = torch.unique(X[y == k], dim=0, return_counts=True)  # (0, 0) appears three times in class 0
        counts = counts.tolist()
        fig.add_trace(go.Scatter(x=pts[:, 0].numpy(), y=pts[:, 1].numpy(), mode="markers+text",
                                 name=i18n._("class {k}").format(k=k),
                                 text=[f"×{c}" if c > 1 else "" for c in counts], textposition="top right",
                                 textfont=dict(size=16, color=dark[k]),
                                 marker=dict(symbol=symbol, size=[14 + 6 * (c - 1) for c in counts], color=dark[k],
                                             line=dict(width=2, color="black"))))
    fig.update_layout(title=title, xaxis_title=i18n._("feature 1"), yaxis_title=i18n._("feature 2"),
                      **{**LAYOUT, "height": 380})
    fig.update_xaxes(range=[xs[0], xs[-1]], constrain="domain")
    fig.update_yaxes(range=[xs[0], xs[-1]], scaleanchor="x", constrain="domain")
    return fig


def both_runs(seed: int = 0, lr: float = 0.01, num_epochs: int = 1000) -> tuple[Curves, Curves]:
    """train_manual and train_optim from the same seeded starting numbers."""
    start = init_params(seed)
    return train_manual(start, lr, num_epochs), train_optim(start, lr, num_epochs)
