"""Lesson 3: the network with torch.nn, two ways, and why initialisation decides whether lr = 1e-6 learns."""

import time

import streamlit as st

import history
import ui
from core import charts
from core import torch_nn as nl
from core.curves import Curves

text = ui.lesson_intro("torch_nn")

device = ui.require_device()

settings = ui.lesson_controls("torch_nn")
lr, num_iters, H, normal_init = (settings.widget(name, col) for name, col in
                                 zip(("lr", "num_iters", "H", "normal_init"), st.columns(4)))
seed = ui.seed()
st.caption(f"Seed {seed}; N, D_in, D_out = 64, 1000, 10; float32 on **{device}**.")


@st.cache_data(max_entries=32, show_spinner=False)
def train(kind: str, H: int, lr: float, num_iters: int, seed: int, normal_init: bool, device: str) -> Curves:
    return nl.train(kind, H=H, lr=lr, num_iters=num_iters, seed=seed, normal_init=normal_init, device=device)


def run(kind: str, init: bool = normal_init) -> Curves:
    return train(kind, H, lr, num_iters, seed, init, str(device))


started = time.perf_counter()
runs = ui.run_each(["Sequential", "TwoLayerNet"], run)
history.record("torch_nn", settings, runs, time.perf_counter() - started, str(device))
for name, result in runs.items():
    ui.report_divergence(name, result)

# ---- Sequential and Module, side by side ---------------------------------------------------------------------
st.header("nn.Sequential and nn.Module")
left, right = st.columns([5, 6])
with left:
    st.plotly_chart(charts.loss_figure({k: r.losses for k, r in runs.items()}, title="Same weights, same losses?"),
                    key="nn_loss")
    seq, mod = runs["Sequential"].losses, runs["TwoLayerNet"].losses
    gap = max((abs(a - b) for a, b in zip(seq, mod)), default=0.0)
    m = st.columns(3)
    m[0].metric("first loss", f"{seq[0]:.2e}" if seq else "—")
    m[1].metric("final loss", f"{seq[-1]:.2e}" if seq else "—")
    m[2].metric("largest gap", f"{gap:.1e}", help="Largest difference between the two loss curves, step by step")
with right:
    ui.show_source(nl.make_sequential, nl.TwoLayerNet, nl.train_manual, nl.build, calls=[ui.call_text(
        nl.train, kind, H=H, lr=lr, num_iters=num_iters, seed=seed, normal_init=normal_init, device=str(device))
        for kind in runs])
history.show("torch_nn", settings)

# ---- initialisation --------------------------------------------------------------------------------------------
st.header("Why initialisation matters")
st.markdown(text["Why initialisation matters"])
both = {"nn.Linear default init": run("Sequential", False), "nn.init.normal_": run("Sequential", True)}
left, right = st.columns([5, 6])
with left:
    st.plotly_chart(charts.loss_figure({k: r.losses for k, r in both.items()},
                                       title=f"Same learning rate ({lr:.0e}), two initialisations"), key="nn_init")
with right:
    st.plotly_chart(nl.weights_histogram_figure(runs["Sequential"]), key="nn_hist")
    st.caption("The first layer of the run above, with the initialisation chosen by the toggle. With a small "
               "learning rate the 'after' histogram hides the 'before' one: training moved the weights very little.")

# ---- inside the model ------------------------------------------------------------------------------------------
st.header("Inside the model")
st.markdown(text["Inside the model"])
left, right = st.columns(2)
for column, kind in ((left, "Sequential"), (right, "TwoLayerNet")):
    model = nl.build(kind, 1000, H, 10, seed, normal_init, device)
    column.code(str(model), language="text")
    params = nl.parameter_table(model)
    column.table(params, hide_index=True)
    column.caption(f"{sum(p['count'] for p in params):,} parameters in all")
