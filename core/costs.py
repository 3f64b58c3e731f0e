"""What a run costs before it starts: its arithmetic and steps, and this server's measured speed for each.

An estimate is `flops / rate + steps * overhead`, with the rate and per-step overhead measured on this machine by
`calibrate` (in a worker, with the worker's thread count), then corrected per kind of run by the ratio of actual
to estimated time of the runs that finished (see core.pool).
"""

import time
from dataclasses import dataclass

import numpy as np
import torch

TRAIN_IMAGES, TEST_IMAGES, PIXELS, CLASSES = 60_000, 10_000, 784, 10


@dataclass(frozen=True)
class Work:
    flops: float  # multiply-adds counted twice
    steps: int  # optimizer steps or iterations: each costs a fixed overhead besides its arithmetic
    dtype: str = "float32"  # "float32" (torch) or "float64" (NumPy)


@dataclass(frozen=True)
class Speed:
    """What one worker of this server does per second."""

    flops32: float = 5e10  # a guess for one core of a recent CPU, until `calibrate` has measured this one
    flops64: float = 3e10
    step32: float = 3e-4  # the fixed cost of one torch training step (Python, small kernels, the optimizer)
    step64: float = 3e-5  # and of one NumPy iteration of lesson 1

    def fastest(self, other: "Speed") -> "Speed":
        """Each rate at its best of the two measurements: a worker that measured itself while the machine was busy
        can only have found it slower than it is, never faster."""
        return Speed(max(self.flops32, other.flops32), max(self.flops64, other.flops64),
                     min(self.step32, other.step32), min(self.step64, other.step64))

    def seconds(self, work: Work) -> float:
        if work.dtype == "float64":
            return work.flops / self.flops64 + work.steps * self.step64
        return work.flops / self.flops32 + work.steps * self.step32


def fashion_training(num_hiddens: int | None, batch_size: int, num_epochs: int, num_versions: int = 1) -> Work:
    """A FashionMNIST run: softmax regression (num_hiddens None) or a one-hidden-layer MLP, each version trained
    in full, with the test set scored after every epoch."""
    params = PIXELS * CLASSES if num_hiddens is None else PIXELS * num_hiddens + num_hiddens * CLASSES
    per_epoch = 6 * TRAIN_IMAGES * params + 2 * TEST_IMAGES * params  # forward 2, backward 4; test: forward only
    steps = -(-TRAIN_IMAGES // batch_size) * num_epochs * num_versions
    return Work(per_epoch * num_epochs * num_versions, steps)


def drift_training(num_hiddens: int, batch_size: int, num_epochs: int, num_train: int = 2048,
                   num_test: int = 500) -> Work:
    """Lesson 7's drift measurement (core.mlp.version_drift): scratch and concise trained side by side on
    `num_train` images, once in float32 and once in float64, each epoch followed by a loss over the training
    images and logits on `num_test` test images. float64 matrix multiplies count twice (torch runs them at about
    half the float32 rate on a CPU)."""
    params = PIXELS * num_hiddens + num_hiddens * CLASSES
    per_epoch = 6 * num_train * params + 2 * num_train * params + 2 * num_test * params  # per version
    steps = -(-num_train // batch_size) * num_epochs * 2 * 2  # 2 versions, 2 precisions
    return Work(per_epoch * (num_epochs + 1) * 2 * (1 + 2), steps)


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


def race_training(num_runs: int, num_iters: int, N: int = 64, D_in: int = 1000, H: int = 100,
                  D_out: int = 10) -> Work:
    """Lesson 4's race (torch.optim): one two-layer network per optimizer, trained full-batch in float32."""
    return two_layer_training(num_iters, N, D_in, H, D_out, num_runs)


def regression_training(version: str, num_examples: int, batch_size: int, num_epochs: int) -> Work:
    """Lesson 5's linear regression: a few multiply-adds per example, so its cost is per step. The concise version
    costs about 1.5 times the hand-written one per step (nn.Module and optimizer calls), and its DataLoader fetches
    the examples one at a time (about a fortieth of a step each): at batch size 1000 that is most of its time."""
    batches = -(-num_examples // batch_size) * num_epochs
    flops = 2 * 3 * 3 * num_examples * num_epochs  # 2 weights and a bias: forward, backward, whole-set loss
    if version == "concise":
        return Work(2 * flops, 3 * batches // 2 + num_examples * num_epochs // 40)
    return Work(flops, batches)


def gradient_check(N: int, D_in: int, H: int, D_out: int, num_samples: int = 20, num_checks: int = 1) -> Work:
    """Lesson 1's gradient check, `num_checks` times: two central differences per sampled entry of W1 and of W2
    (a float64 forward pass each), besides one backward pass and autograd's."""
    forward = 2 * N * (D_in * H + H * D_out)
    return Work(forward * (4 * num_samples + 6) * num_checks, 4 * num_samples * num_checks, "float64")


def small_steps(steps: int) -> Work:
    """A loop of optimizer steps on a few numbers (a 2-D surface, six points): its fixed cost per step alone."""
    return Work(0.0, steps)


def backprop_training(N: int, D_in: int, H: int, D_out: int, num_iters: int) -> Work:
    """Lesson 1's NumPy run: per iteration a forward and backward pass on N examples and a held-out forward pass."""
    per_iteration = 2 * N * (D_in * H + H * D_out) * (3 + 1)
    return Work(per_iteration * num_iters, num_iters, "float64")


def calibrate(seconds: float = 0.3, calls: int = 3, limit: float = 3.0) -> Speed:
    """Measure this process's float32 (torch) and float64 (NumPy) matrix-multiply rates and the cost of a step.

    A worker measures itself at a low priority, often while the server is busy, so the time it waits for a core
    must not count (an average over the wall clock read 17x too slow on a loaded 2-core machine). Each call is
    timed alone, on the wall clock and in the process's CPU time, and the fastest of either counts: a call that
    ran uninterrupted gives the true rate on the wall clock, and CPU time leaves out the waiting of any call
    (with one thread it is the true rate; with several it can only read slower). Each rate gets `seconds` / 3
    and at least `calls` calls (up to `limit` seconds)."""
    def rate(multiply, flops: float) -> float:
        multiply()  # warm up
        fastest, start, made = float("inf"), time.perf_counter(), 0
        while made < calls and time.perf_counter() - start < limit or time.perf_counter() - start < seconds / 3:
            began, began_cpu = time.perf_counter(), time.process_time()
            multiply()
            wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
            fastest, made = min(fastest, wall, cpu if cpu > 0 else wall), made + 1
        return flops / fastest

    a = torch.randn(256, 784)
    w = torch.randn(784, 256, requires_grad=True)
    flops32 = rate(lambda: a @ w.detach(), 2 * 256 * 784 * 256)
    x = np.random.default_rng(0).standard_normal((256, 1000))
    v = np.random.default_rng(1).standard_normal((1000, 100))
    flops64 = rate(lambda: x @ v, 2 * 256 * 1000 * 100)
    small = torch.randn(16, 784)
    opt = torch.optim.SGD([w], lr=0.0)

    def step() -> None:  # one tiny training step: what a batch costs besides its arithmetic
        opt.zero_grad()
        (small @ w).square().mean().backward()
        opt.step()

    one = np.ones((1, 1))

    def numpy_step() -> None:  # lesson 1's iteration on 1 x 1 arrays: only its fixed cost is left
        h = one @ one
        grad = 2.0 * (np.maximum(h, 0) @ one - one)
        float(np.square(grad).sum())
        masked = (grad @ one.T).copy()
        masked[h < 0] = 0
        one.T @ masked - one

    per_step = 1 / rate(step, 1.0) - 6 * 16 * 784 * 256 / flops32
    return Speed(flops32, flops64, max(per_step, 1e-5), 1 / rate(numpy_step, 1.0))
