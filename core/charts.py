"""Plotly figures shared by the lessons: loss curves, error bars, training histories, weight images."""

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from core.curves import Curves

LAYOUT = dict(template="plotly_white", height=340, margin=dict(l=10, r=10, t=40, b=10),
              legend=dict(orientation="h", y=-0.2))


def loss_figure(
    curves: Mapping[str, Sequence[float]],
    title: str = "Loss",
    x_title: str = "iteration",
    y_title: str = "loss",
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
                      annotation_text=f"diverged at {diverged_at}")
    if reference is not None:
        label, level = reference
        fig.add_hline(y=level, line_dash="dash", line_color="gray", annotation_text=label)
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **LAYOUT)
    fig.update_yaxes(type="log" if log_y else "linear", exponentformat="power")
    return fig


def error_bars_figure(errors: Mapping[str, float], tolerance: float, title: str) -> go.Figure:
    """Return bars of relative errors on a log axis, green under `tolerance` and red above it."""
    names, values = list(errors), [max(v, 1e-18) for v in errors.values()]  # log axis cannot show 0
    colors = ["seagreen" if v < tolerance else "crimson" for v in errors.values()]
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=colors, text=[f"{v:.1e}" for v in errors.values()]))
    fig.add_hline(y=tolerance, line_dash="dash", annotation_text=f"tolerance {tolerance:.0e}")
    fig.update_layout(title=title, yaxis_title="max relative error", showlegend=False, **LAYOUT)
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


def history_figure(histories: dict[str, Curves]) -> go.Figure:
    """Training loss per epoch (left) and train/test accuracy per epoch (right), one colour per version."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training loss", "accuracy"))
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
    fig.update_xaxes(title_text="epoch", dtick=1)
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
