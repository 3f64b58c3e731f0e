"""One worker process of the pool (core.pool): it runs one job at a time and reports progress as it goes.

Started as `python -m core.worker FD THREADS NICE`, it talks to the server over the socket FD: it receives
("run", job_id, "module:function", kwargs) and ("cancel", job_id), and sends ("ready", pid, speed), ("progress",
job_id, fraction, text, curve tails), ("stopping", job_id) as soon as it sees a cancel, then ("done", job_id,
result, stopped) or ("failed", job_id, message).
A job function is called as fn(progress, **kwargs); it reports through `progress.update`, which also says when
the learner pressed Stop, and returns what it produced (plain data: lists, dicts, NumPy arrays).
"""

import importlib
import os
import pickle
import re
import sys
import time
from multiprocessing import connection
from typing import Any

from core.curves import Curves
from core.i18n import _

JOB_MODULES = re.compile(r"core(\.[a-z_]+)?\.jobs")  # the only modules whose functions a worker runs: the shared
# jobs and a lesson's own (core/<slug>/jobs.py)


class Connection(connection.Connection):
    """The pool's end or a worker's end of their socket. It pickles with Python's own pickler: multiprocessing's
    pickler lets torch send a tensor as a shared file descriptor, which only works between processes that
    multiprocessing started itself, and a result holding tensors (a page's Curves with its final weights)
    failed to arrive."""

    def send(self, obj: Any) -> None:
        self.send_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))

    def recv(self) -> Any:
        return pickle.loads(self.recv_bytes())


class Progress:
    """What a job function reports through: a fraction done, a line of text and its curves so far."""

    def __init__(self, conn: Connection, job_id: int, interval: float = 0.25):
        self.conn, self.job_id, self.interval = conn, job_id, interval
        self.stopped = False  # Stop was pressed (or the server's time limit reached)
        self._last = 0.0
        self._sent: dict[tuple[str, str, str], int] = {}  # (curve, group, name) -> values already sent
        self._pending: tuple[float, str, dict[str, Curves] | None] | None = None

    def update(self, fraction: float, text: str, curves: dict[str, Curves] | None = None,
               force: bool = False) -> bool:
        """Report progress (sent at most every `interval` seconds unless forced); return True once the job
        should stop, keeping what it has learned."""
        self._pending = (fraction, text, curves)
        if force or time.perf_counter() - self._last >= self.interval:
            self.flush()
        return self.stop_requested()

    def stop_requested(self) -> bool:
        while not self.stopped and self.conn.poll():
            message = self.conn.recv()
            if message[0] == "cancel" and message[1] == self.job_id:
                self.stopped = True  # said at once: packing up what was learned may take a moment more
                self.conn.send(("stopping", self.job_id))
        return self.stopped

    def flush(self) -> None:
        """Send the latest progress, with only the curve values the server does not have yet."""
        if self._pending is None:
            return
        fraction, text, curves = self._pending
        self._pending, self._last = None, time.perf_counter()
        self.conn.send(("progress", self.job_id, fraction, text, self._tails(curves or {})))

    def _tails(self, curves: dict[str, Curves]) -> dict[str, dict[str, Any]]:
        tails = {}
        for name, c in curves.items():
            tail: dict[str, Any] = {"diverged_at": c.diverged_at, "step": c.step,
                                    "steps_per_epoch": c.steps_per_epoch, "values": {}, "epoch_values": {}}
            for group in ("values", "epoch_values"):
                for key, values in getattr(c, group).items():
                    sent = self._sent.get((name, group, key), 0)
                    tail[group][key] = values[sent:]
                    self._sent[(name, group, key)] = len(values)
            tails[name] = tail
        return tails


def merge_tails(into: dict[str, Curves], tails: dict[str, dict[str, Any]]) -> None:
    """Extend the curves `into` (the server's copy) with the tails a worker sent."""
    for name, tail in tails.items():
        c = into.setdefault(name, Curves({"loss": []}, step=tail["step"], steps_per_epoch=tail["steps_per_epoch"]))
        c.diverged_at = tail["diverged_at"]
        for group in ("values", "epoch_values"):
            for key, values in tail[group].items():
                getattr(c, group).setdefault(key, []).extend(values)


def resolve(name: str):
    """The job function 'module:function', from the job modules only."""
    module, _colon, function = name.partition(":")
    if not JOB_MODULES.fullmatch(module):
        raise ValueError(_("not a job module: {module}").format(module=module))
    return getattr(importlib.import_module(module), function)


def describe(err: BaseException) -> str:
    """A learner-readable reason for a failed job, in the job's language (set by `main`)."""
    if type(err).__name__ == "OutOfMemoryError" or isinstance(err, MemoryError):
        return _("the device ran out of memory: try a smaller batch size or fewer hidden units")
    return f"{type(err).__name__}: {err}"


def use_threads(threads: int) -> None:
    """Compute with `threads` threads in this process, in torch and in NumPy's BLAS alike. A sum split over another
    number of threads is added in another order, so the same run would end in other digits (a float32 loss curve
    by about 1e-4) depending on whether it ran in a worker or in the page; the server calls this too."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(threads, user_api="blas")  # threadpoolctl: NumPy's OpenBLAS reads its count only at load


def main(fd: int, threads: int, nice: int) -> None:
    conn = Connection(fd)
    if nice:
        os.nice(nice)  # below the web server's priority: pages stay quick while every slot trains
    from core import costs, i18n  # torch with them, once the worker's priority is set
    use_threads(threads)
    conn.send(("ready", os.getpid(), costs.calibrate()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server has gone
        if message[0] == "quit":
            return
        if message[0] != "run":
            continue  # a cancel for a job that has already ended
        job_id, fn, kwargs, language = message[1:]
        i18n.use(language)
        progress = Progress(conn, job_id)
        try:
            result = resolve(fn)(progress, **kwargs)
            progress.flush()
            conn.send(("done", job_id, result, progress.stopped))
        except Exception as err:  # the job failed; the worker lives on for the next one
            progress.flush()
            conn.send(("failed", job_id, describe(err)))


if __name__ == "__main__":
    try:
        main(*map(int, sys.argv[1:4]))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server went away mid-message: nothing is left to report to
