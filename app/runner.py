"""Runs in the server's training pool: their cost before Train, their place in line, their progress on any page.

A run is submitted under a key (one per lesson and kind of run); the learner's session keeps a Ticket for it.
While it waits or trains, fragments poll it once a second: on its lesson page with a live chart, in the sidebar of
every other page in one line. When it ends, its `on_end` handler keeps it (in the lesson's history) wherever the
learner is; its own page is drawn again with the result, another page only says so (a redraw costs the server's
one Python thread about half a second, and a class's runs end together).
"""

import copy
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
import ui
from core import charts, i18n
from core.costs import Work
from core.curves import Curves
from core.i18n import N_, _
from core.pool import Job, Pool, TooCostly
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


def owner() -> str:
    """This browser session's name in the pool's line."""
    return st.session_state.setdefault("pool_owner", uuid.uuid4().hex)


def tickets() -> dict[str, Ticket]:
    return st.session_state.setdefault("tickets", {})


def ticket(key: str) -> Ticket | None:
    """The session's latest run under `key`, kept by its handler if it has ended."""
    found = tickets().get(key)
    if found is not None and not found.job.active and not found.kept:
        found.kept = True
        found.on_end(found)
    return found


def cost(kind: str, work: Work, lower: Callable[[float], str]) -> bool:
    """Show what a run would cost on this server; if it is over the limit per run, say what to lower (`lower`
    gets the fraction of the run that fits) and return False."""
    p = pool()
    seconds = estimate(kind, work)
    training, waiting = p.busy()
    if seconds > p.max_seconds:
        st.error(_("This run would take about {duration} on this server, over its limit of {limit} per run. "
                   "{advice}").format(duration=i18n.duration(seconds), limit=i18n.duration(p.max_seconds),
                                      advice=lower(p.max_seconds / seconds)),
                 icon=":material/hourglass_disabled:")
        return False
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
           work: Work, context: dict | None = None) -> Ticket | None:
    """Queue a run under `key`, stopping the session's previous run under it; None (with a message) if refused."""
    old = tickets().get(key)
    if old is not None and old.job.active:  # it stops after its current batch and is kept when it has
        pool().cancel(old.job)
        tickets()[f"{key}~{id(old)}"] = old
    try:
        job = pool().submit(owner(), kind, fn, kwargs, work, title, language=i18n.current())
    except TooCostly as err:
        st.error(_("This run was refused: {reason}.").format(reason=err))
        return None
    tickets()[key] = Ticket(key, job, slug, title, on_end, context or {})
    return tickets()[key]


def stop(key: str) -> None:
    """Stop the session's run under `key`: at once if it waits; mid-run, it keeps what it has learned."""
    found = tickets().get(key)
    if found is not None:
        pool().cancel(found.job)


def forget(key: str) -> None:
    """Stop the session's run under `key` and drop it: what it would have produced is no longer wanted."""
    found = tickets().pop(key, None)
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
    every second; return whether it is still going."""
    found = ticket(key)
    if found is None or not found.job.active:
        return False
    _follow(key, chart_key)
    return True


@st.fragment(run_every=POLL_SECONDS)
def _sidebar(here: str) -> None:
    controls.use_language()
    for key, t in tickets().items():
        if t.slug == here:
            continue
        if t.job.active:
            st.caption(_("**{title}**: {status}").format(title=t.title, status=status_line(t.job)))
        else:  # kept in its lesson's runs without redrawing this page: the learner is reading something else
            ticket(key)
            st.caption(_(ENDED[t.job.state]).format(title=t.title, message=t.job.message))


def sidebar(here: str) -> None:
    """In the sidebar of every page: the learner's runs that wait or train on other pages (the lesson's own page
    follows its run itself), and keeping those that ended."""
    for key in sorted(tickets(), key=lambda k: tickets()[k].job.submitted):  # kept in the order they were started
        if ticket(key).kept and "~" in key:
            del tickets()[key]  # a replaced run, now in its lesson's history
    if any(t.job.active and t.slug != here for t in tickets().values()):
        st.subheader(_("Your runs in progress"))
        _sidebar(here)


def compute(key: str, slug: str, title: str, train: Callable, kwargs: dict, steps: int, work: Work,
            lower: Callable[[float], str], here: Callable[[], Curves]) -> tuple[Curves, float] | None:
    """A lesson's training run and its seconds: computed here (`here`, cached by the page) when it is quick, else
    in the pool as train(**kwargs, on_iteration=...); None while it waits or trains (its progress and a Stop
    button drawn here) or when it is refused or failed (with a message)."""
    if estimate(slug, work) <= INLINE_SECONDS:
        started = time.perf_counter()
        return here(), time.perf_counter() - started
    kept = st.session_state.setdefault("pool_results", {}).get(key)
    if kept is not None and kept[0] == kwargs:
        if kept[1] is None:
            st.error(_("The run failed: {reason}. Change a setting to try again.").format(reason=kept[3]))
            return None
        return kept[1], kept[2]
    found = ticket(key)
    if found is None or found.job.kwargs["kwargs"] != kwargs:
        if not cost(slug, work, lower):
            return None
        submit(key, slug, title, keep_result, slug, "core.jobs:train_steps", dict(train=train, kwargs=kwargs,
                                                                               steps=steps), work)
    follow(key)
    st.button(_("Stop"), key=f"{key}_stop", icon=":material/stop:", on_click=stop, args=(key,),
              help=_("Stops after the current iteration and keeps the curve so far."))
    return None


def keep_result(found: Ticket) -> None:
    """Keep an ended run's arguments, result, seconds and message in the session, under its key."""
    job = found.job
    if job.started is not None:  # a run stopped while it waited has nothing to show
        st.session_state.setdefault("pool_results", {})[found.key] = (job.kwargs["kwargs"], job.result,
                                                                      job.seconds(), job.message)


@st.cache_resource(show_spinner=False)
def _called() -> tuple[threading.Lock, OrderedDict]:
    """What `call` computed in the pool, shared by every session of this server (each a pure function of its
    arguments), the 64 latest."""
    return threading.Lock(), OrderedDict()


def call(kind: str, title: str, fn: Callable, kwargs: dict, work: Work, here: Callable[[], Any]) -> Any:
    """A lesson's computation that the page waits for: here (`here()`, cached by the page) when quick; when its
    estimate is over INLINE_SECONDS, in the server's pool as fn(**kwargs), while the page waits, saying where it
    is, and without holding the server's one Python thread. A rerun with the same arguments (the learner moved
    another control) waits for the same job; with new ones, the old job is cancelled. Returns None (with a
    message) when it is refused or fails."""
    return _waited(kind, title, "core.jobs:call", dict(fn=fn, kwargs=kwargs), work, here)


def call_each(kind: str, title: str, fn: Callable, each: list[dict], work: Work,
              here: Callable[[], list]) -> list | None:
    """[fn(**kwargs) for kwargs in each], as `call` computes one: a lesson's several runs, waited for together,
    their progress counted in runs."""
    return _waited(kind, title, "core.jobs:call_each", dict(fn=fn, each=each), work, here)


def _waited(kind: str, title: str, target: str, arguments: dict, work: Work, here: Callable[[], Any]) -> Any:
    if estimate(kind, work) <= INLINE_SECONDS:
        return here()
    lock, done = _called()
    fn, rest = arguments["fn"], {k: v for k, v in arguments.items() if k != "fn"}
    key = (target, fn.__module__, fn.__qualname__, repr(rest))
    with lock:
        if key in done:
            done.move_to_end(key)
            return copy.deepcopy(done[key])
    pending = st.session_state.setdefault("pending_calls", {})  # kind -> (key, job): this learner's, one a kind
    if kind in pending and pending[kind][0] != key:
        pool().cancel(pending.pop(kind)[1])
    if kind not in pending:
        try:
            # in a line of its own beside the learner's training runs: a page must not wait for them to end
            pending[kind] = key, pool().submit(f"{owner()}/page", kind, target, arguments, work, title,
                                               language=i18n.current())
        except TooCostly as err:
            st.error(_("This run was refused: {reason}.").format(reason=err))
            return None
    job = pending[kind][1]
    line = st.empty()
    while job.active:  # each update lets Streamlit end this script run when the learner moves on
        line.progress(job.fraction if job.state == "running" else 0.0,
                      text=_("{title}, in the server's pool: {status}").format(title=title, status=status_line(job)))
        time.sleep(0.25)
    line.empty()
    del pending[kind]
    if job.state != "finished":
        st.error(_("{title} did not finish: {reason}.").format(title=title, reason=job.message or job.state))
        return None
    with lock:
        done[key] = job.result
        while len(done) > 64:
            done.popitem(last=False)
    return copy.deepcopy(job.result)
