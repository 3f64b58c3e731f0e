"""Lesson 4: torch.optim. An optimizer race, the loop behind step(), paths on 2-D surfaces, six points."""


import streamlit as st

import history
import predict
import runner
import ui
from core import charts
from core.curves import Curves
from core.i18n import _
from core.optimizers import OPTIMIZERS
from core.torch_optim import LR_NAMES, SURFACE_NAMES, costs, surfaces
from core.torch_optim import checkpoints as answers
from core.torch_optim import race as ol
from core.torch_optim import six_points as sp

text = ui.lesson_intro("torch_optim")
settings = ui.lesson_controls("torch_optim")

device = ui.require_device()
seed = ui.seed()

# ---- the race ---------------------------------------------------------------------------------------------------
st.header(text.title("The race"))
st.markdown(text["The race"])
top = st.columns([3, 2])
chosen = settings.widget("optimizers", top[0])
init = settings.widget("init", top[1], horizontal=True)
cols = st.columns(len(OPTIMIZERS) + 1)
lrs = {name: settings.widget(LR_NAMES[name], col) for col, name in zip(cols, OPTIMIZERS) if name in chosen}
num_iters = settings.widget("num_iters", cols[-1])
st.caption(_("Seed {seed}; N, D_in, H, D_out = 64, 1000, 100, 10; initial weights: {init}; float32 on **{device}**.")
           .format(seed=seed, init=_(ol.INITS[init]), device=device))


def lowest(run: Curves) -> tuple[str, int | None]:
    """The run's lowest loss, formatted, and the step it was reached at."""
    if not run.losses:
        return "—", None
    best = min(range(len(run.losses)), key=run.losses.__getitem__)
    return f"{run.losses[best]:.2g}", best


if not chosen:
    st.warning(_("Choose at least one optimizer for the race."))
else:
    raced = runner.run(runner.Task(  # each optimizer a race of its own: from the same start, on the same data
        "op_race", "torch_optim_race", _("The race"), ol.race,
        tuple(dict(lrs={name: lrs[name]}, init=init, num_iters=num_iters, seed=seed, device=str(device))
              for name in chosen), costs.race_training(len(chosen), num_iters), labels=tuple(chosen)))
    runs = {name: result[name] for name, result in zip(chosen, raced.results)} if isinstance(
        raced, runner.Done) else None
if chosen and runs is not None:
    history.record("torch_optim", settings, runs, raced.seconds, str(device))
    for name, run in runs.items():
        ui.report_divergence(name, run)
    revealed = predict.ask("torch_optim", "race_winner", answers.race_winner(runs),
                               dict(names=_(", ").join(chosen), num_iters=num_iters))  # "、" in Chinese
    left, right = st.columns([5, 6])
    with left:
        ui.chart(charts.loss_figure({n: r.losses for n, r in runs.items()}, title=_("Loss, same start")),
                        key="op_race")
        ui.chart(charts.loss_figure({n: r.values["mean |step|"] for n, r in runs.items()},
                                           title=_("Size of each step"), y_title=_("mean |Δw| per weight")),
                        key="op_race_steps")
    with right:
        right.expander(_("Each optimizer's losses"), expanded=revealed).dataframe([{
            _("optimizer"): n, "lr": f"{lrs[n]:.0e}", _("first loss"): f"{r.losses[0]:.4g}" if r.losses else "—",
            _("lowest loss"): lowest(r)[0], _("at step"): lowest(r)[1], _("final loss"): f"{r.losses[-1]:.3g}"
            if r.losses else "—", _("diverged at"): r.diverged_at,
            _("mean |Δw| over the run"): f"{r.outputs['moved']:.2g}" if "moved" in r.outputs else "—"}
            for n, r in runs.items()], hide_index=True)
        ui.show_source(ol.race, ol.start_model, ol.train_with, height=360, calls=[ui.call_text(
            ol.race, lrs, init=init, num_iters=num_iters, seed=seed, device=str(device))])
history.show("torch_optim", settings)

st.subheader(text.title("Starting from nn.init.normal_"))
st.markdown(text["Starting from nn.init.normal_"])

# ---- step() is the loop ------------------------------------------------------------------------------------------
st.header(text.title("optimizer.step() is the loop we wrote"))
st.markdown(text["optimizer.step() is the loop we wrote"])
stepped = runner.run(runner.Task("op_step_gap", "torch_optim_step_gap", _("Our loop against optimizer.step()"),
                                 ol.manual_versus_step, (dict(seed=seed),), costs.step_comparison()))
if not isinstance(stepped, runner.Done):
    st.stop()  # the runner said why; what follows needs the two runs
gap = stepped.results[0]
revealed = predict.ask("torch_optim", "step_gap", answers.step_gap(gap))
left, right = st.columns([5, 6])
with left, st.expander(_("The two runs' weights"), expanded=revealed):
    st.metric(_("largest weight difference after 20 steps of plain SGD"), f"{gap:.1e}")
    st.caption(_("Float32 rounds `lr * grad` in the last bit slightly differently in the two code paths; "
                 "a real difference in the rule would show up as a gap many orders of magnitude larger."))
with right:
    ui.show_source(ol.manual_versus_step, height=360)

# ---- paths on a surface ------------------------------------------------------------------------------------------
st.header(text.title("Paths on a surface"))
st.markdown(text["Paths on a surface"])
cols = st.columns(4)
surface = settings.widget("surface", cols[0])
short = SURFACE_NAMES[surface]  # each surface keeps its own settings
path_lr, momentum, steps = (settings.widget(f"{short}_{name}", col)
                            for name, col in zip(("lr", "momentum", "steps"), cols[1:]))
st.caption(_("Two weights are too few to be worth a GPU: the paths, like the six points below, run on the CPU."))
path_names = chosen or list(OPTIMIZERS)
traced = runner.run(runner.Task(
    "op_paths", "torch_optim_paths", _("The paths"), surfaces.optimizer_path,
    tuple(dict(surface=surface, optimizer_name=name, lr=path_lr, momentum=momentum, num_steps=steps)
          for name in path_names), costs.surface_paths(steps, len(path_names))))
paths = dict(zip(path_names, traced.results)) if isinstance(traced, runner.Done) else {}
for name, path in paths.items():
    if path.diverged_at is not None:
        st.warning(_("{name} {divergence}: its path leaves the plot.").format(name=name, divergence=path.divergence()))
left, right = st.columns([6, 5])
with left:
    ui.chart(surfaces.paths_figure(surface, paths), key="op_paths")
with right:
    ui.chart(charts.loss_figure({n: p.losses for n, p in paths.items()}, title=_("f along each path"),
                                       x_title=_("step")), key="op_path_values")
    ui.show_source(surfaces.optimizer_path, height=300)

# ---- six points -------------------------------------------------------------------------------------------------
st.header(text.title("Classifying six points"))
st.markdown(text["Classifying six points"])
cols = st.columns(2)
six_lr, epochs = settings.widget("six_lr", cols[0]), settings.widget("six_epochs", cols[1])


six_runs = runner.run(runner.Task("op_six", "torch_optim_six", _("The six points"), sp.both_runs,
                                  (dict(seed=seed, lr=six_lr, num_epochs=epochs),), costs.six_points_training(epochs)))
if not isinstance(six_runs, runner.Done):
    st.stop()  # said why above; nothing below can be drawn without the two runs
manual, auto = six_runs.results[0]
same = sp.loss_equivalence(seed)
six = st.expander(_("The six points after training"), expanded=predict.ask(
    "torch_optim", "six_correct", answers.six_correct(auto), dict(epochs=epochs, lr=six_lr)))
with six:
    ui.metrics((_("accuracy, by hand"), f"{manual.values['accuracy'][-1]:.0%}"),
               (_("accuracy, optim.SGD"), f"{auto.values['accuracy'][-1]:.0%}"),
               (_("largest loss gap"), f"{max(abs(a - b) for a, b in zip(manual.losses, auto.losses)):.1e}"),
               ("log_softmax+nll − cross_entropy", f"{same['difference']:.1e}"))
left, right = six.columns(2)
with left:
    ui.chart(charts.loss_figure({_("by hand"): manual.losses, "optim.SGD": auto.losses}, title=_("Loss"),
                                       x_title=_("epoch"), log_y=False), key="op_six_loss")
    ui.chart(charts.loss_figure({_("by hand"): manual.values["accuracy"], "optim.SGD": auto.values["accuracy"]},
                                       title=_("Training accuracy"), x_title=_("epoch"), y_title=_("accuracy"),
                                       log_y=False),
                    key="op_six_acc")
with right:
    ui.chart(sp.decision_figure(auto.outputs, _("Decision regions after training (optim.SGD)")),
                    key="op_six_regions")
    st.caption(_("Three of the six points sit at (0, 0), all of class 0: the larger marker labelled ×3."))
    ui.show_source(sp.train_manual, sp.train_optim, sp.loss_equivalence, height=360)
