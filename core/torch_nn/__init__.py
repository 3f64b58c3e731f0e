"""The two-layer network with torch.nn: nn.Sequential, a custom nn.Module, MSELoss and a manual update loop."""

import io
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from core.charts import LAYOUT
from core.checks import check_lr, check_sizes
from core.curves import Curves
from core.i18n import N_, _
from core.settings import Setting, Table, lr_setting

SETTINGS = Table((
    lr_setting("lr", N_("learning rate"), 1e-6),
    Setting("num_iters", N_("iterations"), 500, min=1, max=2000, step=50),
    Setting("H", N_("H (hidden units)"), 100, min=1, max=1000),
    Setting("normal_init", N_("Redraw weights with nn.init.normal_"), True, "bool"),
    Setting("dropout", N_("dropout probability p"), 0.5, "float", min=0.0, max=0.9, step=0.1, widget="slider",
            in_run=False),
))

DATA_STREAM = 2**31  # added to the seed for the data: seeds are below 2**31, so never the weights' seed


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
    # A stream of their own: with manual_seed(seed) for the weights too, row n of X would be drawn from the same
    # random numbers as row n of the first layer's weights, and the two would be strongly correlated.
    g = torch.Generator().manual_seed(seed + DATA_STREAM)
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


def weights_histogram_figure(run: Curves, bins: int = 60) -> go.Figure:
    """Overlaid histograms of the first layer's weights before and after training, on the same bins.

    Counted here, not in the browser: the layer has 100,000 weights, and sending them all for plotly to count made
    this one chart 1.4 MB of the page and most of the time a browser took to draw it."""
    weights = {name: run.outputs[name].flatten().numpy() for name in (N_("before"), N_("after"))}
    edges = np.histogram_bin_edges(np.concatenate(list(weights.values())), bins=bins)
    fig = go.Figure()
    for name, w in weights.items():
        counts, _edges = np.histogram(w, bins=edges)
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), name=_(name),
                             opacity=0.6))
    fig.update_layout(title=_("First-layer weights"), barmode="overlay", bargap=0, xaxis_title=_("weight value"),
                      yaxis_title=_("count"), **LAYOUT)
    return fig


# ---- what initialisation changes -------------------------------------------------------------------------------

def init_scales(H: int = 100, seed: int = 0, N: int = 64, D_in: int = 1000, D_out: int = 10) -> list[dict[str, object]]:
    """Return, per linear layer, the weights' std under both initialisations, their ratio next to sqrt(3 fan_in),
    and how many times larger the layer's output is with normal_ (ratio of output stds, on the seed's data)."""
    X, _ = make_data(N, D_in, D_out, seed, "cpu")
    models = [build("Sequential", D_in, H, D_out, seed, normal_init, "cpu") for normal_init in (False, True)]
    output_std = []  # per model: the std of each Linear layer's output
    with torch.no_grad():
        for model in models:
            h, stds = X, []
            for layer in model:
                h = layer(h)
                if isinstance(layer, nn.Linear):
                    stds.append(h.std().item())
            output_std.append(stds)
    rows = []
    for i, (default, normal) in enumerate(zip(*(
            [m for m in model if isinstance(m, nn.Linear)] for model in models))):
        fan_in = default.in_features
        w_default, w_normal = default.weight.std().item(), normal.weight.std().item()
        rows.append({"layer": f"Linear {fan_in} → {default.out_features}", "fan-in": fan_in,
                     "weight std, default": w_default, "weight std, normal_": w_normal,
                     "weight ratio": w_normal / w_default, "√(3·fan-in)": math.sqrt(3 * fan_in),
                     "output std ratio": output_std[1][i] / output_std[0][i]})
    return rows


def first_step(H: int = 100, lr: float = 1e-6, seed: int = 0, N: int = 64, D_in: int = 1000,
               D_out: int = 10) -> list[dict[str, object]]:
    """Return, for each initialisation, the first loss L, the gradient's norm and lr·‖∇L‖²/L: to first order, the
    fraction of the loss one step of plain gradient descent removes (the step -lr·∇L lowers L by lr·‖∇L‖²)."""
    check_lr(lr)
    X, y = make_data(N, D_in, D_out, seed, "cpu")
    rows = []
    for name, normal_init in (("nn.Linear default", False), ("nn.init.normal_", True)):
        model = build("Sequential", D_in, H, D_out, seed, normal_init, "cpu")
        loss = nn.MSELoss(reduction="sum")(model(X), y)
        loss.backward()
        squared = sum((p.grad ** 2).sum().item() for p in model.parameters())
        rows.append({"initialisation": name, "first loss": loss.item(), "‖∇L‖": math.sqrt(squared),
                     "lr·‖∇L‖²/L": lr * squared / loss.item()})
    return rows


def init_tables(H: int = 100, lr: float = 1e-6, seed: int = 0
                ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Both tables beside the initialisation chart: init_scales and first_step, for one call of the page."""
    return init_scales(H, seed), first_step(H, lr, seed)


# ---- a module is an object, a function is a function -----------------------------------------------------------

def relu_module_versus_function() -> list[tuple[str, str]]:
    """Return (code, what really happened) for nn.ReLU(x) used wrongly, then nn.ReLU()(x) and F.relu(x)."""
    x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
    shown = [("x", repr(x))]
    wrong = nn.ReLU(x)  # no error yet: x is taken as the constructor's `inplace` argument
    shown.append(("y = nn.ReLU(x); type(y)", repr(type(wrong))))
    for code, use in (("y.sum()", lambda: wrong.sum()),
                      ("nn.Linear(4, 2)(y)", lambda: nn.Linear(4, 2)(wrong)),
                      ("print(y)", lambda: print(wrong, file=io.StringIO()))):
        try:
            shown.append((code, repr(use())))
        except (AttributeError, TypeError, RuntimeError) as err:
            shown.append((code, f"{type(err).__name__}: {err}"))
    shown.append(("nn.ReLU()(x)", repr(nn.ReLU()(x))))
    shown.append(("F.relu(x)", repr(nn.functional.relu(x))))
    return shown


# ---- train() and eval() ----------------------------------------------------------------------------------------

def make_dropout_net(p: float = 0.5, seed: int = 0) -> nn.Sequential:
    """Return a seeded Linear(4, 8) -> ReLU -> Dropout(p) -> Linear(8, 2)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(p), nn.Linear(8, 2))


@dataclass
class TrainEval:
    flags: dict[str, dict[str, bool]]  # mode -> module name -> its .training flag after model.train() / .eval()
    outputs: dict[str, tuple[torch.Tensor, torch.Tensor]]  # mode -> two calls on the same input, (3, 2) each
    same: dict[str, bool]  # mode -> whether the two calls gave identical outputs
    eval_requires_grad: bool  # eval() is not no_grad(): the output still records its graph


def train_versus_eval(p: float = 0.5, seed: int = 0) -> TrainEval:
    """Call one dropout network twice on the same input in train mode, then twice in eval mode."""
    model = make_dropout_net(p, seed)
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(seed))
    flags, outputs = {}, {}
    for mode in ("train", "eval"):
        model.train() if mode == "train" else model.eval()  # sets .training on the model and every submodule
        flags[mode] = {f"{name or 'model'}: {type(m).__name__}": m.training for name, m in model.named_modules()}
        outputs[mode] = (model(x), model(x))  # dropout draws a fresh random mask on each call in train mode
    return TrainEval(flags, {k: (a.detach(), b.detach()) for k, (a, b) in outputs.items()},
                     {k: torch.equal(a, b) for k, (a, b) in outputs.items()}, outputs["eval"][0].requires_grad)
