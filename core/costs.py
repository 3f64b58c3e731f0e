"""What a run costs before it starts: its arithmetic and steps, and this server's measured speed for each.

Each lesson's cost model (the Work of each of its runs) is in its package, core/<slug>/costs.py; this module holds
the mechanism.

An estimate is `flops / rate + steps * overhead`, with the rate and per-step overhead measured on this machine by
`calibrate` (in a worker, with the worker's thread count), then corrected per kind of run by the ratio of actual
to estimated time of the runs that finished (see core.pool).
"""

import time
from dataclasses import dataclass

import numpy as np
import torch


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


def small_steps(steps: int) -> Work:
    """A loop of optimizer steps on a few numbers (a 2-D surface, six points): its fixed cost per step alone."""
    return Work(0.0, steps)


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
