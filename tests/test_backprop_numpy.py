"""Lesson 1: the hand-written NumPy network (PyTorch autograd in float64 is the answer key) and its page."""

import math

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from core.backprop_numpy import network as bp
from core.backprop_numpy.gradcheck import check_gradients
from helpers import chart_traces, open_page


def torch_gradients(p: bp.Problem) -> tuple[np.ndarray, np.ndarray]:
    X, y = torch.from_numpy(p.X), torch.from_numpy(p.y)
    W1, W2 = torch.from_numpy(p.W1).requires_grad_(), torch.from_numpy(p.W2).requires_grad_()
    (X.mm(W1).clamp(min=0).mm(W2) - y).pow(2).sum().backward()
    return W1.grad.numpy(), W2.grad.numpy()


@pytest.mark.parametrize("N, D_in, H, D_out", [(64, 1000, 100, 10), (1, 1, 1, 1), (7, 3, 5, 2), (32, 50, 200, 4)])
@pytest.mark.parametrize("seed", [0, 1])
def test_hand_written_gradients_equal_autograd(N, D_in, H, D_out, seed):
    p = bp.make_problem(N, D_in, H, D_out, seed)
    h, h_relu, y_hat = bp.forward(p.X, p.W1, p.W2)
    grad_W1, grad_W2 = bp.backward(p.X, p.y, p.W2, h, h_relu, y_hat)
    ref_W1, ref_W2 = torch_gradients(p)
    assert grad_W1.dtype == np.float64
    np.testing.assert_allclose(grad_W1, ref_W1, rtol=1e-12, atol=1e-12 * np.abs(ref_W1).max())
    np.testing.assert_allclose(grad_W2, ref_W2, rtol=1e-12, atol=1e-12 * np.abs(ref_W2).max())


def test_forgetting_the_relu_mask_changes_only_grad_W1():
    p = bp.make_problem(16, 20, 30, 3, seed=0)
    h, h_relu, y_hat = bp.forward(p.X, p.W1, p.W2)
    good, bad = bp.backward(p.X, p.y, p.W2, h, h_relu, y_hat), bp.backward(p.X, p.y, p.W2, h, h_relu, y_hat, False)
    np.testing.assert_array_equal(good[1], bad[1])
    assert not np.allclose(good[0], bad[0])


def test_default_training_falls_five_orders_of_magnitude():
    result = bp.train()
    assert len(result.losses) == 500 and result.diverged_at is None
    assert math.log10(result.losses[0] / result.losses[-1]) >= 5


def test_same_seed_same_history_other_seed_other_history():
    a, b, c = bp.train(num_iters=50, seed=3), bp.train(num_iters=50, seed=3), bp.train(num_iters=50, seed=4)
    assert a.losses == b.losses and a.values["held-out loss"] == b.values["held-out loss"]
    np.testing.assert_array_equal(a.outputs["W1"], b.outputs["W1"])
    assert a.losses != c.losses


def test_memorises_noise_without_generalising():
    result = bp.train()
    baseline = 64 * 10  # expected loss of predicting zero for standard-normal targets
    assert result.losses[-1] < 1e-3
    assert min(result.values["held-out loss"]) > baseline  # never better than predicting zero


def test_divergence_is_reported_with_its_iteration_and_keeps_the_curve():
    result = bp.train(lr=1e-4)
    assert result.diverged_at is not None and 0 < result.diverged_at < 500
    assert len(result.losses) == result.diverged_at
    assert all(np.isfinite(result.losses))
    assert result.losses[-1] > result.losses[0]  # it was growing before it overflowed


@pytest.mark.parametrize("kwargs, name", [
    (dict(N=0), "N"), (dict(D_in=-3), "D_in"), (dict(H=0), "H"), (dict(D_out=2.5), "D_out"),
    (dict(num_iters=0), "num_iters"), (dict(lr=0.0), "lr"), (dict(lr=-1e-6), "lr"), (dict(lr=float("nan")), "lr"),
])
def test_bad_arguments_raise_a_clear_value_error(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name} must be"):
        bp.train(**kwargs)


def test_progress_hook_sees_every_iteration():
    seen = []
    bp.train(N=4, D_in=5, H=6, D_out=2, num_iters=7, on_iteration=seen.append)
    assert seen == list(range(7))


def test_shape_table_matches_real_arrays():
    shapes = {name: shape for name, shape, _ in bp.tensor_shapes(8, 30, 20, 4)}
    assert shapes["X"] == (8, 30) and shapes["W1"] == (30, 20) and shapes["h_relu"] == (8, 20)
    assert shapes["y_hat"] == (8, 4) and shapes["grad_W2"] == (20, 4) and shapes["grad_W1"] == (30, 20)
    assert shapes["grad_W1"] == shapes["W1"] and shapes["grad_W2"] == shapes["W2"]


def test_gradient_check_passes_when_right_and_fails_when_broken():
    good = check_gradients(seed=2)
    assert good.passed
    assert max(good.autograd_error.values()) < 1e-13 and max(good.finite_diff_error.values()) < 1e-7
    bad = check_gradients(seed=2, mask_relu=False)
    assert not bad.passed
    assert bad.autograd_error["W1"] > 0.1 and bad.finite_diff_error["W1"] > 0.1
    assert bad.autograd_error["W2"] < 1e-13  # the bug is in the first layer only


@pytest.fixture
def lesson() -> AppTest:
    return open_page("backprop_numpy")


def test_lesson_chart_is_the_core_result(lesson):
    expected = bp.train(seed=0)
    traces = chart_traces(lesson, "bp_loss")
    assert traces[0]["y"] == pytest.approx(expected.losses, rel=1e-12)
    held_out = chart_traces(lesson, "bp_heldout")
    assert held_out[1]["y"] == pytest.approx(expected.values["held-out loss"], rel=1e-12)
    assert any("Gradient check passed" in s.value for s in lesson.success)
    assert not lesson.error


def test_hidden_size_control_changes_the_result(lesson):
    before = chart_traces(lesson, "bp_loss")[0]["y"]
    lesson.number_input(key="bp_H").set_value(50).run()
    after = chart_traces(lesson, "bp_loss")[0]["y"]
    assert after != before
    assert after == pytest.approx(bp.train(H=50).losses, rel=1e-12)
    table = lesson.table[0].value
    assert dict(zip(table["array"], table["shape"]))["W1"] == "1000 × 50"


def test_large_learning_rate_reports_divergence(lesson):
    lesson.select_slider(key="bp_lr").set_value(1e-4).run()
    assert not lesson.exception
    k = bp.train(lr=1e-4).diverged_at
    assert [e.value for e in lesson.error if f"diverged at iteration {k}" in e.value]
    assert len(chart_traces(lesson, "bp_loss")[0]["y"]) == k


def test_breaking_the_backward_pass_fails_the_check(lesson):
    lesson.toggle(key="bp_broken").set_value(True).run()
    assert any("Gradient check failed" in e.value for e in lesson.error)
    lesson.toggle(key="bp_broken").set_value(False).run()
    assert any("Gradient check passed" in s.value for s in lesson.success)


def test_sidebar_seed_changes_the_data(lesson):
    lesson.number_input(key="seed").set_value(7).run()
    assert chart_traces(lesson, "bp_loss")[0]["y"] == pytest.approx(bp.train(seed=7).losses, rel=1e-12)


def test_page_shows_the_source_of_the_functions_that_ran(lesson):
    shown = "\n".join(c.value for c in lesson.code)
    assert "def train(" in shown and "def backward(" in shown and "def check_gradients(" in shown
    assert "grad_h[h < 0] = 0" in shown
