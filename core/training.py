"""One training loop for every FashionMNIST model: batches are slices of a random permutation of indices."""

import math
import time
from collections.abc import Callable, Iterator

import torch

from core.checks import check_lr, check_sizes
from core.classifier import Classifier
from core.curves import Curves
from core.fashion_mnist import FashionMNIST
from core.optimizers import OPTIMIZERS


class SGDByHand:
    """Plain SGD written out, as the from-scratch tutorials do it: param <- param - lr * dL/dparam.

    The lr sits in `param_groups` like torch.optim's, so one learning-rate schedule serves both kinds.
    """

    def __init__(self, params, lr: float):
        self.params = list(params)
        self.param_groups = [{"lr": lr}]

    def step(self):
        lr = self.param_groups[0]["lr"]
        for param in self.params:
            param.sub_(param.grad, alpha=lr)  # in place: the model keeps the same tensors


def make_optimizer(name: str, model: Classifier, lr: float):
    """Plain SGD by hand for a from-scratch model; otherwise one of the optimizers raced in the optim lesson, with
    the same settings (foreach: one fused update for all parameters)."""
    if name == "SGD" and model.updates_by_hand:
        return SGDByHand(model.parameters(), lr)
    cls, settings, _ = OPTIMIZERS[name]
    return cls(model.parameters(), lr=lr, foreach=True, **settings)


def cosine_lr(lr: float, step: int, total_steps: int) -> float:
    """Learning rate at `step`: decays from lr to 0 along half a cosine (as torch's CosineAnnealingLR does)."""
    return lr * (1 + math.cos(math.pi * step / total_steps)) / 2

def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that a timer measures the work and not just its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@torch.no_grad()
def predict(model: Classifier, images: torch.Tensor, batch_size: int = 2000) -> torch.Tensor:
    """Return class probabilities (n, 10), computed in batches."""
    return torch.cat([torch.softmax(model(images[i:i + batch_size]), dim=1) for i in range(0, len(images), batch_size)])


def accuracy(model: Classifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    return (predict(model, images).argmax(dim=1) == labels).float().mean().item()


def train_epochs(model: Classifier, data: FashionMNIST, optimizer: str = "SGD", lr: float = 0.1,
                 batch_size: int = 256, num_epochs: int = 5, seed: int = 0, cosine: bool = False,
                 history: Curves | None = None,
                 on_batch: Callable[[int, int], bool | None] | None = None) -> Iterator[Curves]:
    """Train `model` in place, yielding its curves after each epoch: loss and accuracy per batch, and per epoch the
    mean training loss and accuracy, the test accuracy and the seconds it took. Stops early if the loss diverges,
    or when on_batch(epoch, batch) returns True (Stop pressed): the batches of an unfinished epoch are kept.

    With `cosine`, the learning rate decays from lr to 0 along half a cosine over the whole run, so the last
    epochs take small steps and settle instead of bouncing around the minimum.
    """
    check_lr(lr)
    check_sizes(batch_size=batch_size, num_epochs=num_epochs)
    opt = make_optimizer(optimizer, model, lr)
    X_all, y_all = data.train_images, data.train_labels
    n, device = len(X_all), X_all.device
    g = torch.Generator().manual_seed(seed)
    num_batches = math.ceil(n / batch_size)
    history = history if history is not None else new_history(num_batches)
    sizes = torch.full((num_batches,), float(batch_size), device=device)
    sizes[-1] = n - batch_size * (num_batches - 1)
    for epoch in range(num_epochs):
        synchronize(device)
        start = time.perf_counter()
        order = torch.randperm(n, generator=g).to(device)
        losses, correct, stop = [], [], False  # 0-d tensors left on the device: no sync per batch
        for b in range(num_batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            X, y = X_all.index_select(0, idx), y_all.index_select(0, idx)  # (batch, 784), (batch,)
            if cosine:
                opt.param_groups[0]["lr"] = cosine_lr(lr, epoch * num_batches + b, num_epochs * num_batches)
            loss, logits = model.loss_and_grads(X, y)
            opt.step()
            losses.append(loss)
            correct.append((logits.argmax(dim=1) == y).sum())
            if on_batch is not None and on_batch(epoch, b):
                stop = True
                break
        synchronize(device)
        seconds = time.perf_counter() - start
        losses, correct = torch.stack(losses), torch.stack(correct)
        bad = (~torch.isfinite(losses)).nonzero()
        finite = int(bad[0]) if len(bad) else len(losses)  # the batches before the first non-finite loss
        history.values["loss"] += losses[:finite].tolist()
        history.values["accuracy"] += (correct[:finite] / sizes[:finite]).tolist()
        if len(bad):
            history.diverged_at = len(history.losses)
            yield history
            return
        if stop:
            return
        for name, value in (("train loss", (losses * sizes).sum().item() / n),
                            ("train acc", correct.sum().item() / n),
                            ("test acc", accuracy(model, data.test_images, data.test_labels)),
                            ("seconds", seconds)):
            history.epoch_values[name].append(value)
        yield history


def train_versions(models: dict[str, Classifier], data: FashionMNIST, optimizer: str, lr: float, batch_size: int,
                   num_epochs: int, seed: int, cosine: bool, histories: dict[str, Curves],
                   on_batch: Callable[[str, int, int], bool | None]) -> None:
    """Train several versions on the same batches, one epoch of each in turn, so that they progress together.
    A version that diverges stops alone; on_batch(version, epoch, batch) returning True stops them all."""
    stop = False

    def hook(version: str) -> Callable[[int, int], bool]:
        def on(epoch: int, batch: int) -> bool:
            nonlocal stop
            stop = bool(on_batch(version, epoch, batch))
            return stop
        return on

    trainers = {v: train_epochs(m, data, optimizer, lr, batch_size, num_epochs, seed, cosine, histories[v], hook(v))
                for v, m in models.items()}
    while trainers and not stop:
        for version in list(trainers):
            history = next(trainers[version], None)
            if stop:
                return
            if history is None or history.diverged_at is not None:
                del trainers[version]


def new_history(steps_per_epoch: int) -> Curves:
    """Empty curves for train_epochs: per batch, and per epoch."""
    return Curves({"loss": [], "accuracy": []}, step="batch", steps_per_epoch=steps_per_epoch,
                  epoch_values={"train loss": [], "train acc": [], "test acc": [], "seconds": []})
