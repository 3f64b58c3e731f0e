"""Linear regression on synthetic data y = X w + b + noise, from scratch and concise.

Both versions start from the same weights and minimise the same mean squared error with the same learning rate
and batch size; only the shuffled order of the batches differs (DataLoader draws its own seed first), so they
reach the same solution by slightly different paths.
"""

import itertools
import math
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from core.charts import LAYOUT
from core.checks import check_lr, check_sizes
from core.curves import Curves
from core.i18n import N_, _
from core.settings import Setting, Table, lr_setting

SETTINGS = Table((
    Setting("w1", N_("true w₁"), 2.0, "float", min=-100.0, max=100.0, step=0.1),
    Setting("w2", N_("true w₂"), 3.4, "float", min=-100.0, max=100.0, step=0.1),
    Setting("b", N_("true b"), 4.2, "float", min=-100.0, max=100.0, step=0.1),
    Setting("noise", N_("noise σ"), 0.01, "float", min=0.0, max=10.0, step=0.01, fmt=".3f"),
    Setting("num_examples", N_("examples"), 1000, min=10, max=20000, step=100),
    Setting("batch_size", N_("batch size"), 10, min=1, max=1000),
    lr_setting("lr", N_("learning rate"), 0.03),
    Setting("num_epochs", N_("epochs"), 3, min=1, max=50),
))


def make_data(true_w: list[float], true_b: float, noise: float = 0.01, num_examples: int = 1000,
              seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Return X (n, d) standard normal and y (n,) = X w + b + N(0, noise^2)."""
    check_sizes(num_examples=num_examples)
    if not noise >= 0:
        raise ValueError(f"noise must be non-negative, got {noise!r}")
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(num_examples, len(true_w), generator=g)
    y = X @ torch.tensor(true_w) + true_b + noise * torch.randn(num_examples, generator=g)
    return X, y


def init_params(d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """w ~ N(0, 0.01^2), b = 0: the starting point both versions share."""
    g = torch.Generator().manual_seed(seed + 1)
    return torch.randn(d, generator=g) * 0.01, torch.zeros(1)


# ---- from scratch -----------------------------------------------------------------------------------------

def data_iter(X, y, batch_size: int, g: torch.Generator):
    """Yield random minibatches: slices of a fresh permutation of the indices."""
    order = torch.randperm(len(X), generator=g)
    for i in range(0, len(X), batch_size):
        idx = order[i:i + batch_size]
        yield X[idx], y[idx]


def squared_loss(y_hat, y):
    return ((y_hat - y) ** 2).mean()


def sgd(params, lr: float):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad
            param.grad.zero_()


def train_scratch(X, y, lr: float = 0.03, batch_size: int = 10, num_epochs: int = 3, seed: int = 0,
                  on_iteration: Callable[[int], bool | None] | None = None) -> Curves:
    """Hand-written model, loss and update; autograd only computes the gradients. The loss on the whole data
    set before training and after each epoch; the learned w and b in outputs. on_iteration(t) after each
    minibatch: True stops the run (Stop pressed), keeping the epochs that finished."""
    check_lr(lr)
    check_sizes(batch_size=batch_size, num_epochs=num_epochs)
    w, b = (p.requires_grad_() for p in init_params(X.shape[1], seed))
    g, steps = torch.Generator().manual_seed(seed), itertools.count()
    with torch.no_grad():
        losses = [squared_loss(X @ w + b, y).item()]  # before training
    for epoch in range(1, num_epochs + 1):
        for X_batch, y_batch in data_iter(X, y, batch_size, g):
            loss = squared_loss(X_batch @ w + b, y_batch)
            loss.backward()
            sgd([w, b], lr)
            if on_iteration is not None and on_iteration(next(steps)):  # a page's progress bar and Stop button
                return Curves({"loss": losses}, step="epoch", outputs={"w": w.tolist(), "b": b.item()})
        with torch.no_grad():
            losses.append(squared_loss(X @ w + b, y).item())
        if not math.isfinite(losses[-1]):
            return Curves({"loss": losses[:-1]}, epoch, "epoch", outputs={"w": w.tolist(), "b": b.item()})
    return Curves({"loss": losses}, step="epoch", outputs={"w": w.tolist(), "b": b.item()})


# ---- concise ----------------------------------------------------------------------------------------------

def train_concise(X, y, lr: float = 0.03, batch_size: int = 10, num_epochs: int = 3, seed: int = 0,
                  on_iteration: Callable[[int], bool | None] | None = None) -> Curves:
    """DataLoader over a TensorDataset, nn.Linear, nn.MSELoss and optim.SGD; returns what train_scratch does,
    and stops as it does."""
    check_lr(lr)
    check_sizes(batch_size=batch_size, num_epochs=num_epochs)
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    net = nn.Linear(X.shape[1], 1)
    w, b = init_params(X.shape[1], seed)
    with torch.no_grad():
        net.weight.copy_(w[None, :])
        net.bias.copy_(b)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    steps = itertools.count()
    with torch.no_grad():
        losses = [loss_fn(net(X).squeeze(1), y).item()]  # before training
    for epoch in range(1, num_epochs + 1):
        for X_batch, y_batch in loader:
            loss = loss_fn(net(X_batch).squeeze(1), y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if on_iteration is not None and on_iteration(next(steps)):  # a page's progress bar and Stop button
                return Curves({"loss": losses}, step="epoch", outputs={"w": net.weight[0].tolist(),
                                                                       "b": net.bias.item()})
        with torch.no_grad():
            losses.append(loss_fn(net(X).squeeze(1), y).item())
        if not math.isfinite(losses[-1]):
            return Curves({"loss": losses[:-1]}, epoch, "epoch",
                          outputs={"w": net.weight[0].tolist(), "b": net.bias.item()})
    return Curves({"loss": losses}, step="epoch", outputs={"w": net.weight[0].tolist(), "b": net.bias.item()})


VERSIONS = {"scratch": train_scratch, "concise": train_concise}


def fit(version: str, true_w: list[float], true_b: float, noise: float, num_examples: int, lr: float,
        batch_size: int, num_epochs: int, seed: int,
        on_iteration: Callable[[int], bool | None] | None = None) -> Curves:
    """make_data, then train_scratch or train_concise on it: one of the page's runs, from its settings alone (a
    worker of the server's pool builds the data itself)."""
    X, y = make_data(true_w, true_b, noise, num_examples, seed)
    return VERSIONS[version](X, y, lr, batch_size, num_epochs, seed, on_iteration)


def plane_figure(X, y, fit: Curves) -> go.Figure:
    """3-D scatter of (x1, x2, y) with the fitted plane (two features only)."""
    fig = go.Figure(go.Scatter3d(x=X[:, 0].numpy(), y=X[:, 1].numpy(), z=y.numpy(), mode="markers",
                                 marker=dict(size=2, color="#636EFA"), name=_("data")))
    grid = np.linspace(-3, 3, 20)
    gx, gy = np.meshgrid(grid, grid)
    (w1, w2), b = fit.outputs["w"], fit.outputs["b"]
    fig.add_trace(go.Surface(x=gx, y=gy, z=w1 * gx + w2 * gy + b, opacity=0.5,
                             colorscale=[[0, "#EF553B"], [1, "#EF553B"]], showscale=False, name=_("fitted plane")))
    fig.update_layout(scene=dict(xaxis_title="x1", yaxis_title="x2", zaxis_title="y"),
                      **{**LAYOUT, "height": 480, "title": _("Data and the fitted plane")})
    return fig
