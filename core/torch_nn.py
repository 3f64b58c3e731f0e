"""The two-layer network with torch.nn: nn.Sequential, a custom nn.Module, MSELoss and a manual update loop."""

import math

import plotly.graph_objects as go
import torch
from torch import nn

from core.charts import LAYOUT
from core.checks import check_lr, check_sizes
from core.curves import Curves
from core.settings import Setting, Table, lr_setting

SETTINGS = Table((
    lr_setting("lr", "learning rate", 1e-6),
    Setting("num_iters", "iterations", 500, min=1, max=2000, step=50),
    Setting("H", "H (hidden units)", 100, min=1, max=1000),
    Setting("normal_init", "Redraw weights with nn.init.normal_", True, "bool"),
))


def make_sequential(D_in: int, H: int, D_out: int) -> nn.Sequential:
    """Linear -> ReLU -> Linear, with biases, as nn.Sequential."""
    return nn.Sequential(
        nn.Linear(D_in, H),
        nn.ReLU(),
        nn.Linear(H, D_out),
    )


class TwoLayerNet(nn.Module):
    """The same network as a custom nn.Module: layers in __init__, the data flow in forward."""

    def __init__(self, D_in: int, H: int, D_out: int):
        super().__init__()
        self.linear1 = nn.Linear(D_in, H)
        self.linear2 = nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)  # (N, H)
        return self.linear2(h_relu)  # (N, D_out)


def make_data(N: int, D_in: int, D_out: int, seed: int, device: torch.device | str) -> tuple[torch.Tensor, ...]:
    """Random inputs and targets, drawn on the CPU (same numbers on every device) then moved."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(N, D_in, generator=g).to(device), torch.randn(N, D_out, generator=g).to(device)


def train_manual(model: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float, num_iters: int) -> Curves:
    """Gradient descent with a hand-written update over model.parameters(); the first layer's weights before
    and after, (H, D_in) on the CPU, are in `outputs`."""
    check_lr(lr)
    check_sizes(num_iters=num_iters)
    first = next(model.parameters())
    before = first.detach().cpu().clone()
    loss_fn = nn.MSELoss(reduction="sum")
    losses = []
    for t in range(num_iters):
        y_hat = model(X)  # model.forward(X)
        loss = loss_fn(y_hat, y)
        if not math.isfinite(loss.item()):
            return Curves({"loss": losses}, t, outputs={"before": before, "after": first.detach().cpu().clone()})
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
    return Curves({"loss": losses}, outputs={"before": before, "after": first.detach().cpu().clone()})


def build(kind: str, D_in: int, H: int, D_out: int, seed: int, normal_init: bool,
          device: torch.device | str) -> nn.Module:
    """Return a seeded Sequential or TwoLayerNet; with normal_init, weights are redrawn from N(0, 1)."""
    check_sizes(D_in=D_in, H=H, D_out=D_out)
    torch.manual_seed(seed)
    reference = make_sequential(D_in, H, D_out)
    if normal_init:
        nn.init.normal_(reference[0].weight)
        nn.init.normal_(reference[2].weight)
    if kind == "Sequential":
        return reference.to(device)
    model = TwoLayerNet(D_in, H, D_out)
    names = {"0.weight": "linear1.weight", "0.bias": "linear1.bias", "2.weight": "linear2.weight",
             "2.bias": "linear2.bias"}
    model.load_state_dict({names[k]: v for k, v in reference.state_dict().items()})  # the very same weights
    return model.to(device)


def train(kind: str = "Sequential", N: int = 64, D_in: int = 1000, H: int = 100, D_out: int = 10,
          lr: float = 1e-6, num_iters: int = 500, seed: int = 0, normal_init: bool = True,
          device: torch.device | str = "cpu") -> Curves:
    """Build the model and the data from `seed` and train it with train_manual."""
    X, y = make_data(N, D_in, D_out, seed, device)
    return train_manual(build(kind, D_in, H, D_out, seed, normal_init, device), X, y, lr, num_iters)


def parameter_table(model: nn.Module) -> list[dict[str, object]]:
    """Return name, shape, number of entries and device of every parameter."""
    return [{"name": name, "shape": " × ".join(map(str, p.shape)), "count": p.numel(), "device": str(p.device)}
            for name, p in model.named_parameters()]


def weights_histogram_figure(run: Curves) -> go.Figure:
    """Overlaid histograms of the first layer's weights before and after training."""
    fig = go.Figure()
    for name in ("before", "after"):
        w = run.outputs[name]
        fig.add_trace(go.Histogram(x=w.flatten().numpy(), name=name, opacity=0.6, nbinsx=60))
    fig.update_layout(title="First-layer weights", barmode="overlay", xaxis_title="weight value",
                      yaxis_title="count", **LAYOUT)
    return fig
