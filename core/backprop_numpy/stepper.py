"""One iteration of lesson 1's training, one operation at a time, read from the code that trains.

`one_iteration` runs `network.train` for one iteration and reads the local variables of `train` and `backward`
as they were when each returned, so every array shown is one the lesson's own code computed. Each step names the
line(s) of source that computed it, found in `inspect.getsource` of the function that ran.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.backprop_numpy.derivation import lines_assigning
from core.backprop_numpy.network import backward, forward, squared_error, train
from core.i18n import N_, _
from core.source import getsource

TINY = dict(N=4, D_in=3, H=5, D_out=2)  # small enough to print every number of every array
TINY_LR = 3e-3  # 1e-6 would leave these O(1) weights unchanged to the digits shown; 1e-2 overshoots on some seeds
T = TypeVar("T")


@dataclass
class Step:
    """One operation of the iteration: what it computes, its formula, the lines that ran, the arrays involved."""

    title: str
    formula: str  # LaTeX
    function: Callable  # the function whose source holds the lines
    lines: list[int]  # indices of those lines in source_lines(function)
    arrays: dict[str, np.ndarray]  # inputs and result of the step, in the order they are drawn

    @property
    def code(self) -> list[str]:
        """Return the source lines this step ran, stripped of indentation."""
        source = source_lines(self.function)
        return [source[i].strip() for i in self.lines]


def source_lines(function: Callable) -> list[str]:
    """Return the lines of `function`'s source, as inspect.getsource gives them."""
    return getsource(function).splitlines()


def assigning(function: Callable, *names: str) -> list[int]:
    """Return the indices of the source lines of `function` that assign one of `names`."""
    wanted = {line for name in names for line in lines_assigning(function, name)}
    return [i for i, line in enumerate(source_lines(function)) if line.strip() in wanted]


def locals_on_return(call: Callable[[], T], *functions: Callable) -> tuple[T, dict[Callable, dict[str, Any]]]:
    """Return call()'s result and, for each of `functions`, its local variables when its first call returned."""
    codes = {f.__code__: f for f in functions}
    seen: dict[Callable, dict[str, Any]] = {}

    def profile(frame, event, arg):  # called by Python on every call and return in this thread
        function = codes.get(frame.f_code)
        if event == "return" and function is not None and function not in seen:
            seen[function] = dict(frame.f_locals)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = call()
    finally:
        sys.setprofile(previous)
    return result, seen


def one_iteration(seed: int = 0, lr: float = TINY_LR) -> list[Step]:
    """Return the steps of the first training iteration of the tiny network, forward then backward then update."""
    _, seen = locals_on_return(lambda: train(**TINY, lr=lr, num_iters=1, seed=seed), train, backward)
    t, b = seen[train], seen[backward]  # train's locals after its one iteration, backward's as it returned
    p = t["p"]  # the problem as drawn: p.W1 and p.W2 are the weights before the update
    v = {"X": p.X, "y": p.y, "W1": p.W1, "W2": p.W2, "h": t["h"], "h > 0": (t["h"] > 0).astype(float),
         "h_relu": t["h_relu"], "y_hat": t["y_hat"], "loss": np.array([[t["loss"]]]),
         **{name: b[name] for name in ("grad_y_hat", "grad_W2", "grad_h_relu", "grad_h", "grad_W1")},
         N_("W1 after"): t["W1"], N_("W2 after"): t["W2"],  # names shown as subplot titles, translated there
         N_("loss after"): np.array([[squared_error(forward(p.X, t["W1"], t["W2"])[2], p.y)]])}
    spec = [  # title, function, names its lines assign, formula, arrays shown
        (N_("Inputs, targets and weights"), train, ["p"], r"X,\ y,\ W_1,\ W_2 \sim \mathcal{N}(0, 1)",
         ["X", "y", "W1", "W2"]),
        (N_("Hidden layer before the ReLU: h"), forward, ["h"], r"h = X W_1", ["X", "W1", "h"]),
        (N_("The ReLU mask: which units are active"), forward, ["h_relu"], r"\mathbb{1}[h > 0]", ["h", "h > 0"]),
        (N_("The ReLU: h_relu"), forward, ["h_relu"], r"h_\text{relu} = \max(h, 0)", ["h", "h_relu"]),
        (N_("The prediction: y_hat"), forward, ["y_hat"], r"\hat y = h_\text{relu} W_2", ["h_relu", "W2", "y_hat"]),
        (N_("The loss"), train, ["loss"], r"L = \sum_{n,k} (\hat y_{nk} - y_{nk})^2", ["y_hat", "y", "loss"]),
        (N_("Gradient of the prediction: grad_y_hat"), backward, ["grad_y_hat"],
         r"\frac{\partial L}{\partial \hat y} = 2(\hat y - y)", ["y_hat", "y", "grad_y_hat"]),
        (N_("Gradient of W2: grad_W2"), backward, ["grad_W2"],
         r"\frac{\partial L}{\partial W_2} = h_\text{relu}^{\top} \frac{\partial L}{\partial \hat y}",
         ["h_relu", "grad_y_hat", "grad_W2"]),
        (N_("Back through W2: grad_h_relu"), backward, ["grad_h_relu"],
         r"\frac{\partial L}{\partial h_\text{relu}} = \frac{\partial L}{\partial \hat y} W_2^{\top}",
         ["grad_y_hat", "W2", "grad_h_relu"]),
        (N_("Back through the ReLU: grad_h"), backward, ["grad_h"],
         r"\frac{\partial L}{\partial h} = \frac{\partial L}{\partial h_\text{relu}} \odot \mathbb{1}[h > 0]",
         ["grad_h_relu", "h > 0", "grad_h"]),
        (N_("Gradient of W1: grad_W1"), backward, ["grad_W1"],
         r"\frac{\partial L}{\partial W_1} = X^{\top} \frac{\partial L}{\partial h}", ["X", "grad_h", "grad_W1"]),
        (N_("The update"), train, ["W1", "W2"], r"W \leftarrow W - \eta\, \frac{\partial L}{\partial W}",
         ["W1 after", "W2 after", "loss after"]),
    ]
    return [Step(title, formula, fn, assigning(fn, *names), {name: v[name] for name in shown})
            for title, fn, names, formula, shown in spec]


def marked_source(step: Step, marker: str = "▶") -> str:
    """Return the source of the step's function with `marker` in a left column on the lines this step ran."""
    blank = " " * len(marker)
    return "\n".join(f"{marker if i in step.lines else blank} {line}"
                     for i, line in enumerate(source_lines(step.function)))


def step_figure(step: Step) -> go.Figure:
    """Return one heatmap per array of the step, side by side, each cell labelled with its value."""
    arrays = list(step.arrays.items())
    widths = [a.shape[1] + 1 for _, a in arrays]  # columns in proportion to each array's width
    fig = make_subplots(rows=1, cols=len(arrays), column_widths=widths, horizontal_spacing=0.04,
                        subplot_titles=[f"{_(name)} ({' × '.join(map(str, a.shape))})" for name, a in arrays])
    for col, (name, a) in enumerate(arrays, start=1):
        scale = max(float(np.abs(a).max()), 1e-12)  # each array on its own symmetric colour scale
        fig.add_trace(go.Heatmap(z=a.tolist(), zmin=-scale, zmax=scale, colorscale="RdBu", reversescale=True,
                                 showscale=False, texttemplate="%{z:.3g}", name=name,
                                 hovertemplate=f"{name}[%{{y}}, %{{x}}] = %{{z:.6g}}<extra></extra>"), 1, col)
        fig.update_yaxes(autorange="reversed", showticklabels=False, row=1, col=col)  # row 0 at the top
        fig.update_xaxes(showticklabels=False, row=1, col=col)
    fig.update_layout(template="plotly_white", height=80 + 44 * max(a.shape[0] for _, a in arrays),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig
