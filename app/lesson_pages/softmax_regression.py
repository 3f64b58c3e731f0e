"""Lesson 6: softmax regression on FashionMNIST, from scratch and concise, trained live."""

import streamlit as st

import history
import live_training as live
import ui
from core import classifier, training
from core import softmax_regression as sr
from core.fashion_mnist import CLASSES

text = ui.lesson_intro("softmax_regression")

st.header("Why frameworks fuse softmax into the loss")
st.markdown(text["Why frameworks fuse softmax into the loss"])
settings = ui.lesson_controls("softmax_regression")
scale = settings.widget("scale")
st.table([{"quantity": k, "value": f"{v:.6g}"} for k, v in sr.overflow_demo(scale).items()], hide_index=True)
ui.show_source(sr.overflow_demo, sr.naive_softmax, sr.softmax, height=300)

st.header("Training")
device = ui.require_device()
dataset = live.data(device)
lr, batch_size, num_epochs, versions = (settings.widget(name, col) for name, col in
                                        zip(("lr", "batch_size", "num_epochs", "versions"), st.columns(4)))
run_settings = dict(versions=versions, optimizer="SGD", lr=lr, batch_size=batch_size, num_epochs=num_epochs,
                seed=ui.seed(), device=str(device))

left, right = st.columns(2)
with left:
    st.markdown("**From scratch**: forward, loss, gradients and SGD step by hand")
    ui.show_source(sr.SoftmaxScratch, sr.softmax_cross_entropy_grad, sr.cross_entropy,
                   training.SGDByHand, height=360)
with right:
    st.markdown("**Concise**: `nn.Linear`, `F.cross_entropy`, `optim.SGD`; the shared loop")
    ui.show_source(classifier.Concise, sr.softmax_regression, training.make_optimizer,
                   training.train_epochs, height=360, calls=[ui.call_text(
                       training.train_epochs, "model", "data", "SGD", lr, batch_size, num_epochs, ui.seed()
                   ).replace("'model', 'data'", "model, data")])

if not versions:
    st.warning("Choose at least one version to train.")
    st.stop()
run = live.train_controls(settings, run_settings, lambda v: sr.softmax_regression(v, run_settings["seed"], device),
                          dataset)
if run is not None:
    live.show_results("sm", run, run_settings, dataset, lambda model: (
        "What each class's weights look for (red: pixel votes for the class, blue: against)",
        model.input_weights(), CLASSES))
history.show("softmax_regression", settings)
