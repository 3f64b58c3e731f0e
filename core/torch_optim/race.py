"""Lesson 4, torch.optim: optimizers raced on one network from one set of initial weights."""

import copy
import math
from collections.abc import Callable

import torch
from torch import nn

from core.checks import check_lr
from core.curves import Curves
from core.i18n import N_
from core.optimizers import OPTIMIZERS
from core.torch_nn import build, make_data, make_sequential

INITS = {"default": N_("nn.Linear default"), "normal_": "nn.init.normal_"}  # the race's starting weights, shown


def train_with(optimizer_name: str, model: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float,
               num_iters: int) -> Curves:
    """The standard loop: forward, loss, zero_grad, backward, step. Besides the loss, the mean size of one step,
    |Δw| averaged over every parameter entry; the same average over the whole run in outputs["moved"]."""
    check_lr(lr)
    cls, settings, _ = OPTIMIZERS[optimizer_name]
    params = list(model.parameters())
    start = [p.detach().clone() for p in params]
    count = sum(p.numel() for p in params)
    optimizer = cls(params, lr=lr, **settings)
    loss_fn = nn.MSELoss(reduction="sum")
    losses, steps = [], []
    for t in range(num_iters):
        loss = loss_fn(model(X), y)
        if not math.isfinite(loss.item()):
            return Curves({"loss": losses, "mean |step|": steps}, diverged_at=t)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        before = [p.detach().clone() for p in params]
        optimizer.step()
        with torch.no_grad():
            steps.append(sum((p - b).abs().sum() for p, b in zip(params, before)).item() / count)
    with torch.no_grad():
        moved = sum((p - s).abs().sum() for p, s in zip(params, start)).item() / count
    return Curves({"loss": losses, "mean |step|": steps}, outputs={"moved": moved})


def start_model(init: str = "default", N: int = 64, D_in: int = 1000, H: int = 100, D_out: int = 10,
                seed: int = 0, device: torch.device | str = "cpu") -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """Return the seeded starting network (weights redrawn from N(0, 1) for init="normal_") and the data."""
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}, not {init!r}")
    start = build("Sequential", D_in, H, D_out, seed, init == "normal_", device)  # lesson 3's seeded network
    return start, *make_data(N, D_in, D_out, seed, device)


def race(lrs: dict[str, float], init: str = "default", N: int = 64, D_in: int = 1000, H: int = 100,
         D_out: int = 10, num_iters: int = 500, seed: int = 0, device: torch.device | str = "cpu",
         on_done: Callable[[str], None] | None = None) -> dict[str, Curves]:
    """Train a copy of one seeded model with each chosen optimizer at its learning rate, on the same data."""
    if not lrs:
        raise ValueError("choose at least one optimizer")
    start, X, y = start_model(init, N, D_in, H, D_out, seed, device)
    runs = {}
    for name, lr in lrs.items():
        runs[name] = train_with(name, copy.deepcopy(start), X, y, lr, num_iters)
        if on_done is not None:
            on_done(name)
    return runs


def manual_versus_step(lr: float = 1e-4, num_iters: int = 20, seed: int = 0) -> float:
    """Return the largest weight difference between a hand-written SGD update and optim.SGD.step()."""
    torch.manual_seed(seed)
    by_hand = make_sequential(1000, 100, 10)
    by_step = copy.deepcopy(by_hand)
    X, y = make_data(64, 1000, 10, seed, "cpu")
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(by_step.parameters(), lr=lr)
    for _ in range(num_iters):
        by_hand.zero_grad()
        loss_fn(by_hand(X), y).backward()
        with torch.no_grad():
            for param in by_hand.parameters():
                param -= lr * param.grad
        optimizer.zero_grad()
        loss_fn(by_step(X), y).backward()
        optimizer.step()
    return max((a - b).abs().max().item() for a, b in zip(by_hand.parameters(), by_step.parameters()))
