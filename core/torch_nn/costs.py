"""Lesson 3's cost model: the arithmetic and the steps of each of its runs, for the estimate before it starts."""

from core.costs import Work
from core.tensors_autograd.costs import two_layer_training


def runs_training(num_iters: int, H: int, num_runs: int) -> Work:
    """Lesson 3's runs of the two-layer network (lesson 2's), one per way of building it, full-batch in float32."""
    return two_layer_training(num_iters, H=H, num_runs=num_runs)


def init_tables(H: int) -> Work:
    """The tables beside the initialisation chart: a forward pass and a first step per initialisation."""
    return two_layer_training(1, H=H, num_runs=4)
