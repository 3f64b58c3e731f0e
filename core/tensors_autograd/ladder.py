"""The same two-layer network four ways, from NumPy by hand to autograd with a custom Function.

Each stage takes the same data and initial weights and returns its losses. The stage functions are written
so that their lines line up: the translation table and the diffs between stages are computed from their source.
"""

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.backprop_numpy.network import make_problem
from core.checks import check_lr, check_sizes
from core.curves import Curves
from core.i18n import N_, _
from core.source import getsource

# ---- the four stages ------------------------------------------------------------------------------------

def numpy_by_hand(X, y, W1, W2, lr: float, num_iters: int) -> Curves:
    """NumPy arrays, gradients by the chain rule."""
    losses = []
    for t in range(num_iters):
        h = X.dot(W1)  # (N, H)
        h_relu = np.maximum(h, 0)
        y_hat = h_relu.dot(W2)  # (N, D_out)
        loss = float(np.square(y_hat - y).sum())
        if not math.isfinite(loss):
            return Curves({"loss": losses}, diverged_at=t)
        losses.append(loss)
        grad_y_hat = 2.0 * (y_hat - y)
        grad_W2 = h_relu.T.dot(grad_y_hat)
        grad_h_relu = grad_y_hat.dot(W2.T)
        grad_h = grad_h_relu.copy()
        grad_h[h < 0] = 0
        grad_W1 = X.T.dot(grad_h)
        W1 -= lr * grad_W1
        W2 -= lr * grad_W2
    return Curves({"loss": losses})


def torch_by_hand(X, y, W1, W2, lr: float, num_iters: int) -> Curves:
    """Torch tensors (on any device), still gradients by the chain rule."""
    losses = []
    for t in range(num_iters):
        h = X.mm(W1)  # (N, H)
        h_relu = h.clamp(min=0)
        y_hat = h_relu.mm(W2)  # (N, D_out)
        loss = (y_hat - y).pow(2).sum().item()
        if not math.isfinite(loss):
            return Curves({"loss": losses}, diverged_at=t)
        losses.append(loss)
        grad_y_hat = 2.0 * (y_hat - y)
        grad_W2 = h_relu.t().mm(grad_y_hat)
        grad_h_relu = grad_y_hat.mm(W2.t())
        grad_h = grad_h_relu.clone()
        grad_h[h < 0] = 0
        grad_W1 = X.t().mm(grad_h)
        W1 -= lr * grad_W1
        W2 -= lr * grad_W2
    return Curves({"loss": losses})


def torch_autograd(X, y, W1, W2, lr: float, num_iters: int) -> Curves:
    """Autograd records the forward pass; loss.backward() fills W1.grad and W2.grad."""
    W1.requires_grad_()
    W2.requires_grad_()
    losses = []
    for t in range(num_iters):
        y_hat = X.mm(W1).clamp(min=0).mm(W2)
        loss = (y_hat - y).pow(2).sum()
        if not math.isfinite(loss.item()):
            return Curves({"loss": losses}, diverged_at=t)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():  # the update itself must not be recorded
            W1 -= lr * W1.grad
            W2 -= lr * W2.grad
            W1.grad.zero_()  # otherwise the next backward() adds to these
            W2.grad.zero_()
    return Curves({"loss": losses})


class MyReLU(torch.autograd.Function):
    """ReLU with a hand-written backward, in the current style (forward, setup_context, backward)."""

    @staticmethod
    def forward(input):
        return input.clamp(min=0)

    @staticmethod
    def setup_context(ctx, inputs, output):
        (input,) = inputs
        ctx.save_for_backward(input)  # backward needs to know where input < 0

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


def torch_custom_function(X, y, W1, W2, lr: float, num_iters: int) -> Curves:
    """Autograd again, but the ReLU is our own Function with its own backward."""
    W1.requires_grad_()
    W2.requires_grad_()
    relu = MyReLU.apply
    losses = []
    for t in range(num_iters):
        y_hat = relu(X.mm(W1)).mm(W2)
        loss = (y_hat - y).pow(2).sum()
        if not math.isfinite(loss.item()):
            return Curves({"loss": losses}, diverged_at=t)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            W1 -= lr * W1.grad
            W2 -= lr * W2.grad
            W1.grad.zero_()
            W2.grad.zero_()
    return Curves({"loss": losses})


def gradcheck_my_relu(seed: int = 0) -> bool:
    """torch.autograd.gradcheck of MyReLU in float64: its backward against finite differences."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(8, 5, generator=g, dtype=torch.float64, requires_grad=True)
    return torch.autograd.gradcheck(MyReLU.apply, (x,), eps=1e-6, atol=1e-8)


STAGES: dict[str, Callable[..., Curves]] = {
    "NumPy by hand": numpy_by_hand,
    "torch by hand": torch_by_hand,
    "torch autograd": torch_autograd,
    "autograd + custom Function": torch_custom_function,
}


# ---- running them side by side -------------------------------------------------------------------------

def dtype_for(device: torch.device) -> torch.dtype:
    """float64 everywhere except Apple's MPS, which has no float64."""
    return torch.float32 if device.type == "mps" else torch.float64


def run_stage(name: str, N: int = 64, D_in: int = 1000, H: int = 100, D_out: int = 10, lr: float = 1e-6,
              num_iters: int = 500, seed: int = 0, device: torch.device | str = "cpu") -> Curves:
    """Run one stage on fresh copies of the seed's data and initial weights."""
    check_lr(lr)
    check_sizes(num_iters=num_iters)
    p = make_problem(N, D_in, H, D_out, seed)
    arrays = (p.X, p.y, p.W1.copy(), p.W2.copy())
    if name != "NumPy by hand":
        device = torch.device(device)
        arrays = tuple(torch.tensor(a, dtype=dtype_for(device), device=device) for a in arrays)
    with np.errstate(over="ignore", invalid="ignore"):
        return STAGES[name](*arrays, lr, num_iters)


def largest_differences(runs: dict[str, Curves]) -> list[float]:
    """Return, per step that every run reached, the largest relative gap between any run and the first."""
    curves = [np.asarray(r.losses) for r in runs.values()]
    steps = min(len(c) for c in curves)
    reference = curves[0][:steps]
    gaps = [np.abs(c[:steps] - reference) / np.maximum(np.abs(reference), 1e-300) for c in curves[1:]]
    return np.max(gaps, axis=0).tolist() if gaps else [0.0] * steps


# ---- reading the stages' source -------------------------------------------------------------------------

def body_lines(fn: Callable) -> list[str]:
    """Return the function's source lines after its docstring."""
    lines = getsource(fn).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().endswith('"""')) + 1
    return lines[start:]


def translation_table(a: Callable = numpy_by_hand, b: Callable = torch_by_hand) -> list[dict[str, str]]:
    """Return, for every line that differs between two aligned stages, both lines and the words that changed."""
    rows = []
    for line_a, line_b in zip(body_lines(a), body_lines(b), strict=True):
        if line_a != line_b:
            words_a, words_b = re.findall(r"\w+", line_a.split("#")[0]), re.findall(r"\w+", line_b.split("#")[0])
            removed = [w for w in words_a if w not in words_b]
            added = [w for w in words_b if w not in words_a]
            rows.append({"NumPy": line_a.strip(), "PyTorch": line_b.strip(),
                         N_("changed"): f"{' '.join(removed) or '—'} → {' '.join(added) or '—'}"})
    return rows


def stage_diff(a: Callable, b: Callable) -> str:
    """Return a unified diff between the sources of two stages (with MyReLU when a stage uses it)."""
    def source(fn):
        text = getsource(fn)
        return (getsource(MyReLU) + "\n" + text if fn is torch_custom_function else text).splitlines()
    return "\n".join(difflib.unified_diff(source(a), source(b), a.__name__, b.__name__, lineterm="", n=2))


# ---- one sample per column --------------------------------------------------------------------------------
# Some tutorials store a batch with one sample per column, X of shape (D_in, N), and write every product
# transposed. The weights can stay the same; only the order of the factors changes.

def forward_rows(X, W1, W2):
    """Return y_hat (N, D_out) for X (N, D_in), one sample per row: the layout of the four stages."""
    h = X.mm(W1)  # (N, D_in) @ (D_in, H) = (N, H)
    return h.clamp(min=0).mm(W2)  # (N, H) @ (H, D_out) = (N, D_out)


def forward_columns(X, W1, W2):
    """Return y_hat (D_out, N) for X (D_in, N), one sample per column, with the same W1 (D_in, H), W2 (H, D_out)."""
    h = W1.t().mm(X)  # (H, D_in) @ (D_in, N) = (H, N)
    return W2.t().mm(h.clamp(min=0))  # (D_out, H) @ (H, N) = (D_out, N)


@dataclass
class LayoutCheck:
    """Both layouts run on the same float64 data and weights."""

    row: dict[str, str]  # a row for the translation table
    relative_difference: float  # max |forward_columns(X^T) - forward_rows(X)^T| / max |forward_rows(X)|
    output_shapes: tuple[tuple[int, ...], tuple[int, ...]]  # (rows layout, columns layout)


def column_major_row(N: int = 64, D_in: int = 1000, H: int = 100, D_out: int = 10, seed: int = 0) -> LayoutCheck:
    """Return the translation-table row for one sample per column (its lines read from the source, its shapes from
    a run) and how far the column layout's output is from the row layout's, transposed, relative to its size."""
    p = make_problem(N, D_in, H, D_out, seed)
    X, W1, W2 = (torch.from_numpy(a) for a in (p.X, p.W1, p.W2))  # float64; X (N, D_in)
    by_rows, by_columns = forward_rows(X, W1, W2), forward_columns(X.t(), W1, W2)
    h_rows, h_columns = X.mm(W1), W1.t().mm(X.t())

    def h_line(fn: Callable) -> str:
        return next(line.split("#")[0].strip() for line in body_lines(fn) if line.strip().startswith("h = "))

    row = {"NumPy": h_line(numpy_by_hand), "PyTorch": h_line(forward_columns),
           "changed": _("one sample per column: X {x_now} instead of {x_was}, so h is {h_now} instead of {h_was}: "
                        "the same numbers, transposed").format(x_now=tuple(X.t().shape), x_was=tuple(X.shape),
                                                               h_now=tuple(h_columns.shape), h_was=tuple(h_rows.shape))}
    gap = ((by_columns - by_rows.t()).abs().max() / by_rows.abs().max()).item()  # rounding only: a different order
    return LayoutCheck(row, gap, (tuple(by_rows.shape), tuple(by_columns.shape)))
