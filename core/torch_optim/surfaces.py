"""Lesson 4, torch.optim: each optimizer's path on a 2-D loss surface."""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.colors
import plotly.graph_objects as go
import torch

from core.charts import LAYOUT
from core.curves import Curves
from core.i18n import N_, _
from core.optimizers import OPTIMIZERS


@dataclass(frozen=True)
class Surface:
    f: Callable  # works on floats, numpy arrays and tensors alike
    start: tuple[float, float]
    minimum: tuple[float, float]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    lr: float  # settings that show the differences well
    momentum: float
    num_steps: int


SURFACES = {
    # curvature 1 along x and 36 along y: a step small enough for y is tiny for x
    N_("ill-conditioned quadratic"): Surface(lambda x, y: 0.5 * x**2 + 18 * y**2, (-4.5, 1.5), (0.0, 0.0),
                                         (-5, 5), (-2, 2), lr=0.05, momentum=0.7, num_steps=60),
    # a curved, nearly flat valley floor leading to the minimum at (1, 1)
    N_("Rosenbrock"): Surface(lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2, (-1.5, 2.0), (1.0, 1.0),
                          (-2, 2), (-1, 3), lr=1e-3, momentum=0.9, num_steps=1000),
}


def optimizer_path(surface: str, optimizer_name: str, lr: float, momentum: float = 0.9,
                   num_steps: int = 100) -> Curves:
    """Minimise a 2-D surface with one optimizer from the surface's start: f at each position visited, and the
    positions themselves, (steps + 1, 2), in outputs["points"]."""
    s = SURFACES[surface]
    xy = torch.tensor(s.start, dtype=torch.float64, requires_grad=True)
    cls, settings, _ = OPTIMIZERS[optimizer_name]
    settings = {**settings, "momentum": momentum} if "momentum" in settings else settings
    optimizer = cls([xy], lr=lr, **settings)
    points, values = [xy.detach().clone()], []
    for t in range(num_steps):
        loss = s.f(xy[0], xy[1])
        if not math.isfinite(loss.item()):
            return Curves({"loss": values}, t, "step", outputs={"points": torch.stack(points[:-1]).numpy()})
        values.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        points.append(xy.detach().clone())
    values.append(s.f(xy[0], xy[1]).item())
    return Curves({"loss": values}, step="step", outputs={"points": torch.stack(points).numpy()})


def optimizer_paths(surface: str, names: list[str], lr: float, momentum: float = 0.9,
                    num_steps: int = 100) -> dict[str, Curves]:
    """optimizer_path for each optimizer in `names`, by name."""
    return {name: optimizer_path(surface, name, lr, momentum, num_steps) for name in names}


def paths_figure(surface: str, paths: dict[str, Curves]) -> go.Figure:
    """Contours of the surface (log-spaced) with each optimizer's path drawn over them."""
    s = SURFACES[surface]
    # 100 x 100 points draw the same contour lines as 200 x 200 did, and the browser traces them in a quarter of
    # the time: at 200, this one chart was two thirds of the time a browser took to draw the whole page (6.8 s)
    xs, ys = np.linspace(*s.x_range, 100), np.linspace(*s.y_range, 100)
    z = s.f(xs[None, :], ys[:, None])
    fig = go.Figure(go.Contour(x=xs, y=ys, z=np.log10(z + 1e-3), colorscale="Greys", showscale=False,
                               contours=dict(coloring="lines"), hoverinfo="skip", name="log10 f"))
    colors = plotly.colors.qualitative.Plotly  # the order the loss charts use, so each optimizer keeps its colour
    for i, (name, path) in enumerate(paths.items()):
        points = path.outputs["points"]
        inside = points[(np.abs(points) < 1e6).all(axis=1)]
        fig.add_trace(go.Scatter(x=inside[:, 0], y=inside[:, 1], mode="lines+markers", marker_size=4, name=name,
                                 line_color=colors[i % len(colors)]))
    fig.add_trace(go.Scatter(x=[s.minimum[0]], y=[s.minimum[1]], mode="markers", name=_("minimum"),
                             marker=dict(symbol="star", size=14, color="gold", line_width=1)))
    fig.update_layout(title=_("Paths on the {surface}").format(surface=_(surface)), xaxis_title="x", yaxis_title="y",
                      **{**LAYOUT, "height": 480})
    fig.update_xaxes(range=s.x_range)
    fig.update_yaxes(range=s.y_range)
    return fig
