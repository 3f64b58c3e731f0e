"""One training loop for every FashionMNIST model: batches are slices of a random permutation of indices."""

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch

from core.checks import check_lr, check_sizes
from core.fashion_mnist import FashionMNIST
from core.optim_lesson import OPTIMIZERS


def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """One of the optimizers raced in the optim lesson, with the same settings (foreach: one fused update)."""
    cls, settings, _ = OPTIMIZERS[name]
    return cls(params, lr=lr, foreach=True, **settings)

# MLP settings worth a button: the original tutorial's run, and defaults that beat the 0.8833 benchmark MLP.
MLP_PRESETS = {
    "good defaults": dict(num_hiddens=512, activation="relu", optimizer="SGD + momentum", lr=0.05, batch_size=128,
                          num_epochs=12, cosine=True),
    "the seed's run": dict(num_hiddens=256, activation="relu", optimizer="SGD", lr=0.5, batch_size=256,
                           num_epochs=5, cosine=False),
}


@dataclass
class EpochStats:
    epoch: int
    train_loss: float  # mean over the epoch's batches
    train_acc: float
    test_acc: float
    seconds: float  # the epoch's training time, synchronised on CUDA


@dataclass
class History:
    epochs: list[EpochStats] = field(default_factory=list)
    diverged_at: tuple[int, int] | None = None  # (epoch, batch) whose loss was not finite


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that a timer measures the work and not just its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@torch.no_grad()
def predict(model, images: torch.Tensor, batch_size: int = 2000) -> torch.Tensor:
    """Return class probabilities (n, 10), computed in batches."""
    return torch.cat([torch.softmax(model(images[i:i + batch_size]), dim=1) for i in range(0, len(images), batch_size)])


def accuracy(model, images: torch.Tensor, labels: torch.Tensor) -> float:
    return (predict(model, images).argmax(dim=1) == labels).float().mean().item()


def train_epochs(model, data: FashionMNIST, optimizer: str = "SGD", lr: float = 0.1, batch_size: int = 256,
                 num_epochs: int = 5, seed: int = 0, cosine: bool = False, history: History | None = None,
                 on_batch: Callable[[int, int], None] | None = None) -> Iterator[History]:
    """Train `model` in place, yielding the history after each epoch. Stops early if the loss diverges.

    With `cosine`, the learning rate decays from lr to 0 along half a cosine over the whole run, so the last
    epochs take small steps and settle instead of bouncing around the minimum.
    """
    check_lr(lr)
    check_sizes(batch_size=batch_size, num_epochs=num_epochs)
    history = history if history is not None else History()
    opt = make_optimizer(optimizer, model.parameters(), lr)
    X_all, y_all = data.train_images, data.train_labels
    n, device = len(X_all), X_all.device
    g = torch.Generator().manual_seed(seed)
    num_batches = math.ceil(n / batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=num_epochs * num_batches) if cosine else None
    for epoch in range(num_epochs):
        synchronize(device)
        start = time.perf_counter()
        order = torch.randperm(n, generator=g).to(device)
        losses = torch.empty(num_batches, device=device)  # kept on the device: no sync per batch
        correct = torch.empty(num_batches, device=device)
        for b in range(num_batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            X, y = X_all.index_select(0, idx), y_all.index_select(0, idx)  # (batch, 784), (batch,)
            opt.zero_grad()
            loss, logits = model.loss_and_grads(X, y)
            opt.step()
            if schedule is not None:
                schedule.step()
            losses[b] = loss
            correct[b] = (logits.argmax(dim=1) == y).sum()
            if on_batch is not None:
                on_batch(epoch, b)
        synchronize(device)
        seconds = time.perf_counter() - start
        bad = (~torch.isfinite(losses)).nonzero()
        if len(bad):
            history.diverged_at = (len(history.epochs), int(bad[0]))
            yield history
            return
        sizes = torch.full((num_batches,), float(batch_size), device=device)
        sizes[-1] = n - batch_size * (num_batches - 1)
        train_loss = (losses * sizes).sum().item() / n
        test_acc = accuracy(model, data.test_images, data.test_labels)
        history.epochs.append(EpochStats(len(history.epochs), train_loss, correct.sum().item() / n, test_acc, seconds))
        yield history

