"""Lesson 2's cost model: the arithmetic and the steps of each of its runs, for the estimate before it starts."""

from core.costs import Work


def two_layer_training(num_iters: int, N: int = 64, D_in: int = 1000, H: int = 100, D_out: int = 10,
                       num_runs: int = 1, float64: bool = False) -> Work:
    """The two-layer network of lessons 2 to 4 (x -> Linear -> ReLU -> Linear), trained full-batch `num_runs`
    times with torch: lesson 2's implementations, lesson 3's runs, lesson 4's race (one per optimizer). In
    float64 its multiplies count twice (torch runs them at about half the float32 rate on a CPU)."""
    return Work(6 * N * (D_in * H + H * D_out) * num_iters * num_runs * (2 if float64 else 1), num_iters * num_runs)


def dynamic_training(num_iters: int, N: int = 64, D_in: int = 1000, H: int = 100, D_out: int = 10) -> Work:
    """Lesson 2's DynamicNet: its middle layer repeated 1.5 times on average, and three layers' calls and a
    momentum buffer per step, about two of the two-layer network's steps."""
    return Work(6 * N * (D_in * H + 1.5 * H * H + H * D_out) * num_iters, 2 * num_iters)
