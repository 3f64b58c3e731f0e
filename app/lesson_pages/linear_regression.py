"""Lesson 5: linear regression on synthetic data, from scratch and concise, side by side."""

import math

import streamlit as st

import history
import predict
import runner
import ui
from core import charts
from core import linear_regression as lr_core
from core.i18n import N_, _
from core.linear_regression import checkpoints as answers
from core.linear_regression import costs

text = ui.lesson_intro("linear_regression")

settings = ui.lesson_controls("linear_regression")
chosen = settings.draw(st.columns(4) + st.columns(4))
w1, w2, b, noise, n = chosen.w1, chosen.w2, chosen.b, chosen.noise, chosen.num_examples
batch_size, lr, num_epochs = chosen.batch_size, chosen.lr, chosen.num_epochs
seed = ui.seed()

X, y = lr_core.make_data([w1, w2], b, noise, n, seed)


def lower(fits: float) -> str:
    """What to change when a run would take longer than the server allows (`fits`: the fraction that would)."""
    if num_epochs * fits >= 1:
        return _("Lower the epochs to {epochs} or fewer, or raise the batch size.").format(
            epochs=int(num_epochs * fits))
    return _("Raise the batch size, or lower the examples.")


# a run with many small batches (11 min at the largest settings) trains in the server's pool: its progress shows
# here, and the rest of the page stays readable meanwhile
st.header(_("Learned versus true"))
fits, seconds, waiting = {}, 0.0, False
for version, name in (("scratch", N_("from scratch")), ("concise", N_("concise"))):  # keys; shown as _(name)
    label = st.empty()  # names the run whose progress, or refusal, follows
    kwargs = dict(version=version, true_w=[w1, w2], true_b=b, noise=noise, num_examples=n, lr=lr,
                  batch_size=batch_size, num_epochs=num_epochs, seed=seed)
    ran = runner.run(runner.Task(
        f"lr_{version}", "linear_regression", _("Linear regression, {version}").format(version=_(name)),
        lr_core.fit, (kwargs,), costs.regression_training(version, n, batch_size, num_epochs),
        steps=math.ceil(n / batch_size) * num_epochs, lower=lower))
    if isinstance(ran, runner.Done):
        fits[name], seconds = ran.results[0], seconds + ran.seconds
    else:
        label.markdown(_("**From scratch**") if version == "scratch" else _("**Concise**"))
        waiting |= isinstance(ran, runner.Pending)
if len(fits) == 2:
    history.record("linear_regression", settings, fits, seconds, "cpu")
for name, run in fits.items():
    ui.report_divergence(_(name), run)

if waiting:
    st.info(_("The learned parameters and the loss curves appear when the runs above have ended."))
if len(fits) == 2:  # else each run says above why it is not here yet
    learned = {k: [*f.outputs["w"], f.outputs["b"]] for k, f in fits.items()}
    worst = answers.largest_error(learned, (w1, w2, b))
    asked = dict(num_epochs=num_epochs, lr=lr, noise=noise, worst=worst, b=b, floor=noise ** 2)
    table = st.expander(_("The learned parameters"), expanded=(
        predict.ask("linear_regression", "within", answers.within(worst), asked)
        & predict.ask("linear_regression", "learned_b", fits["concise"].outputs["b"], asked)))
    table.table([{_("parameter"): name, _("true"): truth, **{_(k): values[i] for k, values in learned.items()}}
                 for i, (name, truth) in enumerate((("w₁", w1), ("w₂", w2), ("b", b)))], hide_index=True)
    (table.success if worst <= 0.01 else table.warning)((
        _("Largest error of any learned parameter: **{worst:.4f}** (within 0.01 of the truth)") if worst <= 0.01
        else _("Largest error of any learned parameter: **{worst:.4f}**")).format(worst=worst))

    revealed = predict.ask("linear_regression", "final_mse", answers.final_mse(fits["from scratch"]), asked)
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
