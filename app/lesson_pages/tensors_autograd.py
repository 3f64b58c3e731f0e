"""Lesson 2: the same network four ways, from NumPy by hand to autograd with a custom Function."""


import streamlit as st

import history
import predict
import runner
import ui
import write_it
from core import charts
from core.i18n import _
from core.tensors_autograd import checkpoints as answers
from core.tensors_autograd import costs, demos, ladder
from lesson_parts import autograd_graph

text = ui.lesson_intro("tensors_autograd")

device = ui.require_device()

settings = ui.lesson_controls("tensors_autograd")
picked = settings.draw(st.columns([3, 2, 2]), ("stages", "lr", "num_iters"))
chosen, lr, num_iters = picked.stages, picked.lr, picked.num_iters
seed = ui.seed()
st.caption(_("Seed {seed}; N, D_in, H, D_out = 64, 1000, 100, 10. Torch versions run on **{device}** in {dtype}; "
             "NumPy runs on the CPU in float64.").format(
    seed=seed, device=device, dtype=str(ladder.dtype_for(device)).removeprefix("torch.")))


if not chosen:
    st.warning(_("Choose at least one implementation to run."))
    st.stop()
ran = runner.run(runner.Task(  # all four at the largest settings take about 6 s: then in the server's pool
    "ta_runs", "tensors_autograd", _("The implementations"), ladder.run_stage,
    tuple(dict(name=name, lr=lr, num_iters=num_iters, seed=seed, device=str(device)) for name in chosen),
    costs.two_layer_training(num_iters, num_runs=len(chosen), float64=str(ladder.dtype_for(device)) == "torch.float64"),
    labels=tuple(chosen)))
if not isinstance(ran, runner.Done):
    st.stop()  # said why above
runs = dict(zip(chosen, ran.results))
history.record("tensors_autograd", settings, runs, ran.seconds, str(device))
for name, run in runs.items():
    ui.report_divergence(name, run)

# ---- the four curves and how far apart they are ------------------------------------------------------------
left, right = st.columns([5, 6])
with left:
    ui.chart(charts.loss_figure({name: run.losses for name, run in runs.items()},
                                       title=_("Four implementations, one curve?")), key="ta_loss")
    gaps = ladder.largest_differences(runs)
    if len(runs) > 1 and gaps:
        st.metric(_("largest relative gap from “{name}”, over all steps").format(name=chosen[0]),
                  f"{max(gaps):.1e}")
        shown_steps = sorted({0, 1, 2, 5, 10, 50, 100, 200, len(gaps) - 1} & set(range(len(gaps))))
        st.dataframe([{_("step"): t, **{name: f"{run.losses[t]:.6g}" for name, run in runs.items()},
                       _("largest gap"): f"{gaps[t]:.1e}"} for t in shown_steps], hide_index=True)
with right:
    ui.show_source(*(ladder.STAGES[name] for name in chosen), calls=[ui.call_text(
        ladder.run_stage, name, lr=lr, num_iters=num_iters, seed=seed, device=str(device)) for name in chosen])
history.show("tensors_autograd", settings)

# ---- translation table and diffs ----------------------------------------------------------------------------
st.header(text.title("From NumPy to PyTorch"))
st.markdown(text["From NumPy to PyTorch"])
layout = ladder.column_major_row(seed=seed)
st.table([{_(k): v for k, v in row.items()} for row in ladder.translation_table() + [layout.row]], hide_index=True)

st.subheader(text.title("One sample per column"))
st.markdown(text["One sample per column"])
left, right = st.columns([2, 3])
with left:
    st.metric(_("relative gap between the two outputs"), f"{layout.relative_difference:.1e}",
              help=_("The largest difference between the row-layout output and the transposed column-layout "
                     "output, divided by the largest output value."))
    same = layout.relative_difference < 1e-12  # float64 keeps about 16 significant digits
    verdict = (_("float64 keeps about 16 significant digits, so this gap is rounding: the two layouts compute the "
                 "same numbers.") if same else _("That is more than rounding: the two layouts disagree."))
    st.caption(_("Output {rows} by rows and {columns} by columns, from the data and weights of seed {seed} in "
                 "float64. {verdict}").format(rows=layout.output_shapes[0], columns=layout.output_shapes[1],
                                              seed=seed, verdict=verdict))
with right:
    ui.show_source(ladder.forward_rows, ladder.forward_columns, ladder.column_major_row, height=300,
                   calls=[ui.call_text(ladder.column_major_row, seed=seed)])

st.header(text.title("What changed between stages"))
st.markdown(text["What changed between stages"])
stages = list(ladder.STAGES)
pair = settings.widget("diff", horizontal=True)
st.code(ladder.stage_diff(ladder.STAGES[stages[pair]], ladder.STAGES[stages[pair + 1]]), language="diff")

st.header(text.title("The custom Function"))
st.markdown(text["The custom Function"])
left, right = st.columns(2)
with left:
    if ladder.gradcheck_my_relu(seed):
        st.success(_("`torch.autograd.gradcheck(MyReLU.apply, ...)` returned **True**: the hand-written backward "
                     "matches finite differences in float64."))
    else:
        st.error(_("`gradcheck` returned False: MyReLU's backward disagrees with finite differences."))
    ui.show_source(ladder.gradcheck_my_relu, height=220)
with right:
    ui.show_source(ladder.MyReLU, height=420)

# ---- live demonstrations -------------------------------------------------------------------------------------
st.header(text.title("How autograd behaves"))
st.markdown(text["How autograd behaves"])
tabs = st.tabs([_("Gradients of y = w·x + b"), _("Forgetting grad.zero_()"), _("In-place update error"),
               "tr(AXBX)"])
with tabs[0]:
    grads = demos.scalar_backward()[0]
    revealed = (predict.ask("tensors_autograd", "x_grad", grads["x.grad"].item())
                & predict.ask("tensors_autograd", "y_grad", answers.y_grad(grads)))
    shown = demos.scalar_gradients()
    warning = shown.pop("warning")
    with st.expander(_("What autograd left in each .grad"), expanded=revealed):
        st.table([{_("expression"): k, _("value after y.backward()"): v} for k, v in shown.items()], hide_index=True)
        if warning:
            st.caption(_("Reading `y.grad` also made PyTorch warn: “{warning}”").format(warning=warning))
    ui.show_source(demos.scalar_backward, demos.scalar_gradients, height=300)
with tabs[1]:
    zero = settings.widget("zero_grad")
    # without zeroing, the correct run is drawn beside it for comparison
    each = {_("zeroing"): True} | ({} if zero else {_("not zeroing"): False})
    piled_up = runner.run(runner.Task(
        "ta_accumulate", "tensors_autograd_accumulate", _("With and without zero_()"),
        demos.train_with_or_without_zeroing,
        tuple(dict(zero_grad=z, seed=seed, device=str(device)) for z in each.values()),
        costs.two_layer_training(100, num_runs=len(each))))
    if not isinstance(piled_up, runner.Done):
        st.stop()  # the runner said why
    shown_runs = dict(zip(each, piled_up.results, strict=True))
    for name, run in shown_runs.items():
        ui.report_divergence(_("The run {name}").format(name=name), run)
    c = st.columns(2)
    ui.chart(charts.loss_figure({k: r.losses for k, r in shown_runs.items()}, title=_("Loss")),
                      key="ta_accum_loss", where=c[0])
    ui.chart(charts.loss_figure({k: r.values["W1.grad norm"] for k, r in shown_runs.items()},
                                title=_("Size of W1.grad used at each step")), key="ta_accum_grad", where=c[1])
    piled = demos.repeated_backward(zero_grad=False)
    with st.expander(_("Three `backward()` calls on the same `y = w·x + b`: `w.grad` after each one"),
                     expanded=predict.ask("tensors_autograd", "accumulate", piled[-1])):
        st.table({_("without zero_()"): piled, _("with zero_()"): demos.repeated_backward(zero_grad=True)})
    ui.show_source(demos.train_with_or_without_zeroing, demos.repeated_backward, height=320)
with tabs[2]:
    st.code(demos.inplace_update_error(), language="text")
    ui.show_source(demos.inplace_update_error, height=220)
with tabs[3]:
    tr = demos.trace_derivative(seed)
    c = st.columns(2)
    c[0].markdown(_("**autograd**: `X.grad`"))
    c[0].dataframe(tr.autograd.numpy(), width="stretch")
    c[1].markdown(_("**closed form**: `AᵀXᵀBᵀ + BᵀXᵀAᵀ`"))
    c[1].dataframe(tr.closed_form.numpy(), width="stretch")
    st.metric(_("largest absolute difference"), f"{tr.max_abs_difference:.1e}")
    ui.show_source(demos.trace_derivative, height=300)

st.header(text.title("The graph autograd recorded"))
autograd_graph.show(seed, text["The graph autograd recorded"])

st.header(text.title("A different graph at every step"))
st.markdown(text["A different graph at every step"])
picked = settings.draw(st.columns(3), ("dyn_lr", "dyn_momentum", "dyn_iters"))
dyn_lr, momentum, dyn_iters = picked.dyn_lr, picked.dyn_momentum, picked.dyn_iters
ran = runner.run(runner.Task(
    "ta_dynamic", "tensors_autograd_dynamic", _("The dynamic network"), demos.train_dynamic,
    (dict(lr=dyn_lr, momentum=momentum, num_iters=dyn_iters, seed=seed, device=str(device)),),
    costs.dynamic_training(dyn_iters), doing=_("Training the dynamic network…")))
left, right = st.columns([5, 6])
if isinstance(ran, runner.Done):  # else said why above
    dyn = ran.results[0]
    ui.report_divergence(_("The dynamic network"), dyn)
    ui.chart(demos.dynamic_figure(dyn), key="ta_dynamic", where=left)
with right:
    ui.show_source(demos.DynamicNet, demos.train_dynamic)

write_it.show("tensors_autograd")
