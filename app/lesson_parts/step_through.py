"""Lesson 1's step-through: one iteration of the tiny network, one operation at a time, beside the line that ran."""

import streamlit as st

import session
import ui
from core.backprop_numpy import stepper
from core.i18n import _

SLIDER = "bp_step"  # the slider's key; the step shown is the session's (Learner.step), so it survives leaving the page


def move(by: int, last: int) -> None:
    """Move the step shown by `by`, within 0..last (a button's callback, run before the slider is drawn)."""
    learner = session.learner()
    learner.step = min(max(learner.step + by, 0), last)
    session.set_widget(SLIDER, learner.step)


def _slid() -> None:
    session.learner().step = session.widget(SLIDER)


def show(seed: int, text: str) -> None:
    """Draw the step-through for the sidebar's seed, with `text` (the lesson's prose) above it."""
    st.markdown(text)
    steps = stepper.one_iteration(seed)  # a few small arrays: milliseconds, no cache needed
    last = len(steps) - 1
    learner = session.learner()
    if not session.has_widget(SLIDER):
        session.set_widget(SLIDER, learner.step)
    left, middle, right = st.columns([1, 6, 1], vertical_alignment="bottom")
    left.button(_("← Previous"), key="bp_step_prev", on_click=move, args=(-1, last),
                disabled=learner.step == 0, width="stretch")
    right.button(_("Next →"), key="bp_step_next", on_click=move, args=(1, last),
                 disabled=learner.step == last, width="stretch")
    index = middle.select_slider(_("Step"), options=range(len(steps)), key=SLIDER,
                                 format_func=lambda i: f"{i + 1}. {_(steps[i].title)}", on_change=_slid)
    step = steps[index]
    sizes = ", ".join(map(str, stepper.TINY.values()))
    st.caption(_("{call}: N, D_in, H, D_out = {sizes}, lr = {lr} for the update. Step {step} of {count}.").format(
        call=ui.call_text(stepper.one_iteration, seed), sizes=sizes, lr=stepper.TINY_LR, step=index + 1,
        count=len(steps)))
    left, right = st.columns([2, 3])
    with left:
        st.markdown(f"**{index + 1}. {_(step.title)}**")
        st.latex(step.formula)
        marks = (_("▶ marks the lines of `{function}()` that computed this step; the listing is that function's "
                   "real source.") if len(step.lines) > 1 else
                 _("▶ marks the line of `{function}()` that computed this step; the listing is that function's "
                   "real source."))
        st.caption(marks.format(function=step.function.__name__))
        st.code(stepper.marked_source(step), language="python", wrap_lines=True)  # whole: the ▶ line stays in view
    with right:
        ui.chart(stepper.step_figure(step), key="bp_step_arrays")
    ui.show_source(stepper.one_iteration, stepper.locals_on_return, height=300)
