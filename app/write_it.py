"""'Write it yourself': an editor for the lesson's exercise, its check against autograd, hints and the solution."""

import inspect

import pandas as pd
import streamlit as st

import live_training
import runner
import session
import ui
from core import exercises, i18n
from core.charts import overlay_figure
from core.exercises.check import Exercise, Outcome, attempt, attempt_cost, exercise
from core.fashion_mnist import FashionMNIST
from core.i18n import _
from core.sandbox import MAX_CODE_CHARS
from registry import LESSONS


def options(ex: Exercise, slug: str) -> dict[str, object]:
    """Return the lesson settings the exercise's inputs depend on (the MLP's activation), as its controls hold them."""
    names = [p for p in inspect.signature(ex.make_inputs).parameters if p != "seed"]
    values = session.learner().settings.get(slug, {})
    return {n: values[n] for n in names if n in values}


def show_outcome(outcome: Outcome) -> None:
    """Draw the verdict, one row per tensor, and anything the code printed."""
    (st.success if outcome.passed else st.error)(outcome.message)
    if outcome.checks:
        st.dataframe(pd.DataFrame([{_("tensor"): c.name, _("verdict"): _("pass") if c.passed else _("fail"),
                                    _("largest relative error"): "—" if c.error is None else f"{c.error:.1e}",
                                    _("diagnosis"): c.diagnosis} for c in outcome.checks]), hide_index=True)
    if outcome.printed:
        st.code(outcome.printed, language=None)


def show(slug: str, data: FashionMNIST | None = None) -> None:
    """Draw the 'Write it yourself' section of a lesson that has an exercise (`data`: the page's loaded data set)."""
    if not exercises.of(slug):
        return
    prefix = next(lesson.prefix for lesson in LESSONS if lesson.slug == slug)
    ex = exercise(slug)
    key = f"{prefix}_ex_{ex.id}"
    st.header(_("Write it yourself"))
    st.subheader(_(ex.title))
    st.markdown(_("{task} Your code runs in a separate, limited process and is checked against autograd.").format(
        task=_(ex.task)))
    code = st.text_area(_("Your code"), value=ex.starter, key=f"{key}_code", height=240, max_chars=MAX_CODE_CHARS)
    chosen, learner = options(ex, slug), session.learner()
    if st.button(_("Run and check"), key=f"{key}_run", type="primary"):
        held = None if data is None else str(data.train_images.device)
        ran = runner.run(runner.Task(
            f"{key}_attempt", "exercise", _("Run and check"), attempt,
            (dict(slug=slug, code=code, language=i18n.current(), data_dir=live_training.data_dir() or None,
                  device=held, **chosen),), attempt_cost(slug), doing=_("Running your code in the sandbox...")),
            start=True)
        if isinstance(ran, runner.Done):  # else the runner said why
            outcome, trained = ran.results[0]
            learner.record_attempt(slug, ex.id, code, outcome, trained)
    latest = learner.attempt(slug, ex.id)
    if latest is not None:
        outcome, trained = latest.outcome, latest.trained
        show_outcome(outcome)
        if isinstance(trained, str):
            st.warning(trained)
        elif trained is not None:
            mine, reference = trained
            ui.chart(overlay_figure({_("your code"): mine, _("reference"): reference},
                                    title=_("Training with your code and with the reference")), key=f"{key}_curve")
    shown = learner.hints.get(key, 0)
    for i, hint in enumerate(ex.hints[:shown], start=1):
        st.info(_("Hint {i}: {hint}").format(i=i, hint=_(hint)))
    if shown < len(ex.hints) and st.button(_("Show hint {n} of {total}").format(n=shown + 1, total=len(ex.hints)),
                                           key=f"{key}_hint"):
        learner.open_hint(key)
        st.rerun()
    if st.toggle(_("Show the reference solution"), key=f"{key}_solution"):
        st.code(ex.reference_source(), language="python")
