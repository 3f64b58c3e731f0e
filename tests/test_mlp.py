"""Lesson 7: the hand-written MLP against float64 autograd, the good defaults on real data, and the page."""

import pytest
import torch
import torch.nn.functional as F

from classifier_fixtures import BUILTIN, as_double, toy
from core import mlp
from core.training import train_epochs
from fashion_fixtures import real_data_or_skip
from helpers import chart_traces, open_with_data


@pytest.mark.parametrize("activation", list(mlp.ACTIVATIONS))
def test_mlp_gradients_equal_autograd_through_torch_builtins(activation):
    X, y = toy()
    model = as_double(mlp.mlp("scratch", 32, activation, seed=4))
    for p in model.parameters():
        p += 0.5 * torch.randn_like(p)
    model.loss_and_grads(X, y)
    params = [p.clone().requires_grad_() for p in model.parameters()]
    W1, b1, W2, b2 = params
    F.cross_entropy(BUILTIN[activation](X @ W1 + b1) @ W2 + b2, y).backward()
    for mine, ref in zip(model.parameters(), params):
        torch.testing.assert_close(mine.grad, ref.grad, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("activation", list(mlp.ACTIVATIONS))
def test_hand_written_activations_and_derivatives(activation):
    z = torch.linspace(-30, 30, 601, dtype=torch.float64, requires_grad=True)
    f, df = mlp.ACTIVATIONS[activation]
    torch.testing.assert_close(f(z), BUILTIN[activation](z))
    (auto,) = torch.autograd.grad(BUILTIN[activation](z).sum(), z)
    torch.testing.assert_close(df(z.detach()), auto)


def test_mlp_good_defaults_reach_0_885_on_real_data():
    data = real_data_or_skip()
    s = mlp.SETTINGS.presets["good defaults"]
    model = mlp.mlp("scratch", s["num_hiddens"], s["activation"], seed=0)
    history = list(train_epochs(model, data, s["optimizer"], s["lr"], s["batch_size"], s["num_epochs"], seed=0,
                                cosine=s["cosine"]))[-1]
    assert history.epoch_values["test acc"][-1] >= 0.885


def test_mlp_page_trains_scratch_and_concise_and_reports_divergence(tiny_dir):
    at = open_with_data("mlp", tiny_dir)
    at.select_slider(key="mlp_num_hiddens").set_value(32).run()
    at.number_input(key="mlp_num_epochs").set_value(1).run()
    at.multiselect(key="mlp_versions").set_value(["scratch", "concise"]).run()
    at.button(key="mlp_train").click().run()
    assert not at.exception, [e.message for e in at.exception]
    names = [t["name"] for t in chart_traces(at, "mlp_history")]
    assert "scratch: loss" in names and "concise: loss" in names
    at.select_slider(key="mlp_lr").set_value(5.0).run()
    at.select_slider(key="mlp_batch_size").set_value(16).run()
    at.selectbox(key="mlp_optimizer").set_value("SGD").run()
    at.button(key="mlp_train").click().run()
    assert not at.exception
    assert any("diverged at epoch 1, batch" in e.value for e in at.error)


def test_presets_set_the_controls(tiny_dir):
    at = open_with_data("mlp", tiny_dir)
    at.button(key="preset_the seed's run").click().run()
    assert at.select_slider(key="mlp_lr").value == 0.5 and at.select_slider(key="mlp_num_hiddens").value == 256
    assert at.selectbox(key="mlp_optimizer").value == "SGD" and at.number_input(key="mlp_num_epochs").value == 5


def test_two_sessions_train_without_disturbing_each_other(tiny_dir):
    first, second = open_with_data("mlp", tiny_dir), open_with_data("mlp", tiny_dir)
    for at, hidden in ((first, 16), (second, 64)):
        at.select_slider(key="mlp_num_hiddens").set_value(hidden).run()
        at.number_input(key="mlp_num_epochs").set_value(1).run()
        at.button(key="mlp_train").click().run()
    one, two = first.session_state["mlp_run"], second.session_state["mlp_run"]
    assert one.models["scratch"] is not two.models["scratch"]
    assert one.models["scratch"].W1.shape[1] == 16 and two.models["scratch"].W1.shape[1] == 64
    first.run()
    assert first.session_state["mlp_run"].settings["num_hiddens"] == 16  # untouched by the second session


def test_out_of_memory_is_reported_not_raised(tiny_dir, monkeypatch):
    def no_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    at = open_with_data("mlp", tiny_dir)
    monkeypatch.setattr(mlp, "mlp", no_memory)
    at.button(key="mlp_train").click().run()
    assert not at.exception
    assert any("ran out of memory" in e.value and "smaller batch" in e.value for e in at.error)
    assert "Failed" in " ".join(m.value for m in at.markdown)
