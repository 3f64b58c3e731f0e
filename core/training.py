"""One training loop for every FashionMNIST model: batches are slices of a random permutation of indices."""

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch

from core.fashion_mnist import FashionMNIST

OPTIMIZERS = {
    "SGD": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "SGD + momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "Adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
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


def check_settings(lr: float, batch_size: int, num_epochs: int) -> None:
    """Raise ValueError naming the first setting that cannot work."""
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    for name, value in (("batch_size", batch_size), ("num_epochs", num_epochs)):
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


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
    check_settings(lr, batch_size, num_epochs)
    history = history if history is not None else History()
    opt = OPTIMIZERS[optimizer](model.parameters(), lr)
    X_all, y_all = data.train_images, data.train_labels
    n, device = len(X_all), X_all.device
    g = torch.Generator().manual_seed(seed)
    num_batches = math.ceil(n / batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=num_epochs * num_batches) if cosine else None
    for epoch in range(num_epochs):
        synchronize(device)
        start = time.perf_counter()
        order = torch.randperm(n, generator=g).to(device)
        loss_sum = torch.zeros((), device=device)  # summed on the device: no sync per batch
        correct = torch.zeros((), device=device)
        first_bad = torch.full((), -1, device=device)  # first batch with a non-finite loss, tracked without a sync
        for b in range(num_batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            X, y = X_all[idx], y_all[idx]  # (batch, 784), (batch,)
            opt.zero_grad()
            loss, logits = model.loss_and_grads(X, y)
            opt.step()
            if schedule is not None:
                schedule.step()
            loss_sum += loss * len(y)
            correct += (logits.argmax(dim=1) == y).sum()
            first_bad = torch.where((first_bad < 0) & ~torch.isfinite(loss), b, first_bad)
            if on_batch is not None:
                on_batch(epoch, b)
        train_loss = loss_sum.item() / n
        synchronize(device)
        seconds = time.perf_counter() - start
        if first_bad.item() >= 0:
            history.diverged_at = (len(history.epochs), int(first_bad.item()))
            yield history
            return
        test_acc = accuracy(model, data.test_images, data.test_labels)
        history.epochs.append(EpochStats(len(history.epochs), train_loss, correct.item() / n, test_acc, seconds))
        yield history

