"""Lesson 1's broken backward pass: training with it beside the correct run, and why a check can miss it."""

import streamlit as st
import torch

import runner
import ui
from core import charts
from core.backprop_numpy import broken, costs
from core.backprop_numpy import network as bp
from core.curves import Curves
from core.i18n import _


def outcome(correct: Curves, wrong: Curves) -> str:
    """Return the sentence comparing the two runs, with their figures."""
    def end(run: Curves) -> str:
        if run.diverged_at is not None:
            return _("overflows at iteration {iteration}").format(iteration=run.diverged_at)
        return _("ends at {loss:.3g} after {count} iterations").format(loss=run.losses[-1], count=len(run.losses))
    ends = dict(correct=end(correct), broken=end(wrong))
    if correct.diverged_at is not None or wrong.diverged_at is not None or correct.losses[-1] <= 0:
        return _("With the settings on screen the correct backward pass {correct}; the broken one {broken}.").format(
            **ends)
    ratio = wrong.losses[-1] / correct.losses[-1]
    if ratio >= 1:
        return _("With the settings on screen the correct backward pass {correct}; the broken one {broken}: the "
                 "broken run's final loss is {ratio:.3g} times the correct one's.").format(ratio=ratio, **ends)
    return _("With the settings on screen the correct backward pass {correct}; the broken one {broken}: the correct "
             "run's final loss is {ratio:.3g} times the broken one's.").format(ratio=1 / ratio, **ends)


def show(N: int, D_in: int, H: int, D_out: int, lr: float, num_iters: int, seed: int, correct: Curves,
         text: ui.Sections, device: torch.device) -> None:
    """Draw the broken run beside `correct` (the page's run at the same settings) and the all-active check."""
    st.subheader(text.title("Training with the broken gradient"))
    ran = runner.run(runner.Task(
        "bp_broken", "backprop_numpy", _("Lesson 1, broken gradient"), bp.train,
        (dict(N=N, D_in=D_in, H=H, D_out=D_out, lr=lr, num_iters=num_iters, seed=seed, mask_relu=False),),
        costs.backprop_training(N, D_in, H, D_out, num_iters), steps=num_iters,
        lower=lambda fits: _("Lower the iterations, N, D_in or H."), doing=_("Training with the broken gradient…")))
    if isinstance(ran, runner.Done):
        training(N, D_in, H, D_out, lr, num_iters, seed, correct, ran.results[0], text)
    why(seed, text, device)


def training(N: int, D_in: int, H: int, D_out: int, lr: float, num_iters: int, seed: int, correct: Curves,
             wrong: Curves, text: ui.Sections) -> None:
    ui.report_divergence(text.title("Training with the broken gradient"), wrong)
    cosine = broken.first_step_cosine(N, D_in, H, D_out, seed)
    left, right = st.columns([5, 6])
    with left:
        ui.chart(charts.loss_figure({_("correct backward"): correct.losses, _("ReLU mask forgotten"): wrong.losses},
                                    title=_("The same run with the correct and the broken gradient")),
                 key="bp_broken_loss")
        ui.metrics((_("cosine, broken vs true dL/dW1 at the start"), f"{cosine:.2f}",
                    _("1 means the same direction, 0 a right angle, a negative value uphill")))
    with right:
        st.markdown(outcome(correct, wrong))
        st.markdown(text["Training with the broken gradient"])
        ui.show_source(broken.first_step_cosine, height=220, calls=[
            ui.call_text(bp.train, N=N, D_in=D_in, H=H, D_out=D_out, lr=lr, num_iters=num_iters, seed=seed,
                         mask_relu=False)])


def why(seed: int, text: ui.Sections, device: torch.device) -> None:
    st.subheader(text.title("Why the bug can pass the check"))
    st.markdown(text["Why the bug can pass the check"])
    checks = broken.tiny_checks(seed, device)
    st.table([{_("tiny network"): _(name),
               _("active hidden units"): _("{active} of {units}").format(active=c.active, units=c.units),
               _("check of the broken backward"): _("passed") if c.check.passed else _("failed"),
               _("W1 error vs autograd"): f"{c.check.autograd_error['W1']:.1e}",
               _("W1 error vs finite differences"): f"{c.check.finite_diff_error['W1']:.1e}"}
              for name, c in checks.items()], hide_index=True)
    ui.show_source(broken.tiny_checks, broken.all_active, broken.active_fraction, height=300,
                   calls=[ui.call_text(broken.tiny_checks, seed, str(device))])
