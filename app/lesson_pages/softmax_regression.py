"""Lesson 6: softmax regression on FashionMNIST, from scratch and concise, trained live."""

import streamlit as st

import live_training as live
import ui
from core import classifier, training
from core import softmax_regression as sr
from core.fashion_mnist import CLASSES

text = ui.lesson_intro("softmax_regression")

st.header("Why frameworks fuse softmax into the loss")
st.markdown(text["Why frameworks fuse softmax into the loss"])
scale = st.select_slider("Multiply the logits [1, 2, 3] by", [1, 10, 30, 50, 100, 1000], value=50, key="sm_scale")
st.table([{"quantity": k, "value": f"{v:.6g}"} for k, v in sr.overflow_demo(scale).items()], hide_index=True)
ui.show_source(sr.overflow_demo, sr.naive_softmax, sr.softmax, height=300)

st.header("Training")
device = ui.require_device()
dataset = live.data(device)
cols = st.columns(4)
lr = ui.lr_slider("learning rate", 0.1, key="sm_lr", container=cols[0])
batch_size = cols[1].select_slider("batch size", [16, 32, 64, 128, 256, 512, 1024], value=256, key="sm_batch")
num_epochs = cols[2].number_input("epochs", min_value=1, max_value=50, value=5, key="sm_epochs")
versions = cols[3].multiselect("versions", ["scratch", "concise"], default=["scratch", "concise"], key="sm_versions")
settings = dict(versions=versions, optimizer="SGD", lr=lr, batch_size=batch_size, num_epochs=num_epochs,
                seed=ui.seed(), device=str(device))

left, right = st.columns(2)
with left:
    st.markdown("**From scratch**: forward, loss, gradients and SGD step by hand")
    ui.show_source(sr.SoftmaxScratch, sr.softmax_cross_entropy_grad, sr.cross_entropy,
                   training.SGDByHand, height=360)
with right:
    st.markdown("**Concise**: `nn.Linear`, `F.cross_entropy`, `optim.SGD`; the shared loop")
    ui.show_source(classifier.Concise, sr.softmax_regression, training.make_optimizer,
                   training.train_epochs, height=360)

if not versions:
    st.warning("Choose at least one version to train.")
    st.stop()
run = live.train_controls("sm", settings, lambda v: sr.softmax_regression(v, settings["seed"], device),
                          dataset)
if run is not None:
    live.show_results("sm", run, dataset, lambda model: (
        "What each class's weights look for (red: pixel votes for the class, blue: against)",
        model.input_weights(), CLASSES))
