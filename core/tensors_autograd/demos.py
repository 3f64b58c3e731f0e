"""Small live demonstrations of how autograd behaves, each returning what really happened."""

import random
import warnings
from dataclasses import dataclass

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from torch import nn

from core import i18n
from core.backprop_numpy.network import make_problem
from core.charts import LAYOUT
from core.curves import Curves


def scalar_backward() -> tuple[dict[str, torch.Tensor | None], str]:
    """y = w*x + b at x=1, w=2, b=3: return x.grad, w.grad, b.grad and y.grad after y.backward(), and the warning."""
    x = torch.tensor(1.0, requires_grad=True)
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    y = w * x + b
    y.backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y_grad = y.grad  # y is not a leaf: autograd did not keep its gradient, and warns about it
    warning = str(caught[0].message).split(". ")[0] + "." if caught else ""
    return {"x.grad": x.grad, "w.grad": w.grad, "b.grad": b.grad, "y.grad": y_grad}, warning


def scalar_gradients() -> dict[str, str]:
    """What x.grad, w.grad, b.grad and y.grad hold after y.backward() (see scalar_backward), as printed."""
    grads, warning = scalar_backward()
    return {name: repr(grad) for name, grad in grads.items()} | {"warning": warning}


def repeated_backward(times: int = 3, zero_grad: bool = False) -> list[float]:
    """Return w.grad after each of several backward() calls on y = w*x + b (x=1), zeroing in between or not."""
    w = torch.tensor(2.0, requires_grad=True)
    grads = []
    for _ in range(times):
        y = w * 1.0 + 3.0
        y.backward()
        grads.append(w.grad.item())
        if zero_grad:
            w.grad.zero_()
    return grads


def train_with_or_without_zeroing(zero_grad: bool, lr: float = 1e-6, num_iters: int = 100, seed: int = 0,
                                  device: torch.device | str = "cpu") -> Curves:
    """The autograd loop of the ladder, optionally forgetting grad.zero_(): gradients then pile up."""
    p = make_problem(64, 1000, 100, 10, seed)
    X, y, W1, W2 = (torch.tensor(a, dtype=torch.float32, device=device) for a in (p.X, p.y, p.W1, p.W2))
    W1.requires_grad_()
    W2.requires_grad_()
    losses, grad_norms = [], []
    for t in range(num_iters):
        loss = (X.mm(W1).clamp(min=0).mm(W2) - y).pow(2).sum()
        if not torch.isfinite(loss):
            return Curves({"loss": losses, "W1.grad norm": grad_norms}, diverged_at=t)
        losses.append(loss.item())
        loss.backward()
        grad_norms.append(W1.grad.norm().item())
        with torch.no_grad():
            W1 -= lr * W1.grad
            W2 -= lr * W2.grad
            if zero_grad:
                W1.grad.zero_()
                W2.grad.zero_()
    return Curves({"loss": losses, "W1.grad norm": grad_norms})


def inplace_update_error() -> str:
    """Return the real error PyTorch raises for an in-place update of a leaf that requires grad."""
    W = torch.randn(3, 3, requires_grad=True)
    (W * 2).sum().backward()
    try:
        W -= 0.1 * W.grad  # outside torch.no_grad()
    except RuntimeError as err:
        return f"RuntimeError: {err}"
    return "no error"


@dataclass
class TraceDerivative:
    autograd: torch.Tensor  # (3, 4)
    closed_form: torch.Tensor  # (3, 4)
    max_abs_difference: float


def trace_derivative(seed: int = 0) -> TraceDerivative:
    """d tr(A X B X) / dX by autograd versus the closed form A^T X^T B^T + B^T X^T A^T, in float64."""
    g = torch.Generator().manual_seed(seed)
    X = torch.arange(12, dtype=torch.float64).view(3, 4).requires_grad_()
    A = torch.rand(4, 3, generator=g, dtype=torch.float64)
    B = torch.rand(4, 3, generator=g, dtype=torch.float64)
    torch.trace(A.mm(X).mm(B).mm(X)).backward()
    with torch.no_grad():
        closed_form = A.t().mm(X.t()).mm(B.t()) + B.t().mm(X.t()).mm(A.t())
    return TraceDerivative(X.grad, closed_form, (X.grad - closed_form).abs().max().item())


# ---- a dynamic graph ------------------------------------------------------------------------------------

class DynamicNet(nn.Module):
    """Reuses one middle layer a random 0-3 times per forward pass: control flow and weight sharing."""

    def __init__(self, D_in: int, H: int, D_out: int, rng: random.Random):
        super().__init__()
        self.input_linear = nn.Linear(D_in, H)
        self.middle_linear = nn.Linear(H, H)
        self.output_linear = nn.Linear(H, D_out)
        self.rng = rng
        self.last_depth = 0

    def forward(self, x):
        h_relu = self.input_linear(x).clamp(min=0)
        self.last_depth = self.rng.randint(0, 3)
        for _ in range(self.last_depth):  # the same weights, applied again
            h_relu = self.middle_linear(h_relu).clamp(min=0)
        return self.output_linear(h_relu)


def train_dynamic(lr: float = 1e-4, momentum: float = 0.9, num_iters: int = 500, seed: int = 0,
                  device: torch.device | str = "cpu") -> Curves:
    """Train DynamicNet with SGD + momentum; autograd follows whichever graph each step built."""
    torch.manual_seed(seed)
    X, y = torch.randn(64, 1000).to(device), torch.randn(64, 10).to(device)
    model = DynamicNet(1000, 100, 10, random.Random(seed)).to(device)
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    losses, depths = [], []
    for t in range(num_iters):
        loss = loss_fn(model(X), y)
        if not torch.isfinite(loss):
            return Curves({"loss": losses, "middle-layer repeats": depths}, diverged_at=t)
        losses.append(loss.item())
        depths.append(model.last_depth)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return Curves({"loss": losses, "middle-layer repeats": depths})


def dynamic_figure(run: Curves) -> go.Figure:
    """Loss (log scale) above the depth each step's graph had."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.05)
    steps = list(range(len(run.losses)))
    fig.add_trace(go.Scatter(x=steps, y=run.losses, mode="lines", name=i18n._("loss")), row=1, col=1)
    repeats = run.values["middle-layer repeats"]
    fig.add_trace(go.Scatter(x=steps, y=repeats, mode="markers", marker_size=3,
                             name=i18n._("middle-layer repeats")), row=2, col=1)
    fig.update_yaxes(type="log", exponentformat="power", title_text=i18n._("loss"), row=1, col=1)
    fig.update_yaxes(title_text=i18n._("repeats"), tickvals=[0, 1, 2, 3], row=2, col=1)
    fig.update_xaxes(title_text=i18n._("step"), row=2, col=1)
    fig.update_layout(title=i18n._("A different graph at every step"), **{**LAYOUT, "height": 420})
    return fig
