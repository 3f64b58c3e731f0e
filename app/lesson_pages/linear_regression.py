"""Lesson 5: linear regression on synthetic data, from scratch and concise, side by side."""

import streamlit as st

import ui
from core import charts
from core import linear_regression as lr_core

text = ui.lesson_intro("linear_regression")

cols = st.columns(4)
w1 = cols[0].number_input("true w₁", value=2.0, step=0.1, key="lr_w1")
w2 = cols[1].number_input("true w₂", value=3.4, step=0.1, key="lr_w2")
b = cols[2].number_input("true b", value=4.2, step=0.1, key="lr_b")
noise = cols[3].number_input("noise σ", min_value=0.0, max_value=10.0, value=0.01, step=0.01, format="%.3f",
                             key="lr_noise")
cols = st.columns(4)
n = cols[0].number_input("examples", min_value=10, max_value=20000, value=1000, step=100, key="lr_n")
batch_size = cols[1].number_input("batch size", min_value=1, max_value=1000, value=10, key="lr_batch")
lr = ui.lr_slider("learning rate", 0.03, key="lr_lr", container=cols[2])
num_epochs = cols[3].number_input("epochs", min_value=1, max_value=50, value=3, key="lr_epochs")
seed = ui.seed()

X, y = lr_core.make_data([w1, w2], b, noise, n, seed)
fits = {"from scratch": lr_core.train_scratch(X, y, lr, batch_size, num_epochs, seed),
        "concise": lr_core.train_concise(X, y, lr, batch_size, num_epochs, seed)}
for name, fit in fits.items():
    ui.report_divergence(name, fit)

st.header("Learned versus true")
learned = {k: [*f.outputs["w"], f.outputs["b"]] for k, f in fits.items()}
st.table([{"parameter": name, "true": truth, **{k: values[i] for k, values in learned.items()}}
          for i, (name, truth) in enumerate((("w₁", w1), ("w₂", w2), ("b", b)))], hide_index=True)
worst = max(abs(v - t) for values in learned.values() for v, t in zip(values, (w1, w2, b)))
(st.success if worst <= 0.01 else st.warning)(f"Largest error of any learned parameter: **{worst:.4f}**"
                                              + (" (within 0.01 of the truth)" if worst <= 0.01 else ""))

left, right = st.columns(2)
with left:
    st.plotly_chart(lr_core.plane_figure(X, y, fits["concise"]), key="lr_plane")
with right:
    st.plotly_chart(charts.loss_figure({k: f.losses for k, f in fits.items()}, title="Mean squared error, whole data",
                                       x_title="epoch"), key="lr_loss")

st.header("The two versions")
st.markdown(text["The two versions"])
left, right = st.columns(2)
with left:
    st.markdown("**From scratch**")
    ui.show_source(lr_core.train_scratch, lr_core.data_iter, lr_core.squared_loss, lr_core.sgd)
with right:
    st.markdown("**Concise**")
    ui.show_source(lr_core.train_concise)
