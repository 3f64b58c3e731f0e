"""Live training for the FashionMNIST pages: shared data, Train/Stop, progress, and results kept per session.

The data set is loaded once per process and device (st.cache_resource) and never modified. Training runs in the
server's pool of worker processes (see runner), which send back curves and weights; models and their
histories belong to one browser session (session.Learner), so two learners training at once never share one.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st
import torch

import history
import runner
import session
import ui
from controls import Controls
from core import charts, fashion_mnist, jobs, predictions, runs
from core.classifier import Classifier
from core.costs import Work
from core.curves import Curves
from core.fashion_mnist import CLASSES, FashionMNIST, class_names
from core.i18n import N_, _
from core.pool import Job
from core.training import predict
from registry import LESSONS

# the table of epochs heads its columns with these (the curves keep the English names: code and records use them)
EPOCH_COLUMNS = {"train loss": N_("train loss"), "train acc": N_("train acc"), "test acc": N_("test acc"),
                 "seconds": N_("seconds")}


@dataclass
class LiveRun:
    settings: dict  # what the run was started with, shown beside its results
    models: dict[str, object]  # version -> model with the weights the run learned
    histories: dict[str, Curves]
    status: str = "finished"  # finished, stopped, failed
    message: str = ""  # why it failed
    number: int | None = None  # its number in the lesson's history
    test_probs: dict[str, torch.Tensor] = field(default_factory=dict)  # computed once, then reused


@st.cache_resource(show_spinner=False, max_entries=4)  # data() draws the spinner, in the learner's language
def load_data(user_dir: str, device: str) -> FashionMNIST:
    # the process's one copy: what a page computes from the data set in a job function reads the same
    return fashion_mnist.shared(user_dir or None, device)


DATA_DIR = "data_dir"  # the key of the sidebar's field


def data_dir_field() -> None:
    """The sidebar's field for a folder of FashionMNIST (not on a hosted server: there only the server's counts)."""
    if not fashion_mnist.hosted():
        st.text_input(_("FashionMNIST directory (optional)"), key=DATA_DIR, placeholder=_("found automatically"),
                      max_chars=fashion_mnist.MAX_PATH_CHARS,
                      help=_("A folder holding FashionMNIST/raw/ with the four IDX files (or .gz). Left empty, the "
                             "explorer looks in $FASHION_MNIST_DIR, then Debian's package, then downloads it."))


def data_dir() -> str:
    """The directory the learner typed in the sidebar; never in hosted mode, where only the server's counts."""
    return "" if fashion_mnist.hosted() else session.widget(DATA_DIR, "")


def data(device: torch.device) -> FashionMNIST:
    """The shared, read-only data set on `device`; if it is missing, say how to get it and stop this page only."""
    try:
        with st.spinner(_("Loading FashionMNIST…")):
            found = load_data(data_dir(), str(device))
    except fashion_mnist.DataUnavailableError as err:
        st.error(str(err))
        st.info(_("The other lessons do not need this data set and keep working."))
        st.stop()
    st.caption(_("FashionMNIST from {source}: {train:,} training and {test:,} test images, held once on "
                 "**{device}**.").format(source=fashion_mnist.describe_source(found.source),
                                         train=len(found.train_labels), test=len(found.test_labels),
                                         device=found.train_images.device))
    return found


def train_controls(controls: Controls, settings: dict, build: functools.partial, work: Work) -> LiveRun | None:
    """Train and Stop, the run's cost on this server, and its progress while it waits or trains in the server's
    pool (the learner may do anything else meanwhile); return this session's latest ended run, if any.

    `build(version, device=...)` makes a model (a partial of a core function: it travels to a worker process).
    Every run that ends (finished, stopped, diverged or failed) is kept in the lesson's history.
    """
    key = controls.prefix
    epochs = settings["num_epochs"]

    def lower(fits: float) -> str:
        if epochs * fits >= 1:
            return _("Lower the epochs to {epochs} or fewer, or train fewer versions or hidden units.").format(
                epochs=int(epochs * fits))
        return _("Even one epoch is over it: choose fewer hidden units, a larger batch size or one version.")

    ui.train_anchor()
    left, right, cost = st.columns([1, 1, 4], vertical_alignment="center")
    with cost:
        affordable = runner.cost(controls.scope, work, lower)
    start = left.button(_("Train"), type="primary", key=f"{key}_train", icon=":material/play_arrow:",
                        disabled=not affordable)
    title = next(lesson.title for lesson in LESSONS if lesson.slug == controls.scope)
    runner.run(runner.Task(key, controls.scope, title, jobs.train_fashion, (job_kwargs(settings, build),), work,
                           steps=epochs, reports=True, here=False, keep=_land,
                           record=functools.partial(_record, controls.scope, settings),
                           context=dict(settings=settings, prefix=key), live_chart=f"{key}_live",
                           stop_help=N_("Stops after the current batch and keeps everything learned so far.")),
               start=start, stop_in=right)
    return session.learner().live.get(key)


def run_settings(controls: Controls, device: torch.device, **fixed) -> dict:
    """What a Train press runs with and its run records: the lesson's run settings, the sidebar's seed, the device
    the page resolved, and what the lesson fixes (`fixed`, say its optimizer)."""
    return history.run_settings(controls) | {"device": str(device)} | fixed


def job_kwargs(settings: dict, build: functools.partial) -> dict:
    """The arguments jobs.train_fashion gets for a run with `settings` (pages show the call with them)."""
    return dict(build=build, versions=settings["versions"], optimizer=settings["optimizer"], lr=settings["lr"],
                batch_size=settings["batch_size"], num_epochs=settings["num_epochs"], seed=settings["seed"],
                cosine=settings.get("cosine", False), device=settings["device"], data_dir=data_dir() or None)


def _ended_status(job: Job, curves: dict[str, Curves]) -> dict:
    """How an ended run's record says it ended (nothing: as its curves say, finished or diverged)."""
    if job.state == "failed":
        return dict(status="failed", message=job.message)
    if job.state == "stopped" and not any(h.diverged_at is not None for h in curves.values()):
        return dict(status="stopped")
    return {}


def _curves(job: Job) -> tuple[dict[str, Curves], dict[str, Curves]]:
    """An ended run's curves as the worker sent them, and those its record keeps (the versions with a loss)."""
    histories = (job.result or {}).get("curves") or job.curves
    return histories, {v: h for v, h in histories.items() if h.losses} or {"none": Curves({"loss": []})}


def _record(slug: str, settings: dict, job: Job) -> runs.Run | None:
    """The record a Train run that ended leaves in its lesson's history, made without a page (no Streamlit): the
    runner keeps it so even when no page of its learner is open any more."""
    if job.started is None:
        return None  # stopped while it waited: nothing ran, nothing to keep
    curves = _curves(job)[1]
    status = _ended_status(job, curves)
    table = next(lesson.settings() for lesson in LESSONS if lesson.slug == slug)
    state, message = (status["status"], status.get("message", "")) if status else runs.status_of(curves)
    return runs.Run(0, slug, history.kept_settings(table, settings),
                    {k: replace(c, outputs={}) for k, c in curves.items()}, state, message, job.seconds(),
                    settings["device"])


def _land(ticket: runner.Ticket) -> None:
    """Keep an ended run: its models (rebuilt from the weights it sent), its curves, and a line in the history."""
    job, settings, key = ticket.job, ticket.context["settings"], ticket.context["prefix"]
    if job.started is None:
        return  # stopped while it waited: nothing ran, nothing to keep
    result = job.result or {}
    histories, curves = _curves(job)
    models = {}
    for version, weights in result.get("weights", {}).items():
        models[version] = job.kwargs["build"](version, device=settings["device"])
        with torch.no_grad():
            for param, value in zip(models[version].parameters(), weights):
                param.copy_(torch.from_numpy(value))
    run = LiveRun(settings, models, histories, "failed" if job.state == "failed" else job.state, job.message,
                  test_probs={v: torch.from_numpy(p) for v, p in result.get("test_probs", {}).items()})
    table = next(lesson.settings() for lesson in LESSONS if lesson.slug == ticket.slug)
    run.number = history.keep(ticket.slug, table, curves, job.seconds(), settings["device"], settings,
                              origin=ticket.origin, **_ended_status(job, curves)).number
    if runner.tickets().get(key) is ticket:  # not a run that a newer Train press replaced
        session.learner().live[key] = run



def show_results(key: str, run: LiveRun, current: dict, dataset: FashionMNIST,
                 weights: Callable[[Classifier], tuple]) -> None:
    """Curves, per-epoch numbers, gallery with a confusion-matrix drill-down, and weight images of a run."""
    s = run.settings
    diverged = [h.divergence() for h in run.histories.values() if h.diverged_at is not None]
    status = {"finished": _("Finished"), "stopped": _("Stopped early (everything learned so far is kept)"),
              "failed": _("Failed")}[run.status]
    if diverged and run.status != "failed":
        status = diverged[0][:1].upper() + diverged[0][1:]  # one status: never "Finished" beside "diverged"
    shown = ", ".join(f"{k} = {v}" for k, v in s.items() if k != "versions")
    st.markdown((_("**Run {number}: {status}.** Settings: {settings}") if run.number else
                 _("**{status}.** Settings: {settings}")).format(number=run.number, status=status, settings=shown))
    if current != s:
        changed = [k for k in s if current.get(k) != s[k]]
        st.info(_("Showing run {number}, trained with {changed}; the controls have changed since: press **Train** "
                  "to see their result.").format(number=run.number, changed=", ".join(f"{k} = {s[k]}"
                                                                                       for k in changed)),
                icon=":material/sync_problem:")
    if run.status == "failed":
        st.error(_("The run failed: {message}.").format(message=run.message))
    for version, h in run.histories.items():
        ui.report_divergence(version, h)
    if not any(h.num_epochs for h in run.histories.values()):
        st.info(_("No epoch has finished yet: press Train and let at least one epoch run."))
        return
    if not run.models:
        st.info(_("This run's weights were lost with its worker process; its curves are kept in Your runs. Press "
                  "Train to train again."))
        return
    ui.chart(charts.history_figure(run.histories), key=f"{key}_history")
    if len(run.histories) == 2:
        (a, h_a), (b, h_b) = run.histories.items()
        n = min(len(h_a.losses), len(h_b.losses))
        gap = max((abs(x - y) for x, y in zip(h_a.losses[:n], h_b.losses[:n])), default=0.0)
        if n and gap <= 1e-3 * max(h_a.losses[:n]):
            st.caption(_("The {a} and {b} curves coincide (largest gap per batch {gap:.1e}): the dashed line lies "
                         "on the solid one. Same starting weights, same batches, same update.").format(a=a, b=b,
                                                                                                       gap=gap))
    rows = [{_("version"): v, _("epoch"): e + 1,
             **{_(EPOCH_COLUMNS.get(k, k)): round(h.epoch_values[k][e], 4) for k in h.epoch_values}}
            for v, h in run.histories.items() for e in range(h.num_epochs)]
    st.dataframe(rows, hide_index=True, height=min(400, 38 + 35 * len(rows)))

    version = st.radio(_("Inspect"), list(run.models), horizontal=True, key=f"{key}_inspect")
    if version not in run.test_probs:
        run.test_probs[version] = predict(run.models[version], dataset.test_images)
    probs = run.test_probs[version]
    counts = predictions.confusion_matrix(probs, dataset.test_labels)
    st.subheader(_("Confusion matrix"))
    st.caption(_("Rows: true class. Columns: predicted class. Click a cell to show those test images below."))
    names = class_names()  # the headers the learner reads; a picked cell's column is mapped back through them
    table = pd.DataFrame(counts, index=names, columns=names).rename_axis(_("true \\ predicted")).reset_index()
    off_diagonal = counts - np.diag(np.diag(counts))
    largest = {True: max(int(np.diag(counts).max()), 1), False: max(int(off_diagonal.max()), 1)}

    def shade(column: pd.Series) -> list[str]:  # green on the diagonal, red off it; each on its own scale
        if column.name not in names:
            return [""] * len(column)
        j = names.index(column.name)
        return [f"background-color: rgba({'40,160,80' if i == j else '220,50,50'},"
                f"{0.8 * v / largest[i == j]:.2f})" for i, v in enumerate(column)]

    picked = st.dataframe(table.style.apply(shade), hide_index=True, on_select="rerun",
                          selection_mode="single-cell", key=f"{key}_confusion").selection.cells
    true_class = pred_class = None
    if picked and picked[0][1] in names:
        true_class, pred_class = picked[0][0], names.index(picked[0][1])
    mistakes = st.toggle(_("Only mistakes"), key=f"{key}_mistakes", value=False)
    show_gallery(probs, dataset, true_class, pred_class, mistakes)

    title, W, titles = weights(run.models[version])
    st.subheader(title)
    ui.chart(charts.weight_images_figure(W, titles), key=f"{key}_weights")


def finished(run: LiveRun | None, current: dict) -> bool:
    """Whether the run finished, without diverging, with the settings `current`."""
    return (run is not None and run.status == "finished" and run.settings == current and bool(run.models)
            and all(h.diverged_at is None for h in run.histories.values()))


def finished_confusion(run: LiveRun | None, current: dict, dataset: FashionMNIST) -> np.ndarray | None:
    """The test confusion matrix of a run's first version, if it finished with `current` (see `finished`)."""
    if not finished(run, current):
        return None
    version = next(iter(run.models))
    if version not in run.test_probs:
        run.test_probs[version] = predict(run.models[version], dataset.test_images)
    return predictions.confusion_matrix(run.test_probs[version], dataset.test_labels)


def show_gallery(probs: torch.Tensor, dataset: FashionMNIST, true_class: int | None, pred_class: int | None,
                 mistakes_only: bool) -> None:
    picks = predictions.gallery_picks(probs, dataset.test_labels, true_class, pred_class, mistakes_only)
    if true_class is not None:
        st.markdown(_("**True {true}, predicted {predicted}**: {n} shown (at most 24).").format(
            true=_(CLASSES[true_class]), predicted=_(CLASSES[pred_class]), n=len(picks)))
    if not picks:
        st.info(_("No test image matches this selection."))
        return
    gallery = st.container(horizontal=True, gap="small")  # wraps: 8 or more a row on a desktop, 3 on a phone
    for index in picks:
        top = predictions.top_probabilities(probs, index)
        truth = CLASSES[int(dataset.test_labels[index])]
        wrong = top[0][0] != truth
        with gallery.container(width=100):
            st.image(dataset.test_images[index].reshape(28, 28).cpu().numpy(), width=84, clamp=True)
            st.markdown(f"{':red[✗]' if wrong else ':green[✓]'} **{_(top[0][0])}** {top[0][1]:.0%}  \n"
                        + _("true: {name}").format(name=_(truth)) + "  \n"
                        + "  \n".join(f":gray[{_(c)} {p:.0%}]" for c, p in top[1:]))
