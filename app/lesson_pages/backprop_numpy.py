"""Lesson 1: a two-layer network trained by hand-written backprop in NumPy, with a live gradient check."""

import math
import time

import streamlit as st
import torch

import history
import ui
from core import charts
from core.backprop_numpy import gradcheck
from core.backprop_numpy import network as bp
from core.curves import Curves

BIG_RUN = 64 * 1000 * 100 * 500 * 4  # N * D_in * H * iterations above which a progress bar is worth showing

text = ui.lesson_intro("backprop_numpy")

# ---- controls -------------------------------------------------------------------------------------------
settings = ui.lesson_controls("backprop_numpy")
cols = st.columns(6)
N, D_in, H, D_out, num_iters, lr = (settings.widget(name, col) for name, col in
                                    zip(("N", "D_in", "H", "D_out", "num_iters", "lr"), cols))
seed = ui.seed()
st.caption(f"Seed {seed} (sidebar). NumPy computes on the CPU in float64 whatever device is chosen.")


@st.cache_data(max_entries=32, show_spinner=False)
def run_training(N: int, D_in: int, H: int, D_out: int, lr: float, num_iters: int, seed: int,
                 _on_iteration=None) -> Curves:
    return bp.train(N, D_in, H, D_out, lr, num_iters, seed, on_iteration=_on_iteration)


on_iteration = None
if N * D_in * H * num_iters > BIG_RUN:
    bar = st.progress(0.0, text="Training…")
    on_iteration = lambda t: bar.progress((t + 1) / num_iters, text=f"Training… iteration {t + 1} of {num_iters}")  # noqa: E731
started = time.perf_counter()
result = run_training(N, D_in, H, D_out, lr, num_iters, seed, _on_iteration=on_iteration)
history.record("backprop_numpy", settings, {"training": result}, time.perf_counter() - started, "cpu")
if on_iteration is not None:
    bar.empty()

# ---- training result beside its code --------------------------------------------------------------------
st.header("Training")
ui.report_divergence("Training", result)
left, right = st.columns([5, 6])
with left:
    st.plotly_chart(charts.loss_figure({"training loss": result.losses}, title="Training loss (log scale)",
                                       diverged_at=result.diverged_at), key="bp_loss")
    m = st.columns(3)
    if result.losses:
        m[0].metric("first loss", f"{result.losses[0]:.3g}")
        m[1].metric("final loss", f"{result.losses[-1]:.3g}")
        if result.losses[-1] > 0:
            m[2].metric("orders of magnitude", f"{math.log10(result.losses[0] / result.losses[-1]):.1f}")
with right:
    ui.show_source(bp.train, bp.forward, bp.backward, calls=[ui.call_text(
        bp.train, N=N, D_in=D_in, H=H, D_out=D_out, lr=lr, num_iters=num_iters, seed=seed)])
history.show("backprop_numpy", settings)

st.subheader("Every array, and its shape")
st.table(
    [{"array": name, "shape": " × ".join(map(str, shape)), "what it is": meaning}
     for name, shape, meaning in bp.tensor_shapes(N, D_in, H, D_out)],
    hide_index=True)

st.header("Deriving the backward pass")
st.markdown(text["Deriving the backward pass"])

# ---- gradient check -------------------------------------------------------------------------------------
st.header("Checking the gradients")
st.markdown(text["Checking the gradients"])
broken = settings.widget("broken")
device = ui.device()
if device is not None:
    if device.type == "mps":  # Apple's Metal backend has no float64
        st.info("MPS has no float64, so the autograd reference runs on the CPU.")
        device = torch.device("cpu")
    check = gradcheck.check_gradients(N, D_in, H, D_out, seed, mask_relu=not broken, device=device)
    if check.passed:
        st.success("**Gradient check passed**: the hand-written gradients match both references.")
    else:
        st.error("**Gradient check failed**: the hand-written gradients disagree with the references.")
    left, right = st.columns(2)
    with left:
        g = st.columns(2)
        g[0].plotly_chart(charts.error_bars_figure(check.autograd_error, gradcheck.AUTOGRAD_TOL,
                                                   f"vs autograd, float64 on {check.device}"), key="bp_autograd")
        g[1].plotly_chart(charts.error_bars_figure(check.finite_diff_error, gradcheck.FINITE_DIFF_TOL,
                                                   f"vs finite differences, {check.num_samples} entries each"),
                          key="bp_finite_diff")
    with right:
        ui.show_source(gradcheck.check_gradients, gradcheck.autograd_gradients, gradcheck.finite_difference,
                       gradcheck.relative_error, height=360)

# ---- the honest note ------------------------------------------------------------------------------------
st.header("What this network really learned")
st.markdown(text["What this network really learned"])
baseline = N * D_out  # expected loss of predicting 0 for standard-normal targets: N * D_out * E[y^2]
st.plotly_chart(charts.loss_figure({"training batch": result.losses, "held-out batch": result.values["held-out loss"]},
                                   title="Training versus held-out loss", diverged_at=result.diverged_at,
                                   reference=(f"predict 0: about {baseline}", baseline)), key="bp_heldout")

st.header("When the learning rate is too large")
st.markdown(text["When the learning rate is too large"])
