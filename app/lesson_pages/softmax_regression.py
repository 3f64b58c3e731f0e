"""Lesson 6: softmax regression on FashionMNIST: the data, the derivation, the tutorial's bug, live training."""

import functools
import math

import streamlit as st

import history
import live_training as live
import predict
import runner
import session
import ui
import write_it
from core import classifier, fashion_mnist, jobs, training
from core import softmax_regression as sr
from core.i18n import _
from core.softmax_regression import checkpoints as answers
from core.softmax_regression import costs, data, derivation, tutorial

text = ui.lesson_intro("softmax_regression", jump_to_train=True)
settings = ui.lesson_controls("softmax_regression")
device = ui.require_device()
seed = ui.seed()

st.header(text.title("The data before the model"))
st.markdown(text["The data before the model"])
dataset = live.data(device)
user_dir = live.data_dir()  # the directory live.data read
root = str(fashion_mnist.find_root(user_dir or None, download=False)[0])  # its files, not the field's text
ui.chart(data.examples_figure(dataset), key="sm_examples")
# what depends only on the files and the device is computed once and kept, by the runner
read = runner.run(runner.Task("sm_to_tensor", "softmax_data", _("One image through torchvision"),
                              data.to_tensor_example, (dict(root=root),), costs.reading_images(1),
                              doing=_("Reading one image through torchvision…")))
ex = read.results[0] if isinstance(read, runner.Done) else None  # else the runner said why
if ex is not None:
    (w, h), (row, column), label = ex.pil_size, ex.pixel_at, ex.label
    st.markdown(_("The first training image, labelled **{label}**: torchvision gives a PIL image of {w} × {h} "
                  "pixels in mode `{mode}` (8-bit grey), whose pixel at row {row}, column {column} is **{before}**. "
                  "After `ToTensor` it is a `{dtype}` tensor of shape `{shape}`, that pixel is **{after:.4f}** = "
                  "{before} / 255, and `reshape(-1)` makes it a vector of shape `{flat}`.").format(
        label=_(label), w=w, h=h, mode=ex.pil_mode, row=row, column=column, before=ex.pixel_before, dtype=ex.dtype,
        shape=ex.tensor_shape, after=ex.pixel_after, flat=ex.flattened_shape))
ui.show_source(data.to_tensor_example, data.examples_figure, data.class_examples, height=260)

st.subheader(text.title("Loading image by image"))
st.markdown(text["Loading image by image"])
timed = runner.run(runner.Task("sm_loading", "softmax_data", _("Timing a DataLoader"), data.timed_loading,
                               (dict(data_dir=user_dir or None, device=str(device)),), costs.reading_images(2000),
                               doing=_("Timing a DataLoader…")))
if isinstance(timed, runner.Done):  # else the runner said why
    times = timed.results[0]
    epoch = len(dataset.train_labels) / times.images  # how many such slices make an epoch
    st.markdown(_("{images:,} training images in shuffled batches of {batch_size}, brought to **{device}**:\n"
                  "- `DataLoader` with `ToTensor`, one image at a time: **{dataloader:.3f} s** "
                  "(about {per_epoch:.1f} s per epoch of {train:,} images at that rate);\n"
                  "- batches sliced from the preloaded tensor: **{preloaded:.2f} ms**.\n\n"
                  "Slicing was **{ratio:,.0f} times** faster here.").format(
        images=times.images, batch_size=times.batch_size, device=device, dataloader=times.dataloader,
        per_epoch=times.dataloader * epoch, train=len(dataset.train_labels), preloaded=times.preloaded * 1000,
        ratio=times.ratio))
    st.caption(_("Measured on this machine the first time the page ran with these files and this device, then kept."))
ui.show_source(data.loading_times, data.timed_loading, height=300)

st.header(text.title("Softmax and cross-entropy, step by step"))
st.markdown(text["Softmax and cross-entropy, step by step"])
for heading in (h for h in text if h.startswith("Step ")):
    with st.expander(text.title(heading)):
        st.markdown(text[heading])
st.subheader(text.title("Checked against autograd"))
st.markdown(text["Checked against autograd"])
st.table([{_("result"): _(name), _("largest |code − autograd|"): f"{gap:.1e}"}
          for name, gap in derivation.derivation_checks(seed).items()], hide_index=True)
ui.show_source(derivation.derivation_checks, sr.softmax_cross_entropy_grad, derivation.trace_cross_entropy,
               derivation.one_hot, derivation.sigmoid, derivation.sigmoid_grad, height=300)

st.header(text.title("The tutorial's softmax"))
st.markdown(text["The tutorial's softmax"])
left, right = st.columns(2)
with left:
    ui.show_source(sr.softmax, height=240)
with right:
    ui.show_source(tutorial.tutorial_softmax, height=240)
with st.expander(text.title("The answer")):
    st.markdown(text["The answer"])
losses = tutorial.first_batch_losses(dataset, seed)
first = st.expander(_("Both softmaxes on the first batch"), expanded=predict.ask(
    "softmax_regression", "first_loss", losses["softmax"].mean_loss))
first.markdown(_("Both on the first 256 training images a run with seed {seed} draws, with that run's initial "
                 "weights:").format(seed=seed))
rows = {name: dict(found.rows()) for name, found in losses.items()}
first.table([{"": _(quantity), **{f"{name}()": f"{values[quantity]:.4f}" for name, values in rows.items()}}
             for quantity in rows["softmax"]], hide_index=True)
st.caption(_("For comparison: ln 10 = {ln_10:.4f}, ln 2560 = {ln_2560:.4f}, 1/256 = {inverse:.4f}.").format(
    ln_10=math.log(10), ln_2560=math.log(2560), inverse=1 / 256))
if st.button(_("Run the tutorial's loop for one epoch"), key="sm_tutorial_start", icon=":material/play_arrow:"):
    session.learner().tutorial_shown = True
ran = None
if session.learner().tutorial_shown:  # in the pool when the server is slow (a minute on a busy one)
    root = str(fashion_mnist.find_root(user_dir or None, download=False)[0])  # the files, not the field's text
    ran = runner.run(runner.Task(
        "sm_tutorial", "softmax_tutorial", _("Run the tutorial's loop for one epoch"), tutorial.tutorial_epoch,
        (dict(data_dir=root, device=str(device), seed=seed),), costs.fashion_training(None, 256, 1),
        doing=_("Training as the tutorial does, for one epoch…")))
if isinstance(ran, runner.Done):
    bugged = ran.results[0]
    m, split = bugged.epoch_values["last batch size"][-1], bugged.outputs["last batch"]
    correct, m_ln_m, gap = split.correct, split.m_ln_m, split.gap
    st.markdown(_("With the tutorial's settings (learning rate 0.1, batches of 256) and seed {seed}, one epoch: it "
                  "prints **{printed:.1f}**, the summed loss of the epoch's last batch of **{m}** images, and reaches "
                  "a test accuracy of {acc:.4f}. That batch's loss, recomputed in float64, and its parts:").format(
        seed=seed, printed=bugged.epoch_values["printed loss"][-1], m=m, acc=bugged.epoch_values["test acc"][-1]))
    st.table([{"": _(part), _("value"): f"{value:.2f}"} for part, value in split.parts()], hide_index=True)
    st.caption(_("{correct:.2f} + {m_ln_m:.2f} + {gap:.2f} = {total:.2f}. With a correct softmax, the same weights "
                 "give these {m} images a loss of {per_image:.3f} per image.").format(
        correct=correct, m_ln_m=m_ln_m, gap=gap, total=correct + m_ln_m + gap, m=m, per_image=correct / m))
ui.show_source(tutorial.tutorial_epoch, tutorial.tutorial_run, tutorial.tutorial_cross_loss, tutorial.loss_split,
               tutorial.first_batch_losses,
               height=360)

st.header(text.title("Why frameworks fuse softmax into the loss"))
st.markdown(text["Why frameworks fuse softmax into the loss"])
scale = settings.widget("scale")
overflow = sr.overflow_demo(scale)
naive, right = overflow.naive, overflow.log_sum_exp
st.expander(_("The cross-entropy three ways"), expanded=predict.ask(
    "softmax_regression", "overflow", answers.overflow(naive, right),
    dict(scale=scale, exp_max=overflow.exp_max))).table(
    [{_("quantity"): _(k), _("value"): f"{v:.6g}"} for k, v in overflow.rows()], hide_index=True)
ui.show_source(sr.overflow_demo, sr.naive_softmax, sr.softmax, height=300)

st.header(text.title("Training"))
st.markdown(text["Training"])
presets = settings.table.presets
for col, name in zip(st.columns(len(presets) + 1), presets):
    col.button(_("Preset: {name}").format(name=_(name)), on_click=settings.set, args=(presets[name],),
               key=f"sm_preset_{name}")
chosen = settings.draw(st.columns(4), ("lr", "batch_size", "num_epochs", "versions"))
lr, batch_size, num_epochs, versions = chosen.lr, chosen.batch_size, chosen.num_epochs, chosen.versions
run_settings = live.run_settings(settings, device, optimizer="SGD")  # the tutorial's plain SGD, always

build = functools.partial(sr.softmax_regression, seed=seed)
left, right = st.columns(2)
with left:
    st.markdown(_("**From scratch**: forward, loss, gradients and SGD step by hand"))
    ui.show_source(sr.SoftmaxScratch, sr.softmax_cross_entropy_grad, sr.cross_entropy,
                   training.SGDByHand, height=360)
with right:
    st.markdown(_("**Concise**: `nn.Linear`, `F.cross_entropy`, `optim.SGD`; the shared loop"))
    ui.show_source(classifier.Concise, sr.softmax_regression, training.make_optimizer, jobs.train_fashion,
                   training.train_versions, training.train_epochs, height=360, calls=[ui.call_text(
                       jobs.train_fashion, "progress", **live.job_kwargs(run_settings, build)
                   ).replace("'progress'", "progress")])

if not versions:
    st.warning(_("Choose at least one version to train."))
    st.stop()
run = live.train_controls(settings, run_settings, build,
                          costs.fashion_training(None, batch_size, num_epochs, len(versions)))
counts = live.finished_confusion(run, run_settings, dataset)
predict.ask("softmax_regression", "confused_pair", answers.confused_pair(counts), pending=_(
    "Press **Train**: the verdict comes when a run with the settings above finishes."), context=run_settings)
if run is not None:
    live.show_results("sm", run, run_settings, dataset, lambda model: (
        _("What each class's weights look for (red: pixel votes for the class, blue: against)"),
        model.input_weights(), fashion_mnist.class_names()))
history.show("softmax_regression", settings)

write_it.show("softmax_regression", dataset)
