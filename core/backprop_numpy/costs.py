"""Lesson 1's cost model: the arithmetic and the steps of each of its runs, for the estimate before it starts."""

from core.costs import Work


def gradient_check(N: int, D_in: int, H: int, D_out: int, num_samples: int = 20, num_checks: int = 1) -> Work:
    """Lesson 1's gradient check, `num_checks` times: two central differences per sampled entry of W1 and of W2
    (a float64 forward pass each), besides one backward pass and autograd's."""
    forward = 2 * N * (D_in * H + H * D_out)
    return Work(forward * (4 * num_samples + 6) * num_checks, 4 * num_samples * num_checks, "float64")


def backprop_training(N: int, D_in: int, H: int, D_out: int, num_iters: int) -> Work:
    """Lesson 1's NumPy run: per iteration a forward and backward pass on N examples and a held-out forward pass."""
    per_iteration = 2 * N * (D_in * H + H * D_out) * (3 + 1)
    return Work(per_iteration * num_iters, num_iters, "float64")
