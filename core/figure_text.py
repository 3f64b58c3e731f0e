"""A chart's text alternative: one line a screen reader can read instead of looking at the figure."""

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from core.i18n import _, number


def _value(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    return number(v, 0) if 1000 <= abs(v) < 1e9 or (abs(v) < 1e9 and float(v).is_integer()) else f"{v:.3g}"


def _finite(values: Sequence) -> list[float]:
    out = []
    for v in values if values is not None else ():
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f):
            out.append(f)
    return out


def _title(fig: go.Figure) -> str:
    text = fig.layout.title.text if fig.layout.title is not None else None
    return text or _("Chart")


def _trace(trace) -> str:
    name = getattr(trace, "name", None) or _("series")
    z = getattr(trace, "z", None)
    if trace.type in ("heatmap", "image", "contour", "surface") and z is not None:
        shape = " × ".join(map(str, np.shape(z)[:2]))
        return _("{name}: a grid of {shape} values").format(name=name, shape=shape)
    y = getattr(trace, "y", None)
    if trace.type == "bar":
        xs = list(trace.x) if trace.x is not None else []
        heights = _finite(y)
        if len(xs) > 12 and len(heights) == len(xs) and all(isinstance(x, (int, float, np.number)) for x in xs):
            top = int(np.argmax(heights))  # a histogram's bins: its range and its peak, not the first twelve bins
            return _("{name}: {n} bars from {first} to {last}, the highest ({high}) at {at}").format(
                name=name, n=number(len(xs)), first=_value(xs[0]), last=_value(xs[-1]), high=_value(heights[top]),
                at=_value(xs[top]))
        pairs = list(zip(xs, heights))
        return _("{name}: {pairs}").format(name=name, pairs=", ".join(f"{x} = {_value(v)}" for x, v in pairs[:12]))
    ys = _finite(np.ravel(y) if y is not None else np.ravel(z) if z is not None else [])
    if not ys:
        return _("{name}: no points").format(name=name)
    return _("{name}: {n} points, from {first} to {last}, lowest {low}, highest {high}").format(
        name=name, n=number(len(ys)), first=_value(ys[0]), last=_value(ys[-1]), low=_value(min(ys)),
        high=_value(max(ys)))


def describe(fig: go.Figure, limit: int = 8) -> str:
    """'Loss (x: iteration, y: loss). scratch: 100 points, from 2.3 to 0.41, lowest 0.4, highest 2.3; …'."""
    axes = []
    x_title = fig.layout.xaxis.title.text if fig.layout.xaxis and fig.layout.xaxis.title else None
    y_title = fig.layout.yaxis.title.text if fig.layout.yaxis and fig.layout.yaxis.title else None
    if x_title:
        axes.append(_("x: {title}").format(title=x_title))
    if y_title:
        axes.append(_("y: {title}").format(title=y_title))
    head = _title(fig) + (f" ({', '.join(axes)})" if axes else "")
    traces = [_trace(t) for t in fig.data[:limit]]
    more = len(fig.data) - limit
    if more > 0:
        traces.append(_("and {n} more series").format(n=more))
    return head + ". " + "; ".join(traces) + "."
