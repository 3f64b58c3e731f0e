"""Lesson 5: linear regression on synthetic data, from scratch and concise, side by side."""

import time

import streamlit as st

import checkpoints
import history
import ui
from core import charts
from core import linear_regression as lr_core
from core.checkpoints import yes_no
from core.i18n import N_, _

text = ui.lesson_intro("linear_regression")

settings = ui.lesson_controls("linear_regression")
w1, w2, b, noise, n, batch_size, lr, num_epochs = (
    settings.widget(name, col) for name, col in zip(settings.table.names, st.columns(4) + st.columns(4)))
seed = ui.seed()

X, y = lr_core.make_data([w1, w2], b, noise, n, seed)
started = time.perf_counter()
fits = {N_("from scratch"): lr_core.train_scratch(X, y, lr, batch_size, num_epochs, seed),  # keys; shown as _(key)
        N_("concise"): lr_core.train_concise(X, y, lr, batch_size, num_epochs, seed)}
history.record("linear_regression", settings, fits, time.perf_counter() - started, "cpu")
for name, fit in fits.items():
    ui.report_divergence(_(name), fit)

st.header(_("Learned versus true"))
learned = {k: [*f.outputs["w"], f.outputs["b"]] for k, f in fits.items()}
worst = max(abs(v - t) for values in learned.values() for v, t in zip(values, (w1, w2, b)))
asked = dict(num_epochs=num_epochs, lr=lr, noise=noise, worst=worst, b=b, floor=noise ** 2)
table = st.expander(_("The learned parameters"), expanded=(
    checkpoints.ask("linear_regression", "within", yes_no(worst <= 0.01), asked)
    & checkpoints.ask("linear_regression", "learned_b", fits["concise"].outputs["b"], asked)))
table.table([{_("parameter"): name, _("true"): truth, **{_(k): values[i] for k, values in learned.items()}}
             for i, (name, truth) in enumerate((("w₁", w1), ("w₂", w2), ("b", b)))], hide_index=True)
(table.success if worst <= 0.01 else table.warning)((
    _("Largest error of any learned parameter: **{worst:.4f}** (within 0.01 of the truth)") if worst <= 0.01
    else _("Largest error of any learned parameter: **{worst:.4f}**")).format(worst=worst))

scratch = fits["from scratch"].losses
revealed = checkpoints.ask("linear_regression", "final_mse", scratch[-1] if scratch else None, asked)
left, right = st.columns(2)
with left:
    ui.chart(lr_core.plane_figure(X, y, fits["concise"]), key="lr_plane")
with right, st.expander(_("The loss curves"), expanded=revealed):
    ui.chart(charts.loss_figure({_(k): f.losses for k, f in fits.items()},
                                title=_("Mean squared error, whole data"), x_title=_("epoch")), key="lr_loss")

history.show("linear_regression", settings)

st.header(text.title("The two versions"))
st.markdown(text["The two versions"])
left, right = st.columns(2)
with left:
    st.markdown(_("**From scratch**"))
    ui.show_source(lr_core.train_scratch, lr_core.data_iter, lr_core.squared_loss, lr_core.sgd, calls=[
        ui.call_text(lr_core.make_data, [w1, w2], b, noise, n, seed) + "  # X, y",
        ui.call_text(lr_core.train_scratch, "X", "y", lr, batch_size, num_epochs, seed).replace("'", "")])
with right:
    st.markdown(_("**Concise**"))
    ui.show_source(lr_core.train_concise, calls=[
        ui.call_text(lr_core.train_concise, "X", "y", lr, batch_size, num_epochs, seed).replace("'", "")])
