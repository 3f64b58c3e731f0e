"""The one way a page runs work heavier than drawing: here when it is quick, else in the server's pool.

A page describes its work as a `Task` (a key, a core function and its arguments, its cost as `Work`, whether it is
a training run) and `run` answers with one state: `Done` (the results and their seconds), `Pending` (a training run
that waits or trains in the pool; its progress and Stop are drawn) or `Refused` (over the limit per run, or failed;
the reason is drawn). The runner owns the choice between here and the pool (the estimate against INLINE_SECONDS),
keeping results (`_computed` for what ran here, `_called` for what the pool computed while a page waited), the
place in line, progress, Stop and the sidebar's line. A training run started by a button (Train, Measure the
drift) is `run(task, start=pressed)`; what keeps it when it ends is the task's `keep` function.

A pooled run is submitted under a key (one per lesson and kind of run); the learner's session keeps a Ticket for it.
While it waits or trains, fragments poll it once a second: on its lesson page with a live chart, in the sidebar of
every other page in one line. When it ends, its `on_end` handler keeps it (in the lesson's history) wherever the
learner is; its own page is drawn again with the result, another page only says so (a redraw costs the server's
one Python thread about half a second, and a class's runs end together).
"""

import contextlib
import copy
import functools
import importlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

import controls
import session
import ui
from core import charts, i18n, results_cache, runs, store
from core.costs import Work
from core.i18n import N_, _
from core.pool import Job, Pool, TooCostly, said
from core.worker import use_threads

POLL_SECONDS = 2.0  # a class polls once per learner and interval: keep the server's one Python thread for pages
CHART_SECONDS = 5.0
INLINE_SECONDS = 2.0  # a run estimated to take longer goes to the pool; a shorter one runs in the page
ENDED = {  # what the sidebar says of a run that ended while its learner was on another page
    "finished": N_("**{title}**: finished. Its lesson shows the result."),
    "stopped": N_("**{title}**: stopped ({message}). Its lesson shows the result."),  # the pool always says why
    "failed": N_("**{title}**: failed ({message}). Its lesson shows the result."),
}


@st.cache_resource(show_spinner=False)
def pool() -> Pool:
    """This server's pool: $NN_GROUND_UP_SLOTS workers (default one per core) of $NN_GROUND_UP_THREADS torch
    threads each (default cores / slots), and a limit of $NN_GROUND_UP_MAX_RUN_MINUTES (default 10) per run."""
    slots = int(os.environ.get("NN_GROUND_UP_SLOTS") or 0) or None
    threads = int(os.environ.get("NN_GROUND_UP_THREADS") or 0) or None
    minutes = float(os.environ.get("NN_GROUND_UP_MAX_RUN_MINUTES") or 10)
    started = Pool(slots=slots, threads=threads, max_seconds=60 * minutes)
    use_threads(started.threads)  # what a page computes itself has the digits a worker would have given it
    return started


def estimate(kind: str, work: Work) -> float:
    """What `work` would take on one worker of this server. In the server's first seconds this waits (once) for
    a worker to have measured the machine: until then every estimate is a guess (3x too slow on the machine this
    was written on), and a quick computation could be sent to the pool, or a long one kept in the page."""
    p = pool()
    p.measured.wait(timeout=30)
    return p.estimate(kind, work)


@dataclass(eq=False)
class Ticket:
    key: str  # what the session submitted it under
    job: Job
    slug: str  # the lesson it belongs to
    title: str  # what the sidebar calls it
    on_end: Callable[["Ticket"], None]  # what keeps its result when it ends, wherever the learner is then
    context: dict = field(default_factory=dict)  # what the handler needs besides the job
    kept: bool = False
    origin: str = field(default_factory=lambda: uuid.uuid4().hex)  # this run, to the store: kept once


def owner() -> str:
    """This browser session's name in the pool's line."""
    return session.learner().owner


def tickets() -> dict[str, Ticket]:
    """This session's runs in the pool that are not replaced: those going on, and those ended since."""
    return session.learner().tickets


def land() -> None:
    """Keep every run of this session that has ended and is not kept yet: its `on_end` handler, once each. Done
    where the page's script begins (see `sidebar`) and by the sidebar's fragment on other pages; reading a run's
    state never does it."""
    for found in sorted(tickets().values(), key=lambda t: t.job.submitted):  # in the order they were started
        if not found.job.active and not found.kept:
            found.kept = True
            found.on_end(found)


def cost(kind: str, work: Work, lower: Callable[[float], str]) -> bool:
    """Show what a run would cost on this server; if it is over the limit per run, say what to lower (`lower`
    gets the fraction of the run that fits) and return False."""
    reason = _refusal(kind, work, lower)
    if reason is not None:
        st.error(reason, icon=":material/hourglass_disabled:")
        return False
    p, seconds = pool(), estimate(kind, work)
    training, waiting = p.busy()
    if not training:
        caption = _("About {duration} of training on this server.")
    elif not waiting:
        caption = _("About {duration} of training on this server; {training} of {slots} training slots busy.")
    else:
        caption = _("About {duration} of training on this server; {training} of {slots} training slots busy, "
                    "{waiting} waiting.")
    st.caption(caption.format(duration=i18n.duration(seconds), training=training, slots=p.slots, waiting=waiting))
    return True


def submit(key: str, slug: str, title: str, on_end: Callable[[Ticket], None], kind: str, fn: str, kwargs: dict,
           work: Work, context: dict | None = None,
           record: Callable[[Job], runs.Run | None] | None = None) -> Ticket | None:
    """Queue a run under `key`, stopping the session's previous run under it; None (with a message) if refused.
    With `record`, the run's record goes to the learner's store when it ends, even if no page of theirs is open
    then (the page keeps it too when it lands it: the store keeps it once)."""
    _replace(key)
    origin, learner = uuid.uuid4().hex, session.learner()
    keeper = None if record is None or learner.id is None else _StoreKeeper(learner.id, origin, record)
    try:
        job = pool().submit(owner(), kind, fn, kwargs, work, title, language=i18n.current(),
                            on_end=keeper and keeper.ended)
    except TooCostly as err:
        st.error(_("This run was refused: {reason}.").format(reason=err))
        return None
    if keeper is not None:
        threading.Thread(target=keeper.follow, args=(job,), name="run-kept-while-training", daemon=True).start()
    tickets()[key] = Ticket(key, job, slug, title, on_end, context or {}, origin=origin)
    return tickets()[key]


KEEP_EVERY = 10.0  # seconds between two records of a run while it trains
LOST = N_("the server that trained it stopped before the run ended; what it had learned by then is kept")


@dataclass
class _StoreKeeper:
    """Keeps a training run's record in the learner's store, not through the session (the learner may have closed
    the tab or gone to another replica). While it trains, every KEEP_EVERY seconds, the record so far as Failed: if
    this server dies, another replica shows the run with what it had learned. When it ends (on a thread the pool
    starts), the final record replaces it. If the store does not answer, the page (if open) keeps it later."""
    learner: str
    origin: str
    record: Callable[[Job], runs.Run | None]
    lock: threading.Lock = field(default_factory=threading.Lock)
    over: bool = False  # the final record is written (or being written): no record so far may follow it

    def follow(self, job: Job) -> None:
        kept = 0.0
        while job.active:
            time.sleep(1.0)
            learned = any(c.losses for c in job.curves.values())
            if job.state != "running" or not learned or time.monotonic() - kept < KEEP_EVERY:
                continue
            found = self.record(job)
            if found is None:
                continue
            found.status, found.message = "failed", said(job.language, LOST)
            with self.lock:
                if not self.over:
                    self._save(found)
            kept = time.monotonic()

    def ended(self, job: Job) -> None:
        with self.lock:
            self.over = True
            found = self.record(job)
            if found is not None:
                self._save(found)

    def _save(self, found: runs.Run) -> None:
        try:
            store.shared().save_run(self.learner, found, self.origin, replace=True)
        except store.Unavailable as err:
            logging.getLogger(__name__).warning("a run's record could not be kept: %s", err)


def _replace(key: str) -> None:
    """Stop the session's run under `key`, if it goes on: it is kept (under key~id) once it has stopped."""
    old = tickets().pop(key, None)
    if old is not None and old.job.active:  # it stops after its current batch and is kept when it has
        pool().cancel(old.job)
        tickets()[f"{key}~{id(old)}"] = old


def stop(key: str) -> None:
    """Stop the session's run under `key`: at once if it waits; mid-run, it keeps what it has learned."""
    found = tickets().get(key)
    if found is not None:
        pool().cancel(found.job)


def status_line(job: Job) -> str:
    """'2nd in line, starts in about 30 s' or 'scratch: epoch 2 of 12 · 14 s of about 40 s'."""
    if job.state == "queued":
        place = pool().place(job)
        if place is None:
            return _("Waiting for a training slot…")
        number, wait = place
        nth = {1: _("next"), 2: _("2nd in line"), 3: _("3rd in line")}.get(
            number, _("{number}th in line").format(number=number))
        return _("Waiting: {place}, starts in about {wait}.").format(place=nth, wait=i18n.duration(wait))
    if job.stop_asked is not None:
        return _("Stopping after the current step…")
    return _("{text} · {elapsed} of about {estimate}").format(text=job.text or _("Starting…"),
                                                              elapsed=i18n.duration(job.seconds()),
                                                              estimate=i18n.duration(job.estimate))


@st.fragment(run_every=POLL_SECONDS)
def _follow(key: str, chart_key: str) -> None:
    controls.use_language()
    found = tickets().get(key)
    if found is None or not found.job.active:
        st.rerun(scope="app")  # it has ended: draw the page again, with its result
    job = found.job
    st.progress(job.fraction if job.state == "running" else 0.0, text=status_line(job))
    if chart_key and job.curves:
        ui.chart(_live_figure(found), key=chart_key)


def _live_figure(found: Ticket):
    """The run's curves so far, rebuilt at most every CHART_SECONDS: building a figure takes about 60 ms of the
    server's one Python thread, and a class polls once a second per learner."""
    built, figure = found.context.get("live_figure", (0.0, None))
    if figure is None or time.monotonic() - built > CHART_SECONDS:
        figure = charts.history_figure(pool().snapshot(found.job))
        found.context["live_figure"] = (time.monotonic(), figure)
    return figure


def follow(key: str, chart_key: str = "") -> bool:
    """While the session's run under `key` waits or trains, draw its progress (and live curves) here, updated
    every second; return whether it is still going. One that has ended unkept is kept first (`land`)."""
    found = tickets().get(key)
    if found is not None and not found.job.active and not found.kept:
        land()  # it ended since this script run began (or at once, refused by a worker): kept for this drawing
    if found is None or not found.job.active:
        return False
    _follow(key, chart_key)
    return True


@st.fragment(run_every=POLL_SECONDS)
def _sidebar(here: str) -> None:
    controls.use_language()
    land()  # a run that has ended is kept in its lesson's runs without redrawing this page: the learner reads on
    for t in tickets().values():
        if t.slug == here:
            continue
        if t.job.active:
            st.caption(_("**{title}**: {status}").format(title=t.title, status=status_line(t.job)))
        else:
            st.caption(_(ENDED[t.job.state]).format(title=t.title, message=t.job.message))


def sidebar(here: str) -> None:
    """In the sidebar of every page: the learner's runs that wait or train on other pages (the lesson's own page
    follows its run itself), and keeping those that ended."""
    land()
    for key in [k for k, t in tickets().items() if "~" in k and t.kept]:
        del tickets()[key]  # a replaced run, now in its lesson's history
    if any(t.job.active and t.slug != here for t in tickets().values()):
        st.subheader(_("Your runs in progress"))
        _sidebar(here)


def keep_result(found: Ticket) -> None:
    """Keep an ended run's arguments, result, seconds and message in the session, under its key."""
    job = found.job
    if tickets().get(found.key) is not found:
        return  # replaced by a newer run under its key: what it would say is no longer wanted
    if job.started is not None:  # a run stopped while it waited has nothing to show
        arguments = job.kwargs if job.fn != "core.jobs:train_steps" else job.kwargs["kwargs"]
        session.learner().results[found.key] = (arguments, job.result, job.seconds(), job.message)


@st.cache_resource(show_spinner=False)
def _called() -> tuple[threading.Lock, OrderedDict]:
    """What the pool computed for pages that waited for it, shared by every session of this server (each a pure
    function of its arguments), the 64 latest."""
    return threading.Lock(), OrderedDict()


def forget_computed() -> None:
    """Forget what the pool computed for pages that waited for it, as a server that has just started (tests)."""
    lock, done = _called()
    with lock:
        done.clear()


# ---- one way for a page to run its work ----------------------------------------------------------------------

@dataclass(frozen=True)
class Task:
    """What a page asks for: `fn(**kwargs)` for each kwargs in `each`, one result each (a core function, so that a
    worker process can run it too)."""
    key: str  # this session's name for it, one per lesson and piece of work
    kind: str  # its kind in the cost model: the estimate, the factors learnt, the pool's line
    title: str  # what its progress line and its messages call it
    fn: Callable
    each: tuple[dict, ...]
    work: Work  # what it costs, for the estimate
    steps: int = 0  # a training run of this many steps: its progress and a Stop are drawn, and it trains on (and
    # is kept when it ends) while the learner reads another page; else the page waits for it
    lower: Callable[[float], str] | None = None  # what to lower when a training run is over the limit per run
    labels: tuple[str, ...] = ()  # computed here, a progress bar names each item so (else a spinner says `doing`)
    doing: str = ""  # what the page says while it computes the task itself ("Training" on a labelled bar)
    reports: bool = False  # fn is a job of core.jobs, called as fn(progress, **kwargs): it reports its own progress
    # and hears Stop (a training run's fn is otherwise run by jobs.train_steps)
    failed: str = N_("The run failed: {reason}. Change a setting to try again.")  # said when it fails
    stop_help: str = N_("Stops after the current iteration and keeps the curve so far.")
    here: bool = True  # may run in the page when quick (a run whose models and curves live on does not)
    keep: Callable[[Ticket], None] | None = None  # what keeps a pooled run when it ends (default: keep_result)
    record: Callable[[Job], runs.Run | None] | None = None  # a training run's record in its lesson's history,
    # made from the ended job without Streamlit: kept in the store when it ends, wherever the learner is then
    context: dict = field(default_factory=dict)  # what `keep` needs besides the run
    live_chart: str = ""  # the key of the live chart of its curves, drawn while it trains

    @property
    def target(self) -> str:
        """Its function as "module:function": the name a worker imports it by and its results are kept under."""
        return f"{self.fn.__module__}:{self.fn.__qualname__}"


@dataclass(frozen=True)
class Done:
    results: list  # one per item of the task's `each`
    seconds: float  # what computing them took (nothing when they were kept from before)
    each: tuple[dict, ...] = ()  # the arguments they were computed with (a task run on request keeps its results
    # while the controls move on)


@dataclass(frozen=True)
class Pending:
    """A training run that waits or trains in the pool: its progress and Stop are drawn where the page asked."""
    status: str


@dataclass(frozen=True)
class Refused:
    """Over the limit per run, or failed: the reason is drawn where the page asked."""
    reason: str


def run(task: Task, start: bool | None = None, stop_in: Any = None) -> Done | Pending | Refused | None:
    """Compute `task` here when its estimate on this server is within INLINE_SECONDS (kept for every session of
    this server), else in the server's pool; draw its progress, Stop and messages where the page calls this.

    By default a task runs whenever its arguments have no result yet. A training run the learner starts with a
    button is run with `start` (whether the button was pressed): pressed, it replaces the session's earlier run
    under its key; else this returns that run's state as it is (None if there is none), with the arguments it
    was computed with, whatever the controls say now. Its Stop is drawn under its progress, or always in
    `stop_in` (a column beside the button) when given."""
    if stop_in is not None:  # beside the button that starts it, whether it runs or not
        stop_in.button(_("Stop"), key=f"{task.key}_stop", icon=":material/stop:", on_click=stop,
                       args=(task.key,), help=_(task.stop_help))
    if start is False:
        return _latest(task, stop_in is None)
    if start:
        _replace(task.key)
        session.learner().results.pop(task.key, None)
    if task.here and estimate(task.kind, task.work) <= INLINE_SECONDS:
        done = _here(task)
        if start:  # kept for the reruns that follow, as a run from the pool is
            session.learner().results[task.key] = (task.each[0], done.results[0], done.seconds, "")
        return done
    if task.steps:
        return _training(task, bool(start), stop_in is None)
    done = _waited(task)
    if start and isinstance(done, Done):  # kept for the reruns that follow, as a run computed here is
        session.learner().results[task.key] = (task.each[0], done.results[0], done.seconds, "")
    return done


@st.cache_data(max_entries=256, show_spinner=False)
def _computed(target: str, kwargs: dict) -> Any:
    """`target`(**kwargs), kept for every session of this server, and on disk for every process of the machine
    (see core.results_cache): each is a pure function of its arguments."""
    found = results_cache.load(target, kwargs)
    if found is not results_cache.MISSING:
        return found
    module, name = target.split(":")
    result = functools.reduce(getattr, name.split("."), importlib.import_module(module))(**kwargs)
    results_cache.save(target, kwargs, result)
    return result


def _here(task: Task) -> Done:
    target = task.target
    started = time.perf_counter()
    if task.reports:  # a job of core.jobs, as a worker would run it, reporting to no one
        with st.spinner(task.doing) if task.doing else contextlib.nullcontext():
            return Done([task.fn(_Unheard(), **task.each[0])], time.perf_counter() - started, task.each)
    if task.labels:
        items = dict(zip(task.labels, task.each, strict=True))
        results = list(ui.run_each(list(items), lambda label: _computed(target, items[label]),
                                   task.doing or None).values())
    else:
        with st.spinner(task.doing) if task.doing else contextlib.nullcontext():  # shown after half a second
            results = [_computed(target, kwargs) for kwargs in task.each]
    return Done(results, time.perf_counter() - started, task.each)


class _Unheard:
    """The progress of a job computed in the page: nobody reads it, and Stop cannot be pressed meanwhile."""

    def update(self, *args, **kwargs) -> bool:
        return False

    def stop_requested(self) -> bool:
        return False


def _refusal(kind: str, work: Work, lower: Callable[[float], str]) -> str | None:
    """Why a run of `work` may not start on this server (over its limit per run, with what to lower), or None."""
    seconds, p = estimate(kind, work), pool()
    if seconds <= p.max_seconds:
        return None
    return _("This run would take about {duration} on this server, over its limit of {limit} per run. "
             "{advice}").format(duration=i18n.duration(seconds), limit=i18n.duration(p.max_seconds),
                                advice=lower(p.max_seconds / seconds))


def _kept(task: Task) -> Done | Refused | None:
    """The session's ended run under the task's key, whatever its arguments."""
    kept = session.learner().results.get(task.key)
    if kept is None:
        return None
    if kept[1] is None:
        reason = _(task.failed).format(reason=kept[3])
        st.error(reason)
        return Refused(reason)
    return Done([kept[1]], kept[2], (kept[0],))


def _pending(task: Task, with_stop: bool = True) -> Pending | None:
    """Draw the progress (and Stop) of the session's run under the task's key while it goes on."""
    if not follow(task.key, task.live_chart):
        return None
    if with_stop:
        st.button(_("Stop"), key=f"{task.key}_stop", icon=":material/stop:", on_click=stop, args=(task.key,),
                  help=_(task.stop_help))
    return Pending(status_line(tickets()[task.key].job))


def _latest(task: Task, with_stop: bool) -> Done | Pending | Refused | None:
    return _pending(task, with_stop) or _kept(task)


def _training(task: Task, pressed: bool, with_stop: bool) -> Done | Pending | Refused:
    kwargs = task.each[0]
    found = tickets().get(task.key)
    if found is not None and not found.job.active and not found.kept:  # it ended since this script run began
        land()
    kept = session.learner().results.get(task.key)
    if kept is not None and kept[0] == kwargs:
        return _kept(task)
    if found is None or found.job.kwargs != _job(task)[1]:
        lower = task.lower or (lambda fits: "")
        reason = _refusal(task.kind, task.work, lower)
        if reason is not None or not pressed:  # the page drew the cost beside the button it offered
            if not cost(task.kind, task.work, lower):
                return Refused(reason or "")
        if submit(task.key, task.kind, task.title, task.keep or keep_result, task.kind, *_job(task), task.work,
                  task.context, task.record) is None:
            return Refused("")  # the pool's reason is drawn by submit
    return _pending(task, with_stop) or _kept(task) or Pending("")


def _job(task: Task) -> tuple[str, dict]:
    """What a worker runs for a training task, and its arguments."""
    if task.reports:
        return task.target, task.each[0]
    return "core.jobs:train_steps", dict(train=task.fn, kwargs=task.each[0], steps=task.steps)


def _waited(task: Task) -> Done | Refused:
    """In the server's pool while the page waits, saying where it is, and without holding the server's one
    Python thread. A rerun with the same arguments (the learner moved another control) waits for the same job;
    with new ones, the old job is cancelled."""
    started = time.perf_counter()
    target, arguments = "core.jobs:call_each", dict(fn=task.fn, each=list(task.each))
    lock, done = _called()
    key = (target, task.fn.__module__, task.fn.__qualname__, repr(arguments["each"]))
    with lock:
        if key in done:
            done.move_to_end(key)
            return Done(copy.deepcopy(done[key]), 0.0)
    name = task.target
    kept = [results_cache.load(name, kwargs) for kwargs in task.each]  # computed by another process before
    if not any(result is results_cache.MISSING for result in kept):
        return Done(kept, time.perf_counter() - started)
    pending = session.learner().waiting  # kind -> (key, job): this learner's, one a kind
    if task.kind in pending and pending[task.kind][0] != key:
        pool().cancel(pending.pop(task.kind)[1])
    if task.kind not in pending:
        try:
            # in a line of its own beside the learner's training runs: a page must not wait for them to end
            pending[task.kind] = key, pool().submit(f"{owner()}/page", task.kind, target, arguments, task.work,
                                                    task.title, language=i18n.current())
        except TooCostly as err:
            reason = _("This run was refused: {reason}.").format(reason=err)
            st.error(reason)
            return Refused(reason)
    job = pending[task.kind][1]
    line = st.empty()
    while job.active:  # each update lets Streamlit end this script run when the learner moves on
        line.progress(job.fraction if job.state == "running" else 0.0, text=_(
            "{title}, in the server's pool: {status}").format(title=task.title, status=status_line(job)))
        time.sleep(0.25)
    line.empty()
    del pending[task.kind]
    if job.state != "finished":
        reason = _("{title} did not finish: {reason}.").format(title=task.title, reason=job.message or job.state)
        st.error(reason)
        return Refused(reason)
    with lock:
        done[key] = job.result
        while len(done) > 64:
            done.popitem(last=False)
    for kwargs, result in zip(task.each, job.result, strict=True):
        results_cache.save(name, kwargs, result)
    return Done(copy.deepcopy(job.result), time.perf_counter() - started)
