"""A bounded pool of worker processes for training runs, shared by every learner of one server.

Each worker (core.worker) is its own process with its own torch threads, below the web server's priority, so a
class training at once neither starves the pages nor oversubscribes the cores. Runs beyond the slots wait in a fair
line: each learner (owner) has at most one run active; a learner's next run goes to the back of the line when the
previous one ends. Stop works from the line or mid-run (the job keeps what it learned); a run that does not stop
within `cancel_grace` seconds, or a worker that dies, is handled here and the worker replaced.
"""

import heapq
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from core import i18n
from core.costs import Speed, Work
from core.curves import Curves
from core.i18n import N_
from core.worker import Connection, merge_tails

ROOT = Path(__file__).resolve().parents[1]
STATES = ("queued", "running", "finished", "stopped", "failed")
LEARN_FROM_SECONDS = 1.0  # a run shorter than this teaches the estimates nothing
FACTOR_BOUND = 4.0  # what a kind's estimates learn stays within 1/4 and 4 times the cost model's
PACK_SECONDS = 60.0  # after a Stop was heard: time to score the test set and send the weights


def threads_per_worker(slots: int | None = None, threads: int | None = None) -> int:
    """The threads each worker computes with: `threads`, or this machine's cores shared among the slots (one slot
    per core by default)."""
    cores = len(os.sched_getaffinity(0))
    return threads or max(1, cores // (slots or cores))


class TooCostly(ValueError):
    """A run whose estimate exceeds the server's limit per run."""


def said(language: str, message: str, **args: Any) -> str:
    """`message` (marked with N_) in `language`, its placeholders filled in.

    The pool's own thread serves learners of every language and has none of its own, so what it says about a job
    is written in the job's language, as the job's worker writes its progress text.
    """
    return (i18n.catalog(language).gettext(message) if language != "en" else message).format(**args)


@dataclass(eq=False)
class Job:
    owner: str  # the learner (one browser session)
    kind: str  # what it runs, a lesson's slug or a piece of it: estimates are corrected per kind
    fn: str  # "core.jobs:function", called in a worker as function(progress, **kwargs)
    kwargs: dict[str, Any]
    estimate: float  # seconds, when it was submitted
    label: str = ""
    state: str = "queued"  # one of STATES
    fraction: float = 0.0
    text: str = ""
    curves: dict[str, Curves] = field(default_factory=dict)  # as the worker reported them
    result: Any = None
    message: str = ""  # why it failed or stopped
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    ended: float | None = None
    stop_asked: float | None = None  # when Stop reached it mid-run
    stop_heard: bool = False  # the worker has seen the Stop and is packing up what was learned
    raw_estimate: float = 0.0  # the estimate before the per-kind correction
    language: str = "en"  # of the progress text the worker writes, and of the pool's message
    on_end: Callable[["Job"], None] | None = None  # called once when it ends, on a thread of its own: what keeps
    # its result even when no page asks for it any more (its learner closed the tab)

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def seconds(self) -> float:
        """Seconds it has run (or ran)."""
        if self.started is None:
            return 0.0
        return (self.ended or time.monotonic()) - self.started


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection
    job: Job | None = None
    ready: bool = False


class Pool:
    def __init__(self, slots: int | None = None, threads: int | None = None, nice: int = 19,
                 max_seconds: float = 600.0, cancel_grace: float = 5.0, python: str = sys.executable):
        self.slots = slots or len(os.sched_getaffinity(0))
        self.threads = threads_per_worker(self.slots, threads)
        self.nice, self.max_seconds, self.cancel_grace, self.python = nice, max_seconds, cancel_grace, python
        self.speed = Speed()  # a guess until the first worker has measured this machine (then: the best measured)
        self.measured = threading.Event()  # set when it has been (or a worker could not start: then never)
        self._speed_measured = False
        self.factors: dict[str, float] = {}  # per kind: actual over estimated seconds of the runs that finished
        self.restarts = 0
        self.broken: int | None = None  # the exit code of a worker that died while starting: then none can
        self._lock = threading.RLock()
        self._line: deque[str] = deque()  # owners whose next job waits, in turn order
        self._waiting: dict[str, deque[Job]] = {}
        self._closed = False
        self._workers = [self._spawn() for _ in range(self.slots)]
        self._thread = threading.Thread(target=self._serve, name="training-pool", daemon=True)
        self._thread.start()

    # ---- what pages call --------------------------------------------------------------------------------

    def estimate(self, kind: str, work: Work) -> float:
        """Seconds a run of `work` takes on one worker of this server, corrected by the runs of its kind so far."""
        return self.speed.seconds(work) * self.factors.get(kind, 1.0)

    def submit(self, owner: str, kind: str, fn: str, kwargs: dict[str, Any], work: Work, label: str = "",
               language: str = "en", on_end: Callable[[Job], None] | None = None) -> Job:
        """Queue a run; raises TooCostly if its estimate exceeds the limit per run. `on_end(job)` is called once
        when it ends (finished, stopped, failed), on a thread of its own."""
        estimate = self.estimate(kind, work)
        if estimate > self.max_seconds:
            raise TooCostly(said(language, N_("about {seconds:.0f} s, over this server's limit of {limit:.0f} s per "
                                              "run"), seconds=estimate, limit=self.max_seconds))
        job = Job(owner, kind, fn, kwargs, estimate, label, raw_estimate=self.speed.seconds(work), language=language,
                  on_end=on_end)
        with self._lock:
            if self.broken is not None:
                self._end(job, "failed", self._cannot_start(job))
                return job
            if owner not in self._waiting and not self._running(owner):
                self._line.append(owner)
            self._waiting.setdefault(owner, deque()).append(job)
            self._dispatch()
        return job

    def cancel(self, job: Job) -> None:
        """Stop a run: from the line at once; mid-run, the worker stops after its current step and keeps what it
        learned; a worker that has not heard the Stop within `cancel_grace` seconds is replaced."""
        with self._lock:
            if job.state == "queued":
                waiting = self._waiting.get(job.owner, deque())
                if job in waiting:
                    waiting.remove(job)
                if not waiting:
                    self._waiting.pop(job.owner, None)
                    if job.owner in self._line:
                        self._line.remove(job.owner)
                self._end(job, "stopped", said(job.language, N_("stopped before it started")))
            elif job.state == "running" and job.stop_asked is None:
                job.stop_asked = time.monotonic()
                worker = next((w for w in self._workers if w.job is job), None)
                if worker is not None:
                    self._send(worker, ("cancel", id(job)))

    def place(self, job: Job) -> tuple[int, float] | None:
        """A queued job's place in line (1: next) and the estimated seconds until it starts; None if not queued."""
        with self._lock:
            if job.state != "queued":
                return None
            # play the line forward with each run taking its estimate: a slot frees when its run ends, and a
            # learner whose run ends rejoins the back of the line if another of theirs waits
            ends = [max(0.0, w.job.estimate - w.job.seconds()) if w.job else 0.0 for w in self._workers]
            line = deque(self._line)
            waiting = {owner: list(jobs) for owner, jobs in self._waiting.items()}
            rejoin = sorted((end, w.job.owner) for w, end in zip(self._workers, ends)
                            if w.job and w.job.owner in waiting and w.job.owner not in line)
            free = list(ends)
            heapq.heapify(free)
            started = 0
            while free:
                at = heapq.heappop(free)
                while rejoin and (rejoin[0][0] <= at or not line):
                    at = max(at, rejoin[0][0])
                    line.append(rejoin.pop(0)[1])
                if not line:
                    return None  # cannot happen while the job waits; kept safe
                owner = line.popleft()
                nxt = waiting[owner].pop(0)
                started += 1
                if nxt is job:
                    return started, at
                heapq.heappush(free, at + nxt.estimate)
                if waiting[owner]:
                    rejoin.append((at + nxt.estimate, owner))
                    rejoin.sort()
            return None

    def snapshot(self, job: Job) -> dict[str, Curves]:
        """A copy of a job's curves, safe to draw while the worker keeps reporting."""
        with self._lock:
            return {name: Curves({k: list(v) for k, v in c.values.items()}, c.diverged_at, c.step,
                                 c.steps_per_epoch, {k: list(v) for k, v in c.epoch_values.items()})
                    for name, c in job.curves.items()}

    def busy(self) -> tuple[int, int]:
        """(runs training, runs waiting) on this server."""
        with self._lock:
            return sum(w.job is not None for w in self._workers), sum(len(q) for q in self._waiting.values())

    def ready(self) -> bool:
        """Whether every worker has started and is waiting for a run."""
        with self._lock:
            return all(w.ready for w in self._workers)

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._workers]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for w in self._workers:
                self._send(w, ("quit",))
        for w in self._workers:
            try:
                w.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                w.process.kill()
            w.conn.close()

    # ---- the pool's own thread ----------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        env = {**os.environ, "OMP_NUM_THREADS": str(self.threads), "MKL_NUM_THREADS": str(self.threads)}
        process = subprocess.Popen(
            [self.python, "-m", "core.worker", str(theirs.fileno()), str(self.threads), str(self.nice)],
            pass_fds=[theirs.fileno()], cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        theirs.close()
        return _Worker(process, Connection(ours.detach()))

    def _serve(self) -> None:
        while not self._closed:
            conns = {w.conn: w for w in self._workers}
            for conn in wait(list(conns), timeout=0.05):
                worker = conns[conn]
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    with self._lock:
                        self._lost(worker)
                    continue
                except Exception as err:  # a message that cannot be read: that run is lost, not the pool
                    with self._lock:
                        worker.process.kill()
                        self._lost(worker, "failed", said(
                            worker.job.language if worker.job else "en",
                            N_("its worker sent a message that could not be read ({error})"), error=repr(err)))
                    continue
                with self._lock:
                    self._handle(worker, message)
            with self._lock:
                self._watch()
                self._dispatch()

    def _handle(self, worker: _Worker, message: tuple) -> None:
        kind, *rest = message
        if kind == "ready":
            self.speed = self.speed.fastest(rest[1]) if self._speed_measured else rest[1]
            worker.ready, self._speed_measured = True, True
            self.measured.set()
            return
        job = worker.job
        if job is None or rest[0] != id(job):
            return  # about a job that was already given up on
        if kind == "stopping":
            job.stop_heard = True
        elif kind == "progress":
            job.fraction, job.text = rest[1], rest[2]
            merge_tails(job.curves, rest[3])
        elif kind == "done":
            job.result = rest[1]
            if rest[2]:
                self._end(job, "stopped", job.message or said(
                    job.language, N_("stopped by the learner; what it learned is kept")))
            else:
                self._end(job, "finished")
                if job.raw_estimate > 0 and job.seconds() >= LEARN_FROM_SECONDS:
                    # learn how far off this kind's estimates are on this server, from runs long enough for their
                    # arithmetic to count (a shorter one is mostly starting up and messages, and taught factors of
                    # hundreds); within bounds, so that one run on a machine busy for a moment cannot undo the model
                    ratio = min(max(job.seconds() / job.raw_estimate, 1 / FACTOR_BOUND), FACTOR_BOUND)
                    old = self.factors.get(job.kind)
                    self.factors[job.kind] = ratio if old is None else 0.7 * old + 0.3 * ratio
            self._free(worker)
        elif kind == "failed":
            self._end(job, "failed", rest[1])
            self._free(worker)

    def _watch(self) -> None:
        """Replace a worker whose run ignores Stop; ask a run past the server's limit to stop."""
        now = time.monotonic()
        for worker in self._workers:
            job = worker.job
            if job is None:
                continue
            waited = None if job.stop_asked is None else now - job.stop_asked
            if waited is not None and (waited > self.cancel_grace and not job.stop_heard or waited > PACK_SECONDS):
                worker.process.kill()
                self._lost(worker, "stopped", said(
                    job.language, N_("stopped by the learner; the worker did not answer within {grace:g} s, so only "
                                     "the curves it had sent are kept"), grace=self.cancel_grace))
            elif job.stop_asked is None and job.seconds() > 1.5 * self.max_seconds + 10:
                job.message = said(job.language, N_("stopped at this server's limit of {limit:.0f} s per run"),
                                   limit=self.max_seconds)
                job.stop_asked = now
                self._send(worker, ("cancel", id(job)))

    def _lost(self, worker: _Worker, state: str = "failed", message: str = "") -> None:
        """A worker died (killed, out of memory) or was killed: end its run, start a new worker in its place."""
        code = worker.process.wait()
        if worker.job is not None:
            self._end(worker.job, state, message or self._died(code, worker.job.language))
            self._free(worker)
        worker.conn.close()
        if not worker.ready:  # it died while starting: starting another the same way would loop forever
            self.broken = code
            self.measured.set()
            for owner in list(self._waiting):
                for job in self._waiting.pop(owner):
                    self._end(job, "failed", self._cannot_start(job))
            self._line.clear()
        if not self._closed and self.broken is None:
            self._workers[self._workers.index(worker)] = self._spawn()
            self.restarts += 1

    @staticmethod
    def _died(code: int, language: str) -> str:
        """Why a worker process ended, from its exit code (negative: the signal that killed it)."""
        how = (said(language, N_("killed by signal {signal}, often because the server ran out of memory"),
                    signal=-code) if code < 0 else said(language, N_("exit code {code}"), code=code))
        return said(language, N_("the worker process running it stopped ({how}); other runs are unaffected"), how=how)

    def _cannot_start(self, job: Job) -> str:
        return said(job.language, N_("a worker process could not start ({reason})"),
                    reason=self._died(self.broken, job.language))

    def _free(self, worker: _Worker) -> None:
        owner, worker.job = worker.job.owner, None
        if owner in self._waiting and owner not in self._line:
            self._line.append(owner)  # the learner's next run waits its turn behind the others

    def _dispatch(self) -> None:
        for worker in self._workers:
            if not self._line:
                return
            if worker.job is None and worker.ready and worker.process.poll() is None:
                owner = self._line.popleft()
                job = self._waiting[owner].popleft()
                if not self._waiting[owner]:
                    del self._waiting[owner]
                job.state, job.started, worker.job = "running", time.monotonic(), job
                self._send(worker, ("run", id(job), job.fn, job.kwargs, job.language))

    def _running(self, owner: str) -> bool:
        return any(w.job is not None and w.job.owner == owner for w in self._workers)

    def _end(self, job: Job, state: str, message: str = "") -> None:
        job.state, job.message, job.ended = state, message, time.monotonic()
        if job.on_end is not None:  # not on the pool's thread: it may write to a database
            threading.Thread(target=_tell, args=(job,), name="run-ended", daemon=True).start()

    def _send(self, worker: _Worker, message: tuple) -> None:
        try:
            worker.conn.send(message)
        except OSError:
            pass  # the worker has died; _serve sees it and replaces it


def _tell(job: Job) -> None:
    try:
        job.on_end(job)
    except Exception:  # what keeps a run must not end the thread quietly: it is logged, and the page still keeps it
        logging.getLogger(__name__).exception("keeping the run %s that ended failed", job.label)
