"""Lesson 7: a multilayer perceptron on FashionMNIST, from scratch and concise, trained live on the device."""

import streamlit as st

import history
import live_training as live
import ui
from core import mlp, training

text = ui.lesson_intro("mlp")

device = ui.require_device()
dataset = live.data(device)

settings = ui.lesson_controls("mlp")
presets = settings.table.presets
for col, name in zip(st.columns(len(presets) + 2), presets):
    col.button(f"Preset: {name}", on_click=settings.set, args=(presets[name],), key=f"preset_{name}")
lr, num_hiddens, activation, optimizer, batch_size, num_epochs, cosine, versions = (
    settings.widget(name, col) for name, col in zip(settings.table.names, st.columns(4) + st.columns(4)))
run_settings = dict(versions=versions, optimizer=optimizer, lr=lr, batch_size=batch_size, num_epochs=num_epochs,
                cosine=cosine, num_hiddens=num_hiddens, activation=activation, seed=ui.seed(), device=str(device))

left, right = st.columns([2, 3])
with left:
    st.plotly_chart(mlp.activation_figure(activation), key="mlp_activation_chart")
    st.markdown(text["Activations"])
with right:
    ui.show_source(mlp.MLPScratch, mlp.ACTIVATIONS[activation][0],
                   mlp.ACTIVATIONS[activation][1], mlp.mlp, training.make_optimizer,
                   training.SGDByHand, training.train_epochs, height=420, calls=[
                       "model = " + ui.call_text(mlp.mlp, versions[0] if versions else "scratch", num_hiddens,
                                                 activation, ui.seed()),
                       ui.call_text(training.train_epochs, "model", "data", optimizer, lr, batch_size, num_epochs,
                                    ui.seed(), cosine).replace("'model', 'data'", "model, data")])

if not versions:
    st.warning("Choose at least one version to train.")
    st.stop()
run = live.train_controls(
    settings, run_settings, lambda v: mlp.mlp(v, num_hiddens, activation, run_settings["seed"], device), dataset)
if run is not None:
    live.show_results("mlp", run, run_settings, dataset, lambda model: (
        "What the first 20 hidden units respond to", model.input_weights()[:, :20], [f"unit {i}" for i in range(20)]))
history.show("mlp", settings)
