"""Lesson 3: the network with torch.nn, two ways, and why initialisation decides whether lr = 1e-6 learns."""


import streamlit as st

import history
import predict
import runner
import ui
import write_it
from core import charts
from core import torch_nn as nl
from core.i18n import N_, _
from core.torch_nn import checkpoints as answers
from core.torch_nn import costs

COLUMNS = (N_("layer"), N_("fan-in"), N_("weight std, default"), N_("weight std, normal_"), N_("weight ratio"),
           N_("output std ratio"), N_("initialisation"), N_("first loss"), N_("name"), N_("shape"), N_("count"),
           N_("device"))  # the column names of core's tables, translated where shown

text = ui.lesson_intro("torch_nn")

device = ui.require_device()

settings = ui.lesson_controls("torch_nn")
chosen = settings.draw(st.columns([3, 3, 3, 4]), ("lr", "num_iters", "H", "normal_init"))
lr, num_iters, H, normal_init = chosen.lr, chosen.num_iters, chosen.H, chosen.normal_init
seed = ui.seed()
st.caption(_("Seed {seed}; N, D_in, D_out = 64, 1000, 10; float32 on **{device}**.").format(seed=seed, device=device))


# every run the page draws: the two ways with the chosen initialisation, Sequential with the other one, and
# Sequential at lr = 1e-3; together up to 30 s at the largest settings, then in the server's pool
WANTED = {"Sequential": ("Sequential", normal_init, lr), "TwoLayerNet": ("TwoLayerNet", normal_init, lr),
          "other init": ("Sequential", not normal_init, lr), "lr = 1e-3": ("Sequential", normal_init, 1e-3)}
each = {name: dict(kind=kind, H=H, lr=rate, num_iters=num_iters, seed=seed, normal_init=init, device=str(device))
        for name, (kind, init, rate) in WANTED.items()}
ran = runner.run(runner.Task("nn_runs", "torch_nn", _("The four runs"), nl.train, tuple(each.values()),
                             costs.runs_training(num_iters, H, len(each)), labels=tuple(each)))
if not isinstance(ran, runner.Done):
    st.stop()  # said why above; every section below draws these runs
trained = dict(zip(WANTED, ran.results))
runs = {kind: trained[kind] for kind in ("Sequential", "TwoLayerNet")}
history.record("torch_nn", settings, runs, ran.seconds, str(device))
for name, result in runs.items():
    ui.report_divergence(name, result)

# ---- Sequential and Module, side by side ---------------------------------------------------------------------
st.header(_("nn.Sequential and nn.Module"))
left, right = st.columns([5, 6])
with left:
    ui.chart(charts.loss_figure({k: r.losses for k, r in runs.items()}, title=_("Same weights, same losses?")),
                    key="nn_loss")
    seq, mod = runs["Sequential"].losses, runs["TwoLayerNet"].losses
    gap = max((abs(a - b) for a, b in zip(seq, mod)), default=0.0)
    ui.metrics((_("first loss"), f"{seq[0]:.2e}" if seq else "—"),
               (_("final loss"), f"{seq[-1]:.2e}" if seq else "—"),
               (_("largest gap"), f"{gap:.1e}", _("Largest difference between the two loss curves, step by step")))
with right:
    ui.show_source(nl.make_sequential, nl.TwoLayerNet, nl.train_manual, nl.build, calls=[ui.call_text(
        nl.train, kind, H=H, lr=lr, num_iters=num_iters, seed=seed, normal_init=normal_init, device=str(device))
        for kind in runs])
history.show("torch_nn", settings)

# ---- initialisation --------------------------------------------------------------------------------------------
st.header(text.title("Why initialisation matters"))
st.markdown(text["Why initialisation matters"])
both = answers.by_init(trained, normal_init)
revealed = predict.ask("torch_nn", "init_winner", answers.init_winner(both), dict(lr=lr, num_iters=num_iters))
left, right = st.columns([5, 6])
with left, st.expander(_("Both initialisations at this learning rate"), expanded=revealed):
    ui.chart(charts.loss_figure({_(k): r.losses for k, r in both.items()},
                                title=_("Same learning rate ({lr:.0e}), two initialisations").format(lr=lr)),
             key="nn_init")
    default_run, normal_run = (_("{name}, {first:.3g} → {last:.3g} in {steps} steps").format(
        name=_(name), first=r.losses[0], last=r.losses[-1], steps=len(r.losses)) if r.losses else f"{_(name)}, —"
        for name, r in both.items())
    st.caption(_("With these settings: {default_run}; {normal_run}.").format(default_run=default_run,
                                                                              normal_run=normal_run))
with right:
    ui.chart(nl.weights_histogram_figure(runs["Sequential"]), key="nn_hist")
    st.caption(_("The first layer of the run above, with the initialisation chosen by the toggle. With a small "
                 "learning rate the 'after' histogram hides the 'before' one: training moved the weights very "
                 "little."))

tables = runner.run(runner.Task("nn_init_tables", "torch_nn_tables", _("Both initialisations, layer by layer"),
                                nl.init_tables, (dict(H=H, lr=lr, seed=seed),), costs.init_tables(H)))
if not isinstance(tables, runner.Done):
    st.stop()  # the runner said why
scales, steps = tables.results[0]
left, right = st.columns([5, 6])
with left:
    st.table([{_(k): f"{v:.3g}" if isinstance(v, float) else v for k, v in row.items()} for row in scales],
             hide_index=True)
    layer1, layer2 = scales
    product = layer1["weight ratio"] * layer2["weight ratio"]
    st.caption(_("With normal_, the first layer's weights are {ratio1:.0f}× larger (√(3·{fan1}) = {root1:.1f}) and "
                 "the second layer's {ratio2:.0f}× (√(3·{fan2}) = {root2:.1f}); the network's output is "
                 "{output:.0f}× larger, close to the product {product:.0f} of the two factors.").format(
        ratio1=layer1["weight ratio"], fan1=layer1["fan-in"], root1=layer1["√(3·fan-in)"],
        ratio2=layer2["weight ratio"], fan2=layer2["fan-in"], root2=layer2["√(3·fan-in)"],
        output=layer2["output std ratio"], product=product))
    st.table([{_(k): f"{v:.3g}" if isinstance(v, float) else v for k, v in row.items()} for row in steps],
             hide_index=True)
    default, normal = steps
    st.caption(_("lr·‖∇L‖²/L, the fraction of the loss one step removes to first order: {default:.2g} with the "
                 "default initialisation, {normal:.2g} with normal_ ({times:.0f}× larger).").format(
        default=default["lr·‖∇L‖²/L"], normal=normal["lr·‖∇L‖²/L"],
        times=normal["lr·‖∇L‖²/L"] / default["lr·‖∇L‖²/L"]))
with right:
    ui.show_source(nl.init_tables, nl.init_scales, nl.first_step, height=360,
                   calls=[ui.call_text(nl.init_tables, H=H, lr=lr, seed=seed)])

fast = trained["lr = 1e-3"]
init_name = "nn.init.normal_" if normal_init else N_("nn.Linear's default init")
with st.expander(_("The same network at lr = 1e-3"), expanded=predict.ask(
        "torch_nn", "lr_1e3", answers.lr_1e3(fast), dict(init=init_name, H=H, num_iters=num_iters))):
    ui.report_divergence(_("At lr = 1e-3 the loss"), fast)
    ui.chart(charts.loss_figure({"lr = 1e-3": fast.losses}, title=f"lr = 1e-3, {_(init_name)}",
                                       diverged_at=fast.diverged_at), key="nn_lr_1e3")

# ---- inside the model ------------------------------------------------------------------------------------------
st.header(text.title("Inside the model"))
st.markdown(text["Inside the model"])
left, right = st.columns(2)
for column, kind in ((left, "Sequential"), (right, "TwoLayerNet")):
    model = nl.build(kind, 1000, H, 10, seed, normal_init, device)
    column.code(str(model), language="text")
    params = nl.parameter_table(model)
    column.table([{_(k): v for k, v in row.items()} for row in params], hide_index=True)
    column.caption(_("{count:,} parameters in all").format(count=sum(p["count"] for p in params)))

# ---- module versus function ------------------------------------------------------------------------------------
st.header(text.title("Module versus function"))
st.markdown(text["Module versus function"])
left, right = st.columns([6, 5])
with left:
    lines = nl.relu_module_versus_function()
    st.code("\n".join(f">>> {code}\n{answer}" for code, answer in lines), language="text", wrap_lines=True)
with right:
    ui.show_source(nl.relu_module_versus_function, height=360)

# ---- train() and eval() ----------------------------------------------------------------------------------------
st.header(text.title("train() and eval()"))
st.markdown(text["train() and eval()"])
p = settings.widget("dropout", st.columns(3)[0])
demo = nl.train_versus_eval(p, seed)
revealed = predict.ask("torch_nn", "dropout_same", answers.dropout_same(demo.same["train"]), dict(p=p))
left, right = st.columns([6, 5])
with left, st.expander(_("Both modes, called twice"), expanded=revealed):
    st.table([{_("module"): name, _("after model.train()"): demo.flags["train"][name],
               _("after model.eval()"): demo.flags["eval"][name]} for name in demo.flags["train"]], hide_index=True)
    m = st.columns(2)
    for column, mode in zip(m, ("train", "eval")):
        column.metric(_("{mode} mode: two calls equal?").format(mode=mode), _("yes") if demo.same[mode] else _("no"))
        first, second = demo.outputs[mode]
        column.code("\n".join((_("first call:"), str(first.numpy().round(4)), _("second call:"),
                                str(second.numpy().round(4)))), language="text")
    st.caption(_("In eval mode the output still has requires_grad = {requires_grad}: eval() is not no_grad().").format(
        requires_grad=demo.eval_requires_grad))
with right:
    ui.show_source(nl.make_dropout_net, nl.train_versus_eval, height=360,
                   calls=[ui.call_text(nl.train_versus_eval, p, seed)])

write_it.show("torch_nn")
