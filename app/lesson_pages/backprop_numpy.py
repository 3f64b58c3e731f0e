"""Lesson 1: a two-layer network trained by hand-written backprop in NumPy, with a live gradient check."""

import math
import re

import streamlit as st
import torch

import history
import predict
import runner
import ui
import write_it
from core import charts
from core.backprop_numpy import checkpoints as answers
from core.backprop_numpy import costs, derivation, gradcheck
from core.backprop_numpy import network as bp
from core.i18n import _
from lesson_parts import broken_backward, step_through


def steps(section: str) -> tuple[str, list[tuple[str, str]]]:
    """Return a prose section's text before its first '### ' step, and (heading, body) for each step."""
    parts = re.split(r"^### (.+)$", section, flags=re.M)
    return parts[0].strip(), [(heading.strip(), body.strip()) for heading, body in zip(parts[1::2], parts[2::2])]


def fill(section: str, **values: str) -> str:
    """Return a prose section with each {name} replaced by the value this page computed for it."""
    for name, value in values.items():
        section = section.replace(f"{{{name}}}", value)
    return section


def number(x: float) -> str:
    """Return x with thousands separators when it is large, else to 3 significant figures."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


text = ui.lesson_intro("backprop_numpy")

# ---- controls -------------------------------------------------------------------------------------------
settings = ui.lesson_controls("backprop_numpy")
chosen = settings.draw(st.columns(6), ("N", "D_in", "H", "D_out", "num_iters", "lr"))
N, D_in, H, D_out, num_iters, lr = chosen.N, chosen.D_in, chosen.H, chosen.D_out, chosen.num_iters, chosen.lr
seed = ui.seed()
st.caption(_("Seed {seed} (sidebar). NumPy computes on the CPU in float64 whatever device is chosen.").format(
    seed=seed))


# ---- training result beside its code --------------------------------------------------------------------
st.header(_("Training"))
left, right = st.columns([5, 6])
with left:  # a large run trains in the server's pool: its progress shows here, and the page goes on meanwhile
    kwargs = dict(N=N, D_in=D_in, H=H, D_out=D_out, lr=lr, num_iters=num_iters, seed=seed)
    ran = runner.run(runner.Task(
        "bp_train", "backprop_numpy", _("Lesson 1 training"), bp.train, (kwargs,),
        costs.backprop_training(N, D_in, H, D_out, num_iters), steps=num_iters, lower=lambda fits: _(
            "Lower the iterations to {iterations} or fewer, or N, D_in or H.").format(
            iterations=max(50, int(num_iters * fits) // 50 * 50))))
    result = ran.results[0] if isinstance(ran, runner.Done) else None
    if result is not None:
        history.record("backprop_numpy", settings, {"training": result}, ran.seconds, "cpu")
        ui.report_divergence(_("Training"), result)
        ui.chart(charts.loss_figure({_("training loss"): result.losses}, title=_("Training loss (log scale)"),
                                    diverged_at=result.diverged_at), key="bp_loss")
    if result is not None and result.losses:
        shown = [(_("first loss"), f"{result.losses[0]:.3g}"), (_("final loss"), f"{result.losses[-1]:.3g}")]
        if result.losses[-1] > 0:
            shown.append((_("orders of magnitude"), f"{math.log10(result.losses[0] / result.losses[-1]):.1f}"))
        ui.metrics(*shown)
with right:
    ui.show_source(bp.train, bp.forward, bp.backward, calls=[ui.call_text(
        bp.train, N=N, D_in=D_in, H=H, D_out=D_out, lr=lr, num_iters=num_iters, seed=seed)])
history.show("backprop_numpy", settings)

st.subheader(_("Every array, and its shape"))
st.table(
    [{_("array"): name, _("shape"): " × ".join(map(str, shape)), _("what it is"): _(meaning)}
     for name, shape, meaning in bp.tensor_shapes(N, D_in, H, D_out)],
    hide_index=True)

st.header(text.title("Step through one iteration"))
step_through.show(seed, text["Step through one iteration"])

# ---- the derivation, general then this network, each formula beside the line that computes it -------
st.header(text.title("Deriving the backward pass"))
intro, derivation_steps = steps(text["Deriving the backward pass"])
st.markdown(intro)
for heading, body in derivation_steps:
    with st.expander(heading):
        st.markdown(body)

st.subheader(text.title("The recursion as code"))
same = derivation.special_case_error(N, D_in, H, D_out, seed)
st.markdown(fill(text["The recursion as code"], special_case_error=f"{max(same.values()):.1g}"))
ui.show_source(derivation.backprop, derivation.forward_layers, derivation.lesson_network_gradients, height=360)

st.subheader(text.title("Lesson 1 as a special case"))
intro, special_steps = steps(text["Lesson 1 as a special case"])
st.markdown(intro)
for heading, body in special_steps:
    left, right = st.columns([3, 2])
    left.markdown(f"**{heading}**\n\n{body}")
    names = re.findall(r"`(\w+)`", heading)  # the heading names the variables its code line assigns
    right.code("\n".join(line for name in names for fn in (bp.backward, bp.train)
                         for line in derivation.lines_assigning(fn, name)), language="python", wrap_lines=True)

# ---- gradient check -------------------------------------------------------------------------------------
st.header(text.title("Checking the gradients"))
st.markdown(text["Checking the gradients"])
device = ui.device()
if device is not None and device.type == "mps":  # Apple's Metal backend has no float64
    st.info(_("MPS has no float64, so the autograd reference runs on the CPU."))
    device = torch.device("cpu")

unmasked = masked = None  # the check of backward() without its ReLU mask, and with it (9 s at the largest sizes)
if device is not None:
    each = [dict(N=N, D_in=D_in, H=H, D_out=D_out, seed=seed, mask_relu=mask, device=str(device))
            for mask in (False, True)]
    checked = runner.run(runner.Task(
        "bp_gradcheck", "backprop_gradcheck", _("The gradient check"), gradcheck.check_gradients, tuple(each),
        costs.gradient_check(N, D_in, H, D_out, num_checks=2), doing=_("Checking the gradients…")))
    if isinstance(checked, runner.Done):
        unmasked, masked = checked.results
revealed = unmasked is not None and predict.ask("backprop_numpy", "broken_mask",
                                                    answers.broken_mask(unmasked.failing()))
broken = settings.widget("broken")
if unmasked is not None:
    check = unmasked if broken else masked
    # the correct check is always on show; the broken one is the answer to the prediction above it
    verdict = st.expander(_("The check's verdict"), expanded=revealed) if broken else st.container()
    if check.passed:
        verdict.success(_("**Gradient check passed**: the hand-written gradients match both references."))
    else:
        verdict.error(_("**Gradient check failed**: the hand-written gradients disagree with the references."))
    if broken:
        verdict.markdown(fill(text["The broken check"], W1_autograd=f"{check.autograd_error['W1']:.2f}",
                              W1_finite_diff=f"{check.finite_diff_error['W1']:.2f}",
                              num_samples=str(check.num_samples), W2_autograd=f"{check.autograd_error['W2']:.1g}"))
    left, right = verdict.columns(2)
    with left:
        g = st.columns(2)
        ui.chart(charts.error_bars_figure(check.autograd_error, gradcheck.AUTOGRAD_TOL,
                                          _("vs autograd, float64 on {device}").format(device=check.device)),
                 key="bp_autograd", where=g[0])
        ui.chart(charts.error_bars_figure(check.finite_diff_error, gradcheck.FINITE_DIFF_TOL,
                                          _("vs finite differences, {count} entries each").format(
                                              count=check.num_samples)), key="bp_finite_diff", where=g[1])
    with right:
        ui.show_source(gradcheck.check_gradients, gradcheck.check_problem, gradcheck.autograd_gradients,
                       gradcheck.finite_difference, gradcheck.relative_error, height=360)
if broken and device is not None and result is not None:
    broken_backward.show(N, D_in, H, D_out, lr, num_iters, seed, result, text, device)

# ---- the honest note ------------------------------------------------------------------------------------
if result is None or not result.losses:
    st.info(_("The sections on what the network learned and on large learning rates appear when the run above "
              "has ended."))
else:
    figures = bp.loss_figures(result, N, D_in, H, D_out)
    shown = {name: number(value) for name, value in figures.items()}
    st.header(text.title("What this network really learned"))
    held_out = result.values["held-out loss"][-1]
    revealed = (predict.ask("backprop_numpy", "heldout", answers.heldout(held_out, figures["final_loss"]),
                                dict(num_iters=num_iters, lr=lr, **figures))
                & predict.ask("backprop_numpy", "baseline", figures["baseline"], dict(N=N, D_out=D_out)))
    learned = st.expander(_("What it learned, and the held-out curve"), expanded=revealed)
    learned.markdown(fill(text["What this network really learned"], **shown))
    baseline = figures["baseline"]
    ui.chart(charts.loss_figure({_("training batch"): result.losses, _("held-out batch"): result.values[
        "held-out loss"]}, title=_("Training versus held-out loss"), diverged_at=result.diverged_at,
        reference=(_("predict 0: about {baseline:.0f}").format(baseline=baseline), baseline)), key="bp_heldout",
        where=learned)

    st.header(text.title("When the learning rate is too large"))
    st.markdown(fill(text["When the learning rate is too large"], **shown))

write_it.show("backprop_numpy")
