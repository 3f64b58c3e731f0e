"""The training pool: a fair line, Stop from the line and mid-run, a killed worker, the limit per run, progress."""

import functools
import inspect
import os
import pickle
import signal

import pytest
import torch

from core import costs, jobs
from core.backprop_numpy import network as bp
from core.backprop_numpy.costs import backprop_training
from core.curves import Curves
from core.pool import FACTOR_BOUND, LEARN_FROM_SECONDS, Pool, TooCostly, threads_per_worker
from core.softmax_regression import model as sr
from core.training import new_history, train_versions
from core.worker import Progress, merge_tails, use_threads
from helpers import wait_until

SMALL = dict(N=16, D_in=50, H=20, D_out=5, lr=1e-4)


def until(condition, timeout: float = 60.0) -> float:
    """Wait for condition() and return the seconds it took."""
    return wait_until(condition, f"the condition of line {condition.__code__.co_firstlineno}", timeout)


def submit(pool: Pool, owner: str, num_iters: int, **sizes):
    kwargs = {**SMALL, **sizes, "num_iters": num_iters}
    work = backprop_training(kwargs["N"], kwargs["D_in"], kwargs["H"], kwargs["D_out"], num_iters)
    return pool.submit(owner, "backprop_numpy", "core.jobs:train_steps",
                       dict(train=bp.train, kwargs=kwargs, steps=num_iters), work)


def long_run(pool: Pool, owner: str):
    """A run of minutes, submitted to be stopped, killed or frozen part-way. What the pool learnt from the short runs
    of the tests before (each mostly overhead: a factor of hundreds) is forgotten first: with it, the estimate of
    this run went over the limit per run (860 s of 600) on a busy machine, and the run was refused."""
    pool.factors.pop("backprop_numpy", None)
    return submit(pool, owner, 200_000)


@pytest.fixture(scope="module")
def pool():
    pool = Pool(slots=1, threads=1, nice=0)
    until(pool.ready)
    yield pool
    pool.close()


def test_each_learner_has_one_run_active_and_a_second_run_waits_behind_the_others(pool):
    first = submit(pool, "ana", 20_000)  # long enough that the others queue behind it
    until(lambda: first.state == "running")
    second, bo, cy = submit(pool, "ana", 50), submit(pool, "bo", 50), submit(pool, "cy", 50)
    assert [pool.place(j)[0] for j in (bo, cy, second)] == [1, 2, 3]
    assert pool.place(bo)[1] < pool.place(cy)[1] <= pool.place(second)[1]  # later place, later start
    assert pool.busy() == (1, 3)
    pool.cancel(first)
    until(lambda: not second.active)
    assert first.started < bo.started < cy.started < second.started
    assert [j.state for j in (bo, cy, second)] == ["finished"] * 3


def test_stop_from_the_line_at_once_and_mid_run_within_a_second_keeping_what_was_learned(pool):
    running = long_run(pool, "ana")
    waiting = submit(pool, "bo", 50)
    until(lambda: running.fraction > 0.01)
    pool.cancel(waiting)
    assert waiting.state == "stopped" and waiting.started is None
    pool.cancel(running)
    assert until(lambda: running.stop_heard) < 1.0  # the run stopped; the worker may still be packing up
    until(lambda: not running.active)
    assert running.state == "stopped" and "kept" in running.message
    kept = running.result.losses
    assert 0 < len(kept) < 200_000
    again = bp.train(**SMALL, num_iters=len(kept))  # the same iterations, run here: the kept curve is theirs
    assert kept == pytest.approx(again.losses, rel=1e-9, abs=1e-12 * kept[0])  # once tiny, the digits are rounding


def test_a_killed_worker_fails_its_run_with_a_message_and_is_replaced(pool):
    restarts = pool.restarts
    doomed = long_run(pool, "ana")
    behind = submit(pool, "bo", 50)
    until(lambda: doomed.fraction > 0.01)
    os.kill(pool.worker_pids()[0], signal.SIGKILL)
    until(lambda: not doomed.active)
    assert doomed.state == "failed" and "signal 9" in doomed.message
    until(lambda: not behind.active)  # a new worker took over; the run waiting behind was not lost
    assert behind.state == "finished" and len(behind.result.losses) == 50
    assert pool.restarts == restarts + 1


def test_a_run_that_ignores_stop_is_ended_after_the_grace_and_its_worker_replaced(pool):
    pool.cancel_grace = 0.2
    try:
        job = long_run(pool, "ana")
        until(lambda: job.fraction > 0.01)
        os.kill(pool.worker_pids()[0], signal.SIGSTOP)  # a worker that hangs: it cannot hear Stop
        pool.cancel(job)
        until(lambda: not job.active)
        assert job.state == "stopped" and "did not answer" in job.message
    finally:
        pool.cancel_grace = 5.0
    assert submit(pool, "bo", 10) is not None
    until(pool.ready)


def test_a_run_has_the_same_digits_in_a_worker_and_in_the_page(pool):
    """A page computes what is quick itself and sends the rest to a worker: either way the learner gets one curve
    (float32, where a sum split over two threads instead of one moves it by about 1e-4)."""
    from threadpoolctl import threadpool_limits

    from core import torch_nn
    job = pool.submit("ana", "torch_nn", "core.jobs:call", dict(fn=torch_nn.train, kwargs={}), costs.small_steps(500))
    cores = len(os.sched_getaffinity(0))
    torch.set_num_threads(cores)  # as a server process starts: every core, until its pool is up
    threadpool_limits(cores, user_api="blas")
    try:
        use_threads(pool.threads)  # what runner.pool does in the server
        here = torch_nn.train()
    finally:
        use_threads(threads_per_worker())  # as conftest set it
    until(lambda: not job.active)
    assert job.state == "finished", job.message
    assert job.result.losses == here.losses


def test_a_run_over_the_limit_is_refused_before_it_starts(pool):
    work = backprop_training(512, 4000, 1000, 100, 5000)
    assert pool.estimate("backprop_numpy", work) > pool.max_seconds
    with pytest.raises(TooCostly, match="limit"):
        pool.submit("ana", "backprop_numpy", "core.jobs:train_steps", {}, work)
    assert pool.busy()[1] == 0


def seconds_long(pool: Pool, seconds: float = 3.0) -> int:
    """Iterations of a N=64, D_in=500, H=100 run that this machine's measured speed puts at about `seconds`: long
    enough for the pool to learn from on a fast machine, short on a slow one."""
    return max(1000, int(seconds / pool.speed.seconds(backprop_training(64, 500, 100, 5, 1))))


def test_estimates_learn_from_finished_runs(pool):
    # learnt from this run alone: the 50-iteration runs of the tests before, all overhead, left a factor that put
    # this run over the limit on a slow machine (about 976 s)
    pool.factors.pop("backprop_numpy", None)
    iterations = seconds_long(pool)
    job = submit(pool, "ana", iterations, N=64, D_in=500, H=100, lr=1e-6)
    until(lambda: not job.active)
    ratio = job.seconds() / job.raw_estimate
    assert pool.factors["backprop_numpy"] != 1.0
    work = backprop_training(64, 500, 100, 5, iterations)
    assert pool.estimate("backprop_numpy", work) == pytest.approx(
        pool.speed.seconds(work) * pool.factors["backprop_numpy"])
    assert 0.05 < ratio < 20  # the calibrated speed is the right order of magnitude


def test_a_worker_runs_only_the_job_module_and_core_functions(pool):
    job = pool.submit("ana", "x", "os:system", {"command": "true"}, costs.Work(1, 1))
    until(lambda: not job.active)
    assert job.state == "failed" and "not a job module" in job.message
    job = pool.submit("ana", "x", "core.jobs:train_steps", dict(train=print, kwargs={}, steps=1), costs.Work(1, 1))
    until(lambda: not job.active)
    assert job.state == "failed" and "not a core function" in job.message


class FakeConn:
    def __init__(self):
        self.sent, self.inbox = [], []

    def send(self, message):
        self.sent.append(message)

    def poll(self):
        return bool(self.inbox)

    def recv(self):
        return self.inbox.pop(0)


def test_progress_sends_only_new_values_and_the_server_rebuilds_the_curves():
    conn = FakeConn()
    progress = Progress(conn, 7, interval=0.0)
    c = Curves({"loss": [1.0, 0.5]}, step="batch", steps_per_epoch=2, epoch_values={"test acc": []})
    progress.update(0.5, "half", {"a": c})
    c.values["loss"].append(0.25)
    c.epoch_values["test acc"].append(0.9)
    progress.update(1.0, "done", {"a": c})
    assert [m[4]["a"]["values"]["loss"] for m in conn.sent] == [[1.0, 0.5], [0.25]]
    rebuilt: dict[str, Curves] = {}
    for message in conn.sent:
        merge_tails(rebuilt, message[4])
    assert rebuilt["a"].values == c.values and rebuilt["a"].epoch_values == c.epoch_values
    assert rebuilt["a"].steps_per_epoch == 2
    assert not progress.stop_requested()
    conn.inbox += [("cancel", 6), ("cancel", 7)]  # another job's cancel is not this one's
    assert progress.update(1.0, "done") and progress.stopped


def test_fashion_training_as_a_job_matches_the_training_loop_and_returns_its_weights(tiny_dir):
    settings = dict(optimizer="SGD", lr=0.1, batch_size=256, num_epochs=1, seed=3, cosine=False)
    progress = Progress(FakeConn(), 1)
    result = jobs.train_fashion(progress, functools.partial(sr.softmax_regression, seed=3), ["scratch"],
                                device="cpu", data_dir=tiny_dir, **settings)
    data = jobs.dataset(tiny_dir, "cpu")
    assert jobs.dataset(tiny_dir, "cpu") is data  # loaded once per worker
    model = sr.softmax_regression("scratch", 3, "cpu")
    histories = {"scratch": new_history(-(-len(data.train_labels) // 256))}
    assert len(result["curves"]["scratch"].losses) == 3  # 600 images in batches of 256
    train_versions({"scratch": model}, data, **settings, histories=histories, on_batch=lambda *a: None)
    assert result["curves"]["scratch"].losses == pytest.approx(histories["scratch"].losses, rel=1e-4)
    for got, want in zip(result["weights"]["scratch"], model.parameters()):
        assert torch.allclose(torch.from_numpy(got), want, atol=1e-5)


CALIBRATE = ("import os, sys, torch; from core import costs; torch.set_num_threads(1); "
             "costs.calibrate(0.03); "  # its first optimizer step imports much of torch: do that at full speed
             "print('ready', flush=True); sys.stdin.readline(); "  # the busy loops start only now
             "os.nice(int(sys.argv[1])); print(costs.calibrate().flops32, flush=True); os._exit(0)")  # no slow teardown


def test_a_worker_measures_its_speed_right_on_a_busy_server():
    """Workers measure themselves at a low priority, often while the server is busy drawing pages: what they
    measure is the machine's speed, not their share of it (an average over the wall clock read 17x too slow)."""
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}

    # both import torch side by side (seconds each); each then waits for its "go" to measure (0.3 s)
    workers = [subprocess.Popen([sys.executable, "-c", CALIBRATE, str(nice)], cwd=root, env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
               for nice in (0, inspect.signature(Pool).parameters["nice"].default)]
    busy = []
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready"  # torch imported and warmed up
        quiet = float(workers[0].communicate("go\n", timeout=120)[0].split()[-1])  # the other one only waits
        # every core busy while the niced one measures, not while it imported
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in os.sched_getaffinity(0)]
        loaded = float(workers[1].communicate("go\n", timeout=120)[0].split()[-1])
    finally:
        for process in [*busy, *workers]:
            process.kill()
            process.wait()
    assert loaded > 0.5 * quiet, (loaded, quiet)


def test_a_result_holding_tensors_arrives_whole(pool):
    """jobs.call returns what a core function returns: here Curves whose outputs hold torch tensors (multiprocessing's
    own pickler would send those as shared file descriptors, which a worker the pool started cannot share)."""
    from core.torch_optim import six_points as sp
    job = pool.submit("ana", "torch_optim_six", "core.jobs:call",
                      dict(fn=sp.both_runs, kwargs=dict(seed=0, lr=0.01, num_epochs=20)), costs.small_steps(40))
    until(lambda: not job.active)
    assert job.state == "finished", job.message
    manual, auto = job.result
    here = sp.both_runs(0, 0.01, 20)
    assert manual.losses == pytest.approx(here[0].losses, rel=1e-6)
    assert any(isinstance(v, torch.Tensor) for v in auto.outputs.values())


def test_a_message_the_server_cannot_read_fails_that_run_and_the_pool_goes_on(pool):
    job = submit(pool, "ana", 20_000)
    until(lambda: job.state == "running")
    worker = next(w for w in pool._workers if w.job is job)

    def unreadable():
        raise pickle.UnpicklingError("a torn message")

    worker.conn.recv = unreadable
    until(lambda: not job.active)
    assert job.state == "failed" and "could not be read" in job.message and "torn message" in job.message
    after = submit(pool, "bo", 50)
    until(lambda: not after.active)
    assert after.state == "finished"


def test_a_short_run_teaches_the_estimates_nothing_and_a_long_one_is_learnt_within_bounds(pool):
    pool.factors.pop("backprop_numpy", None)
    short = submit(pool, "ana", 20)  # starting up and messages: its ratio to the estimate says nothing
    until(lambda: not short.active)
    assert short.state == "finished" and short.seconds() < LEARN_FROM_SECONDS
    assert "backprop_numpy" not in pool.factors
    pool.factors["backprop_numpy"] = 100.0  # as a burst of short runs once left it
    iterations = seconds_long(pool)
    long = submit(pool, "ana", iterations, N=64, D_in=500, H=100, lr=1e-6)
    until(lambda: not long.active)
    assert long.state == "finished" and long.seconds() >= LEARN_FROM_SECONDS
    ratio = long.seconds() / long.raw_estimate
    assert 1 / FACTOR_BOUND < ratio < FACTOR_BOUND  # the measured speed is right within the bounds
    assert pool.factors["backprop_numpy"] == pytest.approx(0.7 * 100 + 0.3 * ratio)  # the run counts as it ran
    pool.factors.pop("backprop_numpy", None)
    kwargs = {**SMALL, "N": 64, "D_in": 500, "H": 100, "lr": 1e-6, "num_iters": iterations}
    understated = costs.Work(0.0, 1, "float64")  # a cost model a thousand times off: one step's fixed cost
    again = pool.submit("ana", "backprop_numpy", "core.jobs:train_steps",
                        dict(train=bp.train, kwargs=kwargs, steps=iterations), understated)
    until(lambda: not again.active)
    assert again.seconds() / again.raw_estimate > 1000 * FACTOR_BOUND
    assert pool.factors["backprop_numpy"] == FACTOR_BOUND  # one run can move the estimates 4x, not 10,000x
    pool.factors.pop("backprop_numpy", None)


def test_the_pool_keeps_each_rate_at_its_best_measurement():
    quiet = costs.Speed(flops32=8e10, flops64=4e10, step32=2e-4, step64=2e-5)
    busy = costs.Speed(flops32=2e10, flops64=5e10, step32=9e-4, step64=1e-5)  # measured while the machine was busy
    best = quiet.fastest(busy)
    assert (best.flops32, best.flops64, best.step32, best.step64) == (8e10, 5e10, 2e-4, 1e-5)
    assert busy.fastest(quiet) == best


def test_a_worker_runs_the_shared_jobs_and_a_lessons_own_jobs_only():
    from core import jobs as shared_jobs
    from core.mlp import jobs as lesson_jobs
    from core.worker import resolve

    assert resolve("core.jobs:train_steps") is shared_jobs.train_steps
    assert resolve("core.mlp.jobs:measure_drift") is lesson_jobs.measure_drift
    for name in ("core.mlp:mlp", "os:system", "core.jobsx:call", "core.mlp.jobs.x:f", "core.a.b.jobs:f"):
        with pytest.raises(ValueError, match="not a job module"):
            resolve(name)
