"""Lesson 7's jobs for the server's pool (see core.jobs): the drift measurement, which reports each epoch and hears
Stop."""

from collections.abc import Callable
from typing import Any

import torch

from core import fashion_mnist
from core.i18n import _
from core.jobs import core_function
from core.mlp import Drift
from core.worker import Progress

DRIFT_PRECISIONS = {"float32": torch.float32, "float64": torch.float64}


def measure_drift(progress: Progress, measure: Callable, kwargs: dict[str, Any],
                  data_dir: str | None = None) -> dict[str, Drift]:
    """The drift measurement as a job of the server's pool (see core.jobs): measure(data, dtype, **kwargs,
    on_epoch=...) (version_drift) in float32, then in float64, on the CPU; a precision cut short by Stop is left
    out."""
    data = fashion_mnist.shared(data_dir, "cpu")
    epochs, drifts = kwargs["num_epochs"], {}
    for i, (name, dtype) in enumerate(DRIFT_PRECISIONS.items()):
        def on_epoch(epoch: int, done: int = i * epochs, name: str = name) -> bool:
            return progress.update((done + epoch) / (2 * epochs), _("{precision}: epoch {epoch} of {epochs}")
                                   .format(precision=name, epoch=epoch, epochs=epochs))
        curves = core_function(measure)(data, dtype, **kwargs, on_epoch=on_epoch)
        if progress.stop_requested():
            break
        drifts[name] = curves
    return drifts
