"""Plotly figures shared by the lessons: loss curves, error bars, training histories, weight images."""

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from core.curves import AXIS_TITLES, Curves
from core.i18n import _

LAYOUT = dict(template="plotly_white", height=340, margin=dict(l=10, r=10, t=40, b=10),
              legend=dict(orientation="h", y=-0.2))


def loss_figure(
    curves: Mapping[str, Sequence[float]],
    title: str | None = None,  # None: "Loss", "iteration" and "loss" in the current language
    x_title: str | None = None,
    y_title: str | None = None,
    log_y: bool = True,
    diverged_at: int | None = None,
    reference: tuple[str, float] | None = None,
) -> go.Figure:
    """Return one line per named curve, with an optional marked divergence and a dashed reference level."""
    fig = go.Figure()
    for i, (name, values) in enumerate(curves.items()):
        dash = ("solid", "dash", "dot", "dashdot")[i % 4]  # curves that coincide stay distinguishable
        fig.add_trace(go.Scatter(x=list(range(len(values))), y=list(values), mode="lines", name=name,
                                 line=dict(dash=dash, width=2.5 if i == 0 else 2)))
    if diverged_at is not None:
        fig.add_vline(x=diverged_at, line_dash="dot", line_color="crimson",
                      annotation_text=_("diverged at {step}").format(step=diverged_at))
    if reference is not None:
        label, level = reference
        fig.add_hline(y=level, line_dash="dash", line_color="gray", annotation_text=label)
    fig.update_layout(title=_("Loss") if title is None else title,
                      xaxis_title=_("iteration") if x_title is None else x_title,
                      yaxis_title=_("loss") if y_title is None else y_title, **LAYOUT)
    fig.update_yaxes(type="log" if log_y else "linear", exponentformat="power")
    return fig


def error_bars_figure(errors: Mapping[str, float], tolerance: float, title: str) -> go.Figure:
    """Return bars of relative errors on a log axis, green under `tolerance` and red above it."""
    names, values = list(errors), [max(v, 1e-18) for v in errors.values()]  # log axis cannot show 0
    colors = ["seagreen" if v < tolerance else "crimson" for v in errors.values()]
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=colors, text=[f"{v:.1e}" for v in errors.values()]))
    fig.add_hline(y=tolerance, line_dash="dash", annotation_text=_("tolerance {tolerance:.0e}").format(
        tolerance=tolerance))
    fig.update_layout(title=title, yaxis_title=_("max relative error"), showlegend=False, **LAYOUT)
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


def history_figure(histories: dict[str, Curves]) -> go.Figure:
    """Training loss (left: each epoch's mean as a marker at its end, and per batch, smoothed) and train/test
    accuracy per epoch (right), one colour per version; a second version is dashed so coinciding curves show."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(_("training loss"), _("accuracy")))
    colors = px.colors.qualitative.Plotly
    for i, (name, h) in enumerate(histories.items()):
        epochs = list(range(1, h.num_epochs + 1))
        color = colors[i % len(colors)]
        fig.add_trace(go.Scatter(x=epochs, y=h.epoch_values["train loss"], name=f"{name}: loss",
                                 mode="lines+markers", line_color=color), row=1, col=1)
        fig.add_trace(go.Scatter(x=epochs, y=h.epoch_values["train acc"], name=f"{name}: train acc",
                                 mode="lines+markers", line=dict(color=color, dash="dot")), row=1, col=2)
        fig.add_trace(go.Scatter(x=epochs, y=h.epoch_values["test acc"], name=f"{name}: test acc",
                                 mode="lines+markers", line_color=color), row=1, col=2)
    for i, (name, h) in enumerate(histories.items()):  # after the per-epoch traces, which keep their order
        x = x_of(h, len(h.losses))[0]
        fig.add_trace(go.Scatter(x=x, y=smooth(h.losses, max(5, (h.steps_per_epoch or 50) // 10)),
                                 name=_("{name}: loss per batch (smoothed)").format(name=name), mode="lines",
                                 line=dict(color=colors[i % len(colors)], width=1, dash=("solid", "dash")[i % 2])),
                      row=1, col=1)
    fig.update_xaxes(title_text=_("epoch"), dtick=1)
    fig.update_layout(**{**LAYOUT, "height": 360})
    return fig


def weight_images_figure(W: torch.Tensor, titles: list[str], columns: int = 5) -> go.Figure:
    """Show columns of a (784, k) weight matrix as 28x28 images: red positive, blue negative."""
    images = W.detach().cpu().T.reshape(-1, 28, 28).numpy()
    limit = float(np.abs(images).max()) or 1.0
    fig = px.imshow(images, facet_col=0, facet_col_wrap=columns, color_continuous_scale="RdBu_r",
                    zmin=-limit, zmax=limit, facet_col_spacing=0.01, facet_row_spacing=0.06)
    for annotation in fig.layout.annotations:
        annotation.text = titles[int(annotation.text.split("=")[1])]
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    rows = -(-len(images) // columns)
    fig.update_layout(margin=dict(l=10, r=10, t=30, b=10), height=150 * rows + 40, coloraxis_showscale=False)
    return fig


def smooth(values: Sequence[float], span: int) -> list[float]:
    """Exponential moving average over about `span` points, corrected for its start (as TensorBoard draws)."""
    alpha, average, out = 2 / (span + 1), 0.0, []
    for i, v in enumerate(values, start=1):
        average = (1 - alpha) * average + alpha * v
        out.append(average / (1 - (1 - alpha) ** i))
    return out


def x_of(c: Curves, n: int) -> tuple[list[float], str]:
    """The x values of n points of a curve, and the axis title: epochs (fractional) for per-batch curves."""
    if c.step == "batch" and c.steps_per_epoch:
        return [(i + 1) / c.steps_per_epoch for i in range(n)], _("epoch")
    return list(range(n)), _(AXIS_TITLES[c.step])


def overlay_figure(traces: Mapping[str, Curves], series: str = "loss", title: str | None = None) -> go.Figure:
    """One line per named run curve (per-batch curves smoothed), on a log axis for losses; titled "Runs compared"
    unless `title` is given."""
    fig = go.Figure()
    x_title = _("step")
    for i, (name, c) in enumerate(traces.items()):
        values = c.values.get(series, [])
        if c.step == "batch":
            values = smooth(values, max(5, (c.steps_per_epoch or 50) // 10))
        x, x_title = x_of(c, len(values))
        fig.add_trace(go.Scatter(x=x, y=values, mode="lines", name=name,
                                 line=dict(dash=("solid", "dash", "dot", "dashdot")[i % 4])))
    fig.update_layout(title=_("Runs compared") if title is None else title, xaxis_title=x_title,
                      yaxis_title=_("loss") if series == "loss" else series, **LAYOUT)
    if series == "loss":
        fig.update_yaxes(type="log", exponentformat="power")
    return fig
