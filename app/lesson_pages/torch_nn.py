"""Lesson 3: the network with torch.nn, two ways, and why initialisation decides whether lr = 1e-6 learns."""

import time

import streamlit as st

import checkpoints
import exercises
import history
import ui
from core import charts
from core import torch_nn as nl
from core.checkpoints import lowest_final, trend, yes_no
from core.curves import Curves

text = ui.lesson_intro("torch_nn")

device = ui.require_device()

settings = ui.lesson_controls("torch_nn")
lr, num_iters, H, normal_init = (settings.widget(name, col) for name, col in
                                 zip(("lr", "num_iters", "H", "normal_init"), st.columns([3, 3, 3, 4])))
seed = ui.seed()
st.caption(f"Seed {seed}; N, D_in, D_out = 64, 1000, 10; float32 on **{device}**.")


@st.cache_data(max_entries=32, show_spinner=False)
def train(kind: str, H: int, lr: float, num_iters: int, seed: int, normal_init: bool, device: str) -> Curves:
    return nl.train(kind, H=H, lr=lr, num_iters=num_iters, seed=seed, normal_init=normal_init, device=device)


def run(kind: str, init: bool = normal_init) -> Curves:
    return train(kind, H, lr, num_iters, seed, init, str(device))


started = time.perf_counter()
runs = ui.run_each(["Sequential", "TwoLayerNet"], run)
history.record("torch_nn", settings, runs, time.perf_counter() - started, str(device))
for name, result in runs.items():
    ui.report_divergence(name, result)

# ---- Sequential and Module, side by side ---------------------------------------------------------------------
st.header("nn.Sequential and nn.Module")
left, right = st.columns([5, 6])
with left:
    ui.chart(charts.loss_figure({k: r.losses for k, r in runs.items()}, title="Same weights, same losses?"),
                    key="nn_loss")
    seq, mod = runs["Sequential"].losses, runs["TwoLayerNet"].losses
    gap = max((abs(a - b) for a, b in zip(seq, mod)), default=0.0)
    ui.metrics(("first loss", f"{seq[0]:.2e}" if seq else "—"), ("final loss", f"{seq[-1]:.2e}" if seq else "—"),
               ("largest gap", f"{gap:.1e}", "Largest difference between the two loss curves, step by step"))
with right:
    ui.show_source(nl.make_sequential, nl.TwoLayerNet, nl.train_manual, nl.build, calls=[ui.call_text(
        nl.train, kind, H=H, lr=lr, num_iters=num_iters, seed=seed, normal_init=normal_init, device=str(device))
        for kind in runs])
history.show("torch_nn", settings)

# ---- initialisation --------------------------------------------------------------------------------------------
st.header("Why initialisation matters")
st.markdown(text["Why initialisation matters"])
both = {"nn.Linear default init": run("Sequential", False), "nn.init.normal_": run("Sequential", True)}
revealed = checkpoints.ask("torch_nn", "init_winner", lowest_final(both), dict(lr=lr, num_iters=num_iters))
left, right = st.columns([5, 6])
with left, st.expander("Both initialisations at this learning rate", expanded=revealed):
    ui.chart(charts.loss_figure({k: r.losses for k, r in both.items()},
                                       title=f"Same learning rate ({lr:.0e}), two initialisations"), key="nn_init")
    st.caption("With these settings: " + "; ".join(
        f"{name}, {r.losses[0]:.3g} → {r.losses[-1]:.3g} in {len(r.losses)} steps" if r.losses else f"{name}, —"
        for name, r in both.items()) + ".")
with right:
    ui.chart(nl.weights_histogram_figure(runs["Sequential"]), key="nn_hist")
    st.caption("The first layer of the run above, with the initialisation chosen by the toggle. With a small "
               "learning rate the 'after' histogram hides the 'before' one: training moved the weights very little.")

cached = st.cache_data(max_entries=32, show_spinner=False)
scales, steps = cached(nl.init_scales)(H, seed), cached(nl.first_step)(H, lr, seed)
left, right = st.columns([5, 6])
with left:
    st.table([{k: f"{v:.3g}" if isinstance(v, float) else v for k, v in row.items()} for row in scales],
             hide_index=True)
    product = scales[0]["weight ratio"] * scales[1]["weight ratio"]
    st.caption(f"With normal_, the first layer's weights are {scales[0]['weight ratio']:.0f}× larger "
               f"(√(3·{scales[0]['fan-in']}) = {scales[0]['√(3·fan-in)']:.1f}) and the second layer's "
               f"{scales[1]['weight ratio']:.0f}× (√(3·{scales[1]['fan-in']}) = {scales[1]['√(3·fan-in)']:.1f}); "
               f"the network's output is {scales[1]['output std ratio']:.0f}× larger, close to the product "
               f"{product:.0f} of the two factors.")
    st.table([{k: f"{v:.3g}" if isinstance(v, float) else v for k, v in row.items()} for row in steps],
             hide_index=True)
    default, normal = steps
    st.caption(f"lr·‖∇L‖²/L, the fraction of the loss one step removes to first order: "
               f"{default['lr·‖∇L‖²/L']:.2g} with the default initialisation, {normal['lr·‖∇L‖²/L']:.2g} "
               f"with normal_ ({normal['lr·‖∇L‖²/L'] / default['lr·‖∇L‖²/L']:.0f}× larger).")
with right:
    ui.show_source(nl.init_scales, nl.first_step, height=360, calls=[
        ui.call_text(nl.init_scales, H, seed), ui.call_text(nl.first_step, H, lr, seed)])

fast = train("Sequential", H, 1e-3, num_iters, seed, normal_init, str(device))
init_name = "nn.init.normal_" if normal_init else "nn.Linear's default init"
with st.expander("The same network at lr = 1e-3", expanded=checkpoints.ask(
        "torch_nn", "lr_1e3", trend(fast), dict(init=init_name, H=H, num_iters=num_iters))):
    ui.report_divergence("At lr = 1e-3 the loss", fast)
    ui.chart(charts.loss_figure({"lr = 1e-3": fast.losses}, title=f"lr = 1e-3, {init_name}",
                                       diverged_at=fast.diverged_at), key="nn_lr_1e3")

# ---- inside the model ------------------------------------------------------------------------------------------
st.header("Inside the model")
st.markdown(text["Inside the model"])
left, right = st.columns(2)
for column, kind in ((left, "Sequential"), (right, "TwoLayerNet")):
    model = nl.build(kind, 1000, H, 10, seed, normal_init, device)
    column.code(str(model), language="text")
    params = nl.parameter_table(model)
    column.table(params, hide_index=True)
    column.caption(f"{sum(p['count'] for p in params):,} parameters in all")

# ---- module versus function ------------------------------------------------------------------------------------
st.header("Module versus function")
st.markdown(text["Module versus function"])
left, right = st.columns([6, 5])
with left:
    lines = nl.relu_module_versus_function()
    st.code("\n".join(f">>> {code}\n{answer}" for code, answer in lines), language="text", wrap_lines=True)
with right:
    ui.show_source(nl.relu_module_versus_function, height=360)

# ---- train() and eval() ----------------------------------------------------------------------------------------
st.header("train() and eval()")
st.markdown(text["train() and eval()"])
p = settings.widget("dropout", st.columns(3)[0])
demo = nl.train_versus_eval(p, seed)
revealed = checkpoints.ask("torch_nn", "dropout_same", yes_no(demo.same["train"]), dict(p=p))
left, right = st.columns([6, 5])
with left, st.expander("Both modes, called twice", expanded=revealed):
    st.table([{"module": name, "after model.train()": demo.flags["train"][name],
               "after model.eval()": demo.flags["eval"][name]} for name in demo.flags["train"]], hide_index=True)
    m = st.columns(2)
    for column, mode in zip(m, ("train", "eval")):
        column.metric(f"{mode} mode: two calls equal?", "yes" if demo.same[mode] else "no")
        first, second = demo.outputs[mode]
        column.code(f"first call:\n{first.numpy().round(4)}\nsecond call:\n{second.numpy().round(4)}",
                    language="text")
    st.caption(f"In eval mode the output still has requires_grad = {demo.eval_requires_grad}: eval() is not "
               "no_grad().")
with right:
    ui.show_source(nl.make_dropout_net, nl.train_versus_eval, height=360,
                   calls=[ui.call_text(nl.train_versus_eval, p, seed)])

exercises.show("torch_nn")
