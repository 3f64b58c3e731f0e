"""The long computations a pool worker runs (see core.pool and core.worker).

Each takes the worker's Progress first: it reports how far it has got and learns from it when to stop, and it
returns what it produced, to be drawn by the page that asked for it. What a job needs from a lesson (a model
builder, a training function) arrives as a picklable reference, so this shared module imports no lesson.
"""

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from core import fashion_mnist
from core.curves import Curves
from core.fashion_mnist import FashionMNIST
from core.i18n import N_, _
from core.training import new_history, predict, train_versions
from core.worker import Progress


def dataset(data_dir: str | Path | None, device: str) -> FashionMNIST:
    """FashionMNIST on `device`: the process's one copy (fashion_mnist.shared)."""
    return fashion_mnist.shared(data_dir, device)


def core_function(fn: Callable) -> Callable:
    """`fn` if it is a function of this project's core package (a job runs nothing else)."""
    target = fn.func if isinstance(fn, functools.partial) else fn
    if not getattr(target, "__module__", "").startswith("core."):
        raise ValueError(f"not a core function: {target!r}")
    return fn


def train_fashion(progress: Progress, build: Callable, versions: list[str], optimizer: str, lr: float,
                  batch_size: int, num_epochs: int, seed: int, cosine: bool, device: str,
                  data_dir: str | None = None) -> dict[str, Any]:
    """Train each version built by `build(version, device=...)` on FashionMNIST; return its curves, weights and
    test-set probabilities."""
    data = dataset(data_dir, device)
    models = {v: core_function(build)(v, device=device) for v in versions}
    num_batches = math.ceil(len(data.train_labels) / batch_size)
    histories = {v: new_history(num_batches) for v in models}
    total, done = num_batches * num_epochs * len(models), 0

    def on_batch(version: str, epoch: int, batch: int) -> bool:
        nonlocal done
        done += 1
        return progress.update(done / total, _("{version}: epoch {epoch} of {num_epochs}, batch {batch} of "
                                               "{num_batches}").format(version=version, epoch=epoch + 1,
                                                                       num_epochs=num_epochs, batch=batch + 1,
                                                                       num_batches=num_batches),
                               histories, force=batch + 1 == num_batches)

    train_versions(models, data, optimizer, lr, batch_size, num_epochs, seed, cosine, histories, on_batch)
    return {"curves": histories,  # the test set's class probabilities too: the page need not compute them
            "weights": {v: [p.detach().cpu().numpy() for p in m.parameters()] for v, m in models.items()},
            "test_probs": {v: predict(m, data.test_images).cpu().numpy() for v, m in models.items()}}


def call(progress: Progress, fn: Callable, kwargs: dict[str, Any]) -> Any:
    """fn(**kwargs), a core function a page waits for (see app/runner.run). It reports no progress of its
    own: a Stop it cannot hear is handled by the pool, which replaces the worker."""
    return core_function(fn)(**kwargs)


def call_each(progress: Progress, fn: Callable, each: list[dict[str, Any]]) -> list[Any]:
    """[fn(**kwargs) for kwargs in each], saying how many are done; a Stop is heard between two calls."""
    results = []
    for kwargs in each:
        if progress.update(len(results) / len(each), _("{done} of {total} done").format(done=len(results),
                                                                                      total=len(each))):
            break
        results.append(core_function(fn)(**kwargs))
    return results


def train_steps(progress: Progress, train: Callable, kwargs: dict[str, Any], steps: int,
                unit: str = N_("iteration")) -> Curves:
    """Run train(**kwargs, on_iteration=...) from a lesson: its curves, without the final weights (pages here do
    not draw them); on_iteration reports each step and returns True when the learner pressed Stop."""
    def on_iteration(t: int) -> bool:
        return progress.update((t + 1) / steps, _("{unit} {step} of {steps}").format(unit=_(unit), step=t + 1,
                                                                                    steps=steps))

    curves = core_function(train)(**kwargs, on_iteration=on_iteration)
    curves.outputs = {k: v for k, v in curves.outputs.items() if not isinstance(v, np.ndarray)}
    return curves
