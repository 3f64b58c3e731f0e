"""Plotly figures shared by the lessons: loss curves and error bars, in one look."""

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

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
