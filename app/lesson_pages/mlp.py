"""Lesson 7: a multilayer perceptron on FashionMNIST, from scratch and concise, trained live on the device."""

import functools

import streamlit as st
import torch

import history
import live_training as live
import predict
import runner
import session
import ui
import write_it
from core import jobs, mlp, training
from core.i18n import N_, _
from core.mlp import checkpoints as answers
from core.mlp import costs
from core.mlp import jobs as drift_jobs

text = ui.lesson_intro("mlp", jump_to_train=True)

device = ui.require_device()
dataset = live.data(device)

settings = ui.lesson_controls("mlp")
presets = settings.table.presets
for col, name in zip(st.columns(len(presets) + 2), presets):
    col.button(_("Preset: {name}").format(name=_(name)), on_click=settings.set, args=(presets[name],),
               key=f"preset_{name}")
chosen = settings.draw(st.columns(4) + st.columns(4))
lr, num_hiddens, activation, optimizer = chosen.lr, chosen.num_hiddens, chosen.activation, chosen.optimizer
batch_size, num_epochs, cosine, versions = chosen.batch_size, chosen.num_epochs, chosen.cosine, chosen.versions
seed = ui.seed()
run_settings = live.run_settings(settings, device)  # what Train runs with: the controls', the seed, the device

build = functools.partial(mlp.mlp, num_hiddens=num_hiddens, activation=activation, seed=seed)

left, right = st.columns([2, 3])
with left:
    ui.chart(mlp.activation_figure(activation), key="mlp_activation_chart")
    st.markdown(text["Activations"])
with right:
    ui.show_source(mlp.MLPScratch, mlp.ACTIVATIONS[activation][0],
                   mlp.ACTIVATIONS[activation][1], mlp.mlp, training.make_optimizer,
                   training.SGDByHand, jobs.train_fashion, training.train_versions, training.train_epochs,
                   height=420, calls=[ui.call_text(jobs.train_fashion, "progress", **live.job_kwargs(
                       run_settings, build)).replace("'progress'", "progress")])

predict.ask("mlp", "num_params", answers.num_params(num_hiddens, seed), dict(num_hiddens=num_hiddens))
if not versions:
    st.warning(_("Choose at least one version to train."))
else:
    run = live.train_controls(settings, run_settings, build,
        costs.mlp_training(num_hiddens, batch_size, num_epochs, len(versions)))
    predict.ask("mlp", "sigmoid_relu", answers.sigmoid_relu(history.of("mlp").runs, run_settings), pending=_(
        "The verdict comes once a sigmoid run and a relu run have finished at least 3 epochs each, with the other "
        "settings as now: train both."), context={k: v for k, v in run_settings.items() if k != "activation"})
    predict.ask("mlp", "test_acc", answers.test_acc(run.histories, versions[0])
                    if live.finished(run, run_settings) else None, dict(version=versions[0], num_epochs=num_epochs),
                    pending=_("Press **Train**: the verdict comes when a run with these settings finishes."),
                    context=run_settings)
    if run is not None:
        live.show_results("mlp", run, run_settings, dataset, lambda model: (
            _("What the first 20 hidden units respond to"), model.input_weights()[:, :20],
            [_("unit {i}").format(i=i) for i in range(20)]))
history.show("mlp", settings)

# ---- the tutorial's lr 100, divided by the batch size ----------------------------------------------------
st.header(text.title("The tutorial's learning rate of 100"))
st.markdown(text["The tutorial's learning rate of 100"])
X, y = mlp.first_batch(dataset, batch_size, seed)
step = mlp.compare_tutorial_step(X, y, mlp.TUTORIAL_LR, num_hiddens, activation, seed)
verdict = answers.tutorial_step(step.largest_difference, step.largest_update)  # in English, shown translated
revealed = predict.ask("mlp", "tutorial_step", verdict, dict(batch_size=step.batch_size, plain_lr=step.plain_lr))
left, right = st.columns([2, 3])
with left, st.expander(_("The two updates, measured"), expanded=revealed):
    st.table([{_("update"): _("tutorial: p -= {lr:g} * p.grad / {batch_size}").format(lr=step.lr,
                                                                                       batch_size=step.batch_size),
               _("largest change of a weight"): f"{step.largest_update:.3e}"},
              {_("update"): _("plain SGD: p -= {lr:g} * p.grad").format(lr=step.plain_lr),
               _("largest change of a weight"): f"{step.largest_plain_update:.3e}"}], hide_index=True)
    st.metric(_("largest difference between the two results"), f"{step.largest_difference:.1e}")
    st.caption(_("One batch of {batch_size} images (mean loss {loss:.4f}), {num_hiddens} {activation} units, weights "
                 "of seed {seed}, in float64: {verdict}. With learning rate {lr:g} and no division the changes "
                 "would be {batch_size} times larger.").format(
        batch_size=step.batch_size, loss=step.loss, num_hiddens=num_hiddens, activation=activation, seed=seed,
        verdict=_(verdict), lr=step.lr))
with right:
    ui.show_source(mlp.tutorial_sgd_step, mlp.compare_tutorial_step, mlp.first_batch, height=360, calls=[
        "X, y = " + ui.call_text(mlp.first_batch, "data", batch_size, seed).replace("'data'", "data"),
        ui.call_text(mlp.compare_tutorial_step, "X", "y", mlp.TUTORIAL_LR, num_hiddens, activation, seed)
        .replace("'X', 'y'", "X, y")])

# ---- scratch against concise, float32 against float64 --------------------------------------------------
st.header(text.title("Why scratch and concise drift apart"))
st.markdown(text["Why scratch and concise drift apart"])
drift_settings = dict(num_hiddens=num_hiddens, activation=activation, optimizer=optimizer, lr=lr,
                      batch_size=batch_size, num_epochs=min(num_epochs, mlp.DRIFT_MAX_EPOCHS), seed=seed,
                      cosine=cosine)
drift_work = costs.drift_training(num_hiddens, batch_size, drift_settings["num_epochs"])
button, cost = st.columns([1, 3], vertical_alignment="center")
with cost:
    affordable = runner.cost("mlp_drift", drift_work, lambda fits: _(
        "Raise the batch size, or lower the hidden units or the epochs."))
pressed = button.button(_("Measure the drift"), key="mlp_drift_measure", disabled=not affordable,
                        help=_("Trains four small runs on the CPU: scratch and concise, in float32 and in float64."))
drift = runner.run(runner.Task(
    "mlp_drift", "mlp_drift", _("Measure the drift"), drift_jobs.measure_drift,
    (dict(measure=mlp.version_drift, kwargs=drift_settings, data_dir=live.data_dir() or None),), drift_work,
    steps=2 * drift_settings["num_epochs"], reports=True, doing=_("Training both versions in float32 and in float64…"),
    failed=N_("The measurement failed: {reason}."),
    stop_help=N_("Stops after the current epoch; a precision left unfinished is not shown.")), start=pressed)
if isinstance(drift, runner.Done):
    if len(drift.results[0]) < len(drift_jobs.DRIFT_PRECISIONS):
        st.info(_("The measurement was stopped before both precisions had finished: nothing to compare."))
    else:
        session.learner().drift = drift.each[0]["kwargs"], drift.results[0]
measured = session.learner().drift
if measured is not None:
    shown, drifts = measured
    if shown != drift_settings:
        st.info(_("Measured with {changed}; the controls have changed since: press **Measure the drift** again.")
                .format(changed=", ".join(f"{k} = {v}" for k, v in shown.items() if drift_settings[k] != v)))
    left, right = st.columns([3, 2])
    ui.chart(mlp.drift_figure(drifts), key="mlp_drift_chart", where=left)
    with right:
        epochs = len(drifts["float32"].weight_gap) - 1
        st.dataframe([{_("precision"): name, _("epoch"): e, **{_(gap): f"{values[e]:.1e}" for gap, values in
                                                          drift.gaps()}}
                      for name, drift in drifts.items() for e in range(len(drift.loss))], hide_index=True)
        for name, drift in drifts.items():
            ui.report_divergence(_("The {precision} run").format(precision=name), drift.curves())
        st.caption(_("Before training the weights are identical, yet the logits already differ by {logit32:.1e} in "
                     "float32 and {logit64:.1e} in float64: the two forward passes round differently. After {epochs} "
                     "epochs the weights differ by {weight32:.1e} in float32 and {weight64:.1e} in float64.").format(
            logit32=drifts["float32"].logit_gap[0], logit64=drifts["float64"].logit_gap[0], epochs=epochs,
            weight32=drifts["float32"].weight_gap[-1], weight64=drifts["float64"].weight_gap[-1]))
    ui.show_source(mlp.version_drift, mlp.weights, mlp.drift_figure, drift_jobs.measure_drift, height=360,
                   calls=[ui.call_text(mlp.version_drift, "data", dtype, **shown).replace("'data'", "data")
                          for dtype in (torch.float32, torch.float64)])

write_it.show("mlp", dataset)
