"""'Predict, then run' on a page: the question, a committed prediction, then the verdict and why.

A committed prediction is kept in the session, so it survives reruns and page switches. It belongs to the question
as worded with the settings on screen and to the truth it was judged against: when either changes, the learner is
asked to predict again instead of being shown a stale verdict.
"""

import math

import streamlit as st

import session
from core.checkpoints import check, explain, find
from core.i18n import _
from registry import LESSONS


def ask(slug: str, checkpoint_id: str, truth: object, values: dict | None = None, pending: str = "",
        context: object = None) -> bool:
    """Ask a checkpoint; return True once the result it is about may be shown (committed, or skipped).

    `truth` is None while it is not known yet (say, before training): a prediction can be committed, and `pending`
    says when the verdict comes. `context`: what else the truth depends on (the settings a run must have).
    """
    checkpoint, values = find(slug, checkpoint_id), values or {}
    if isinstance(truth, float) and not math.isfinite(truth):
        truth, pending = None, _("The run diverged, so there is no number to judge the prediction against.")
    prefix = next(lesson.prefix for lesson in LESSONS if lesson.slug == slug)
    key, question = f"{prefix}_cp_{checkpoint_id}", checkpoint.text(values)
    asked = f"{checkpoint.question.format(**values)} {context!r}"  # what a kept prediction answered, in any language
    learner = session.learner()
    kept = learner.prediction(slug, checkpoint_id)
    changed = truth is not None and kept is not None and kept.truth not in (None, repr(truth))
    if kept is not None and not kept.stale and (kept.asked != asked or changed):
        learner.retract_prediction(slug, checkpoint_id)
        kept = learner.prediction(slug, checkpoint_id)

    with st.container(border=True):
        st.markdown(":material/psychology_alt: " + _("**Predict, then run.** {question}").format(question=question))
        if kept is not None and not kept.stale:
            return _verdict(slug, checkpoint_id, kept, truth, values, pending)
        if kept is not None:
            st.info(_("The settings changed since your last prediction: predict again."), icon=":material/sync:")
        with st.form(f"{key}_form", border=False):
            if checkpoint.kind == "choice":
                answer = st.radio(_("Your prediction"), checkpoint.options, index=None, key=key,
                                  format_func=checkpoint.show)  # the option stays English: it is compared in code
            else:
                answer = st.number_input(_("Your prediction"), value=None, key=key,
                                         step=1 if checkpoint.integer else None,
                                         format="%d" if checkpoint.integer else "%g")
            left, right = st.columns([1, 1, 2])[:2]
            commit = left.form_submit_button(_("Commit my prediction"), type="primary", key=f"{key}_commit")
            skip = right.form_submit_button(_("Skip: just show me"), key=f"{key}_skip")
        if skip:
            kept = learner.commit_prediction(slug, checkpoint_id, None, asked)
            return _verdict(slug, checkpoint_id, kept, truth, values, pending)
        if commit:
            if answer is None:
                st.warning(_("Choose or enter a prediction first, then commit it."))
                return False
            kept = learner.commit_prediction(slug, checkpoint_id, answer, asked)
            return _verdict(slug, checkpoint_id, kept, truth, values, pending)
    return False


def _verdict(slug: str, checkpoint_id: str, kept: session.Prediction, truth: object, values: dict,
             pending: str) -> bool:
    """Show the committed prediction and, once the truth is known, whether it was right and why."""
    checkpoint, learner = find(slug, checkpoint_id), session.learner()
    answer = kept.answer
    if answer is not None:
        st.caption(_("Your prediction: **{answer}**").format(answer=checkpoint.show(answer)))
    if truth is None:
        st.info(pending or _("The verdict comes once the result is computed."), icon=":material/hourglass_top:")
        return True
    if answer is None:
        learner.judge_prediction(slug, checkpoint_id, repr(truth), None)
        st.info(_("Skipped. {explanation}").format(explanation=explain(checkpoint, truth, values)),
                icon=":material/visibility:")
        return True
    try:
        verdict = check(checkpoint, answer, truth, values)
    except ValueError as err:
        learner.judge_prediction(slug, checkpoint_id, repr(truth), None)
        st.warning(_("This prediction cannot be judged: {error}.").format(error=err))
        return True
    learner.judge_prediction(slug, checkpoint_id, repr(truth), verdict.correct)  # the first verdict is recorded
    if verdict.correct:
        st.success(_("**Right.** {explanation}").format(explanation=verdict.explanation),
                   icon=":material/check_circle:")
    else:
        st.error(_("**Not quite**: the answer is **{truth}**. {explanation}").format(
            truth=verdict.truth, explanation=verdict.explanation), icon=":material/cancel:")
    return True
