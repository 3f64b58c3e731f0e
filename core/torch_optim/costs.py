"""Lesson 4's cost model: the arithmetic and the steps of each of its runs, for the estimate before it starts."""

from core.costs import Work, small_steps
from core.tensors_autograd.costs import two_layer_training


def race_training(num_runs: int, num_iters: int, N: int = 64, D_in: int = 1000, H: int = 100,
                  D_out: int = 10) -> Work:
    """Lesson 4's race (torch.optim): one two-layer network per optimizer, trained full-batch in float32."""
    return two_layer_training(num_iters, N, D_in, H, D_out, num_runs)


def surface_paths(steps: int, num_paths: int) -> Work:
    """The paths on a 2-D surface: `steps` optimizer steps on two numbers, for each of `num_paths` optimizers."""
    return small_steps(steps * num_paths)


def six_points_training(num_epochs: int) -> Work:
    """The six points' two runs (by hand and with optim.SGD), `num_epochs` full-batch steps each."""
    return small_steps(2 * num_epochs)


def step_comparison(num_iters: int = 20) -> Work:
    """Our SGD loop against optimizer.step(): two runs of the two-layer network from the same weights."""
    return two_layer_training(num_iters, num_runs=2)
