"""Lesson 7: a multilayer perceptron on FashionMNIST, from scratch and concise, trained live on the device."""

import streamlit as st

import live_training as live
import ui
from core import mlp, training

WIDGETS = dict(lr="mlp_lr", num_hiddens="mlp_hidden", activation="mlp_act", optimizer="mlp_opt",
               batch_size="mlp_batch", num_epochs="mlp_epochs", cosine="mlp_cosine")  # setting -> widget key
for setting, value in training.MLP_PRESETS["good defaults"].items():
    st.session_state.setdefault(WIDGETS[setting], value)


def apply_preset(name: str) -> None:
    st.session_state.update({WIDGETS[k]: v for k, v in training.MLP_PRESETS[name].items()})


text = ui.lesson_intro("mlp")

device = ui.require_device()
dataset = live.data(device)

preset_cols = st.columns(len(training.MLP_PRESETS) + 2)
for col, name in zip(preset_cols, training.MLP_PRESETS):
    col.button(f"Preset: {name}", on_click=apply_preset, args=(name,), key=f"preset_{name}")
cols = st.columns(4)
lr = ui.lr_slider("learning rate", training.MLP_PRESETS["good defaults"]["lr"], key="mlp_lr", container=cols[0])
num_hiddens = cols[1].select_slider("hidden units", [16, 32, 64, 128, 256, 512, 1024], key="mlp_hidden")
activation = cols[2].selectbox("activation", list(mlp.ACTIVATIONS), key="mlp_act")
optimizer = cols[3].selectbox("optimizer", list(training.OPTIMIZERS), key="mlp_opt")
cols = st.columns(4)
batch_size = cols[0].select_slider("batch size", [16, 32, 64, 128, 256, 512, 1024], key="mlp_batch")
num_epochs = cols[1].number_input("epochs", min_value=1, max_value=50, key="mlp_epochs")
cosine = cols[2].toggle("cosine learning-rate decay", key="mlp_cosine")
versions = cols[3].multiselect("versions", ["scratch", "concise"], default=["scratch"], key="mlp_versions")
settings = dict(versions=versions, optimizer=optimizer, lr=lr, batch_size=batch_size, num_epochs=num_epochs,
                cosine=cosine, num_hiddens=num_hiddens, activation=activation, seed=ui.seed(), device=str(device))

left, right = st.columns([2, 3])
with left:
    st.plotly_chart(mlp.activation_figure(activation), key="mlp_activation")
    st.markdown(text["Activations"])
with right:
    ui.show_source(mlp.MLPScratch, mlp.ACTIVATIONS[activation][0],
                   mlp.ACTIVATIONS[activation][1], mlp.mlp, training.make_optimizer,
                   training.SGDByHand, training.train_epochs, height=420)

if not versions:
    st.warning("Choose at least one version to train.")
    st.stop()
run = live.train_controls(
    "mlp", settings, lambda v: mlp.mlp(v, num_hiddens, activation, settings["seed"], device), dataset)
if run is not None:
    live.show_results("mlp", run, dataset, lambda model: (
        "What the first 20 hidden units respond to", model.input_weights()[:, :20], [f"unit {i}" for i in range(20)]))
