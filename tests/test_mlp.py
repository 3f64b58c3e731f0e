"""Lesson 7: the hand-written MLP against float64 autograd, the good defaults on real data, the tutorial's lr-100
step, scratch against concise in float32 and float64, and the page."""

import inspect
import time
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import runner
from classifier_fixtures import BUILTIN, as_double, toy, toy_dataset
from core import fashion_mnist, jobs, mlp, training
from core.classifier import init_weights
from core.pool import Job, Pool
from core.training import train_epochs
from core.worker import describe
from helpers import chart_traces, learner, open_with_data, send_to_pool, train, wait_for_job, wait_until


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


@pytest.mark.parametrize("batch_size", [64, 37])
def test_tutorial_step_is_plain_sgd_with_lr_over_batch_size(batch_size):
    X, y = toy(batch_size)
    step = mlp.compare_tutorial_step(X, y, 100.0, 32, "relu", seed=3)
    assert step.batch_size == batch_size and step.plain_lr == 100.0 / batch_size
    assert step.largest_update > 1e-3  # a real step was taken
    assert step.largest_difference <= 1e-15 * step.largest_update  # the same step, to float64 rounding
    # the answer key: autograd's gradient of the *mean* cross-entropy, times 100 / batch size
    params = [p.double().requires_grad_() for p in init_weights([784, 32, 10], 3, "cpu")]
    W1, b1, W2, b2 = params
    F.cross_entropy(torch.relu(X @ W1 + b1) @ W2 + b2, y).backward()
    expected = max((100.0 / batch_size * p.grad).abs().max().item() for p in params)
    assert step.largest_update == pytest.approx(expected, rel=1e-10)


def test_first_batch_is_the_batch_train_epochs_trains_on_first():
    data, seen = toy_dataset(torch.float32), []
    model = mlp.mlp("scratch", 8, "relu", seed=0)
    original = model.loss_and_grads
    model.loss_and_grads = lambda X, y: seen.append((X, y)) or original(X, y)
    next(train_epochs(model, data, "SGD", 0.1, 32, 1, seed=5))
    X, y = mlp.first_batch(data, 32, seed=5)
    assert torch.equal(X, seen[0][0]) and torch.equal(y, seen[0][1])
    assert not torch.equal(X, mlp.first_batch(data, 32, seed=6)[0])


@pytest.fixture(scope="module")
def drifts():
    data = toy_dataset(torch.float32)
    small = dict(num_train=300, num_test=100, num_hiddens=32, batch_size=32, num_epochs=3, seed=0)
    return {(dtype, lr): mlp.version_drift(data, dtype, lr=lr, **small)
            for dtype in (torch.float32, torch.float64) for lr in (0.5, 0.005)}


def test_scratch_and_concise_agree_in_float64_and_drift_apart_in_float32(drifts):
    f64, f32 = drifts[torch.float64, 0.5], drifts[torch.float32, 0.5]
    assert len(f64.weight_gap) == 4 and f64.weight_gap[0] == 0.0  # same start; 3 epochs
    assert max(f64.weight_gap + f64.logit_gap) < 1e-10
    assert f32.weight_gap[-1] > 1e-9 and f32.logit_gap[-1] > 1e-8
    assert f32.weight_gap[-1] > 1e4 * max(f64.weight_gap)
    torch.testing.assert_close(torch.tensor(f32.loss), torch.tensor(f64.loss), rtol=1e-4, atol=0)


def test_a_larger_learning_rate_grows_the_float32_gap_faster(drifts):
    assert drifts[torch.float32, 0.5].weight_gap[-1] > 10 * drifts[torch.float32, 0.005].weight_gap[-1]


def test_drift_figure_draws_both_precisions_on_a_log_axis(drifts):
    fig = mlp.drift_figure({"float32": drifts[torch.float32, 0.5], "float64": drifts[torch.float64, 0.5]})
    assert [t.name for t in fig.data] == ["float32: weight gap", "float32: logit gap", "float64: weight gap",
                                          "float64: logit gap"]
    assert fig.data[0].y[0] is None and fig.layout.yaxis.type == "log"  # the exact 0 before training is left out


def test_prose_uses_row_vectors_and_states_the_experiment_as_it_runs():
    prose = " ".join((Path(__file__).resolve().parents[1] / "lessons" / "mlp.md").read_text().split())
    assert "h = \\sigma(x W_1 + b_1), \\qquad o = h W_2 + b_2" in prose and "h^\\top" not in prose
    defaults = inspect.signature(mlp.version_drift).parameters
    assert f"at most {mlp.DRIFT_MAX_EPOCHS} epochs" in prose
    assert f"first {defaults['num_train'].default:,} training images" in prose
    assert f"logits on {defaults['num_test'].default} test images" in prose
    assert "the tutorial's run" in mlp.SETTINGS.presets and "The tutorial's run" in prose


def test_mlp_page_trains_scratch_and_concise_and_reports_divergence(tiny_dir):
    at = open_with_data("mlp", tiny_dir)
    at.select_slider(key="mlp_num_hiddens").set_value(32).run()
    at.number_input(key="mlp_num_epochs").set_value(1).run()
    at.multiselect(key="mlp_versions").set_value(["scratch", "concise"]).run()
    train(at, "mlp")
    assert not at.exception, [e.message for e in at.exception]
    names = [t["name"] for t in chart_traces(at, "mlp_history")]
    assert "scratch: loss" in names and "concise: loss" in names
    shown = [c.value.strip() for c in at.code]  # the loop that ran in the worker, and its call with the real arguments
    assert {inspect.getsource(f).strip() for f in (jobs.train_fashion, training.train_versions)} <= set(shown)
    call = next(c for c in shown if c.startswith("train_fashion("))
    job = next(iter(learner(at).tickets.values())).job
    assert "build=partial(mlp, num_hiddens=32, activation='relu', seed=0)" in call
    assert f"versions={job.kwargs['versions']!r}" in call and f"lr={job.kwargs['lr']!r}" in call
    at.select_slider(key="mlp_lr").set_value(5.0).run()
    at.select_slider(key="mlp_batch_size").set_value(16).run()
    at.selectbox(key="mlp_optimizer").set_value("SGD").run()
    train(at, "mlp")
    assert not at.exception
    assert any("diverged at epoch 1, batch" in e.value for e in at.error)


def test_a_run_replaced_by_a_second_train_press_is_stopped_and_kept_in_the_history(tiny_dir):
    at = open_with_data("mlp", tiny_dir)
    at.select_slider(key="mlp_num_hiddens").set_value(32).run()
    at.select_slider(key="mlp_batch_size").set_value(16).run()
    at.number_input(key="mlp_num_epochs").set_value(50).run()
    at.button(key="mlp_train").click().run()
    first = learner(at).tickets["mlp"].job
    wait_until(lambda: first.fraction > 0.0, "the first run to be past its first batches", 60)
    at.number_input(key="mlp_num_epochs").set_value(1).run()
    at.button(key="mlp_train").click().run()
    second = learner(at).tickets["mlp"].job
    wait_for_job(first)
    wait_for_job(second)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    kept = learner(at).history("mlp").runs
    assert [(r.status, r.settings["num_epochs"]) for r in kept] == [("stopped", 50), ("finished", 1)], kept
    assert kept[0].curves["scratch"].losses  # what it learned before the second press
    assert learner(at).live["mlp"].settings["num_epochs"] == 1  # the page shows the newer run
    assert not any("~" in key for key in learner(at).tickets)  # nothing left to keep


def test_mlp_page_compares_the_tutorial_step_and_measures_the_drift(tiny_dir):
    at = open_with_data("mlp", tiny_dir)
    at.select_slider(key="mlp_num_hiddens").set_value(32).run()
    X, y = mlp.first_batch(fashion_mnist.load(tiny_dir, "cpu"), 128, seed=0)
    step = mlp.compare_tutorial_step(X, y, 100.0, 32, "relu", seed=0)
    table = next(t.value for t in at.table if "update" in t.value.columns)
    assert list(table["update"]) == ["tutorial: p -= 100 * p.grad / 128", "plain SGD: p -= 0.78125 * p.grad"]
    assert table.iloc[0, 1] == f"{step.largest_update:.3e}" == table.iloc[1, 1]
    assert any(m.value == f"{step.largest_difference:.1e}" for m in at.metric)
    assert any("the same step" in c.value for c in at.caption)
    assert not any("mlp_drift_chart" in c.proto.id for c in at.get("plotly_chart"))  # only on request
    at.number_input(key="mlp_num_epochs").set_value(2).run()
    at.button(key="mlp_drift_measure").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [t["name"] for t in chart_traces(at, "mlp_drift_chart")] == [
        "float32: weight gap", "float32: logit gap", "float64: weight gap", "float64: logit gap"]
    shown, drifts = learner(at).drift
    assert shown["num_epochs"] == 2 and len(drifts["float64"].weight_gap) == 3
    assert max(drifts["float64"].weight_gap) < 1e-10
    assert any("Before training the weights are identical" in c.value for c in at.caption)
    at.select_slider(key="mlp_lr").set_value(0.5).run()
    assert any("press **Measure the drift** again" in i.value for i in at.info)


@pytest.fixture
def drift_in_pool(tiny_dir, monkeypatch):
    """The MLP page at 32 hidden units, where 'Measure the drift' goes to the pool whatever this machine's speed."""
    send_to_pool(monkeypatch)
    at = open_with_data("mlp", tiny_dir)
    at.select_slider(key="mlp_num_hiddens").set_value(32).run()
    return at


def test_a_long_drift_measurement_runs_in_the_pool_and_lands_on_the_page(drift_in_pool, tiny_dir):
    at = drift_in_pool
    at.number_input(key="mlp_num_epochs").set_value(2).run()
    assert any("of training on this server" in c.value for c in at.caption)  # its cost, before the press
    at.button(key="mlp_drift_measure").click().run()
    assert not at.exception, [e.message for e in at.exception]
    job = learner(at).tickets["mlp_drift"].job
    assert job.fn == "core.mlp.jobs:measure_drift" and job.kwargs["kwargs"]["num_epochs"] == 2
    assert at.button(key="mlp_drift_stop") is not None  # and its progress, while the page goes on
    wait_for_job(job)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    shown, drifts = learner(at).drift
    expected = mlp.version_drift(fashion_mnist.load(tiny_dir, "cpu"), torch.float64, **shown)
    assert drifts["float64"].weight_gap == pytest.approx(expected.weight_gap, abs=1e-12)
    assert [t["name"] for t in chart_traces(at, "mlp_drift_chart")][0] == "float32: weight gap"
    assert any("measure_drift" in t.label for t in at.tabs)  # the worker's function among the sources shown


def test_a_second_drift_press_replaces_the_first_measurement(drift_in_pool, monkeypatch):
    at = drift_in_pool
    at.select_slider(key="mlp_batch_size").set_value(16).run()
    at.button(key="mlp_drift_measure").click().run()
    first = learner(at).tickets["mlp_drift"].job
    at.number_input(key="mlp_num_epochs").set_value(1).run()
    monkeypatch.setattr(runner, "INLINE_SECONDS", 1e9)  # the second, smaller one is measured in the page
    at.button(key="mlp_drift_measure").click().run()
    assert learner(at).drift[0]["num_epochs"] == 1
    wait_for_job(first)
    at.run()
    assert first.state == "stopped"
    assert learner(at).drift[0]["num_epochs"] == 1  # still the newer one, and no stale notice
    assert not any("nothing to compare" in i.value for i in at.info)


def test_a_drift_measurement_stopped_halfway_shows_nothing_to_compare(drift_in_pool):
    at = drift_in_pool
    at.select_slider(key="mlp_batch_size").set_value(16).run()
    at.button(key="mlp_drift_measure").click().run()
    job = learner(at).tickets["mlp_drift"].job
    wait_until(lambda: job.fraction > 0.0, "the drift job to pass float32's first epoch")
    at.button(key="mlp_drift_stop").click().run()
    wait_for_job(job)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert job.state == "stopped" and learner(at).drift is None
    assert any("nothing to compare" in i.value for i in at.info)


def test_presets_set_the_controls(tiny_dir):
    at = open_with_data("mlp", tiny_dir)
    at.button(key="preset_the tutorial's run").click().run()
    assert at.select_slider(key="mlp_lr").value == 0.5 and at.select_slider(key="mlp_num_hiddens").value == 256
    assert at.selectbox(key="mlp_optimizer").value == "SGD" and at.number_input(key="mlp_num_epochs").value == 5


def test_two_sessions_train_without_disturbing_each_other(tiny_dir):
    first, second = open_with_data("mlp", tiny_dir), open_with_data("mlp", tiny_dir)
    for at, hidden in ((first, 16), (second, 64)):
        at.select_slider(key="mlp_num_hiddens").set_value(hidden).run()
        at.number_input(key="mlp_num_epochs").set_value(1).run()
        train(at, "mlp")
    one, two = learner(first).live["mlp"], learner(second).live["mlp"]
    assert one.models["scratch"] is not two.models["scratch"]
    assert one.models["scratch"].W1.shape[1] == 16 and two.models["scratch"].W1.shape[1] == 64
    first.run()
    assert learner(first).live["mlp"].settings["num_hiddens"] == 16  # untouched by the second session


def test_a_failed_run_is_reported_not_raised(tiny_dir, monkeypatch):
    def out_of_memory(self, owner, kind, fn, kwargs, work, label="", language="en", on_end=None):  # as a worker
        # reports it
        job = Job(owner, kind, fn, kwargs, 1.0, label, state="failed", started=time.monotonic())
        job.message = describe(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
        return job

    at = open_with_data("mlp", tiny_dir)
    monkeypatch.setattr(Pool, "submit", out_of_memory)
    at.button(key="mlp_train").click().run()
    assert not at.exception
    assert any("ran out of memory" in e.value and "smaller batch" in e.value for e in at.error)
    assert "Failed" in " ".join(m.value for m in at.markdown)
    assert learner(at).history("mlp").runs[-1].status == "failed"
