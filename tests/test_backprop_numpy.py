"""Lesson 1: the hand-written NumPy network (PyTorch autograd in float64 is the answer key) and its page."""

import math
import re

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import runner
from core.backprop_numpy import costs, derivation
from core.backprop_numpy import network as bp
from core.backprop_numpy.gradcheck import FINITE_DIFF_TOL, check_gradients
from helpers import chart_traces, learner, open_page, send_to_pool, wait_for_job
from ui import prose

TEXT = prose("backprop_numpy")
# The {name}s the page fills in with figures it computed; none may be left on screen.
PLACEHOLDERS = ["special_case_error", "W1_autograd", "W1_finite_diff", "W2_autograd", "num_samples", "first_loss",
                "final_loss", "per_entry", "error_size", "best_held_out", "baseline", "num_targets", "num_weights"]


@pytest.fixture(scope="module")
def default_run():
    return bp.train()


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


def test_default_training_falls_five_orders_of_magnitude(default_run):
    result = default_run
    assert len(result.losses) == 500 and result.diverged_at is None
    assert math.log10(result.losses[0] / result.losses[-1]) >= 5


def test_same_seed_same_history_other_seed_other_history():
    a, b, c = bp.train(num_iters=50, seed=3), bp.train(num_iters=50, seed=3), bp.train(num_iters=50, seed=4)
    assert a.losses == b.losses and a.values["held-out loss"] == b.values["held-out loss"]
    np.testing.assert_array_equal(a.outputs["W1"], b.outputs["W1"])
    assert a.losses != c.losses


def test_memorises_noise_without_generalising(default_run):
    result = default_run
    baseline = 64 * 10  # expected loss of predicting zero for standard-normal targets
    assert result.losses[-1] < 1e-3
    assert min(result.values["held-out loss"]) > baseline  # never better than predicting zero


def test_divergence_is_reported_with_its_iteration_and_keeps_the_curve():
    result = bp.train(lr=1e-4)
    assert result.diverged_at is not None and 0 < result.diverged_at < 500
    assert len(result.losses) == result.diverged_at
    assert all(np.isfinite(result.losses))
    assert result.losses[-1] > result.losses[0]  # it was growing before it overflowed
    assert np.all(np.diff(np.diff(result.losses)) > 0)  # each step overshoots further than the last
    assert result.diverged_at == 5  # with the default settings
    assert "(with the default settings, iteration 5)" in TEXT["When the learning rate is too large"]


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


def test_default_figures_are_the_ones_the_prose_states(default_run):
    figures = bp.loss_figures(default_run, 64, 1000, 100, 10)
    assert 2.5e7 < figures["first_loss"] < 3.5e7  # "about 3 x 10^7", not "a sum of squared errors of size ~1000"
    assert 4.5e4 < figures["per_entry"] < 5.5e4 and 215 < figures["error_size"] < 225  # "about 5 x 10^4 and 220"
    assert figures["final_loss"] < 1e-6  # "to below 10^-6"
    assert figures["best_held_out"] > 1e7  # "stays above 10^7"
    assert figures["num_weights"] == 101_000 and figures["num_targets"] == 640 == figures["baseline"]
    assert figures["per_entry"] * figures["num_targets"] == pytest.approx(figures["first_loss"], rel=1e-12)
    assert "about $3 \\times 10^7$" in TEXT[""]
    assert "about $5 \\times 10^4$ and 220" in TEXT["When the learning rate is too large"]
    assert "101,000 weights for 640 numbers" in TEXT["What this network really learned"]


def test_gradient_check_passes_when_right_and_fails_when_broken_by_the_stated_figures():
    good, bad = check_gradients(seed=0), check_gradients(seed=0, mask_relu=False)  # the default settings
    assert good.passed and max(good.finite_diff_error.values()) < 1e-7
    assert 1e-16 < max(good.autograd_error.values()) < 1e-14  # "about 10^-15"
    assert not bad.passed
    assert bad.autograd_error["W1"] == pytest.approx(0.74, abs=0.005)
    assert bad.finite_diff_error["W1"] == pytest.approx(0.52, abs=0.005)
    assert bad.autograd_error["W2"] < 1e-13  # the bug is in the first layer only
    stated = TEXT["Checking the gradients"]
    assert "about $10^{-15}$" in stated and "about 0.74 times" in stated and "about 0.52 times" in stated


@pytest.mark.parametrize("seed", [1, 2])
def test_forgetting_the_mask_is_off_by_a_large_fraction_on_other_seeds_too(seed):
    bad = check_gradients(N=32, D_in=200, H=50, seed=seed, mask_relu=False)
    assert 0.3 < bad.autograd_error["W1"] < 1 and 0.3 < bad.finite_diff_error["W1"] < 1
    assert bad.autograd_error["W2"] < 1e-13


# ---- the general recursion ------------------------------------------------------------------------------

def random_net(sizes: list[int], seed: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((5, sizes[0])), rng.standard_normal((5, sizes[-1]))
    Ws = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    bs = [rng.standard_normal(b) for b in sizes[1:]]
    return X, y, Ws, bs


TORCH_ACTIVATIONS = {"identity": lambda Z: Z, "relu": torch.relu, "sigmoid": torch.sigmoid}


@pytest.mark.parametrize("activations", [["sigmoid", "sigmoid", "sigmoid"], ["relu", "sigmoid", "identity"],
                                         ["sigmoid", "relu", "relu"]])
@pytest.mark.parametrize("half", [True, False])
def test_general_recursion_equals_autograd_for_three_layers(activations, half):
    X, y, Ws, bs = random_net([4, 6, 5, 3], seed=0)
    grad_Ws, grad_bs = derivation.backprop(X, y, Ws, bs, activations, half=half)
    Ws_t = [torch.from_numpy(W).requires_grad_() for W in Ws]
    bs_t = [torch.from_numpy(b).requires_grad_() for b in bs]
    A = torch.from_numpy(X)
    for W, b, name in zip(Ws_t, bs_t, activations):
        A = TORCH_ACTIVATIONS[name](A @ W + b)
    ((0.5 if half else 1.0) * (A - torch.from_numpy(y)).pow(2).sum()).backward()
    for mine, ref in zip(grad_Ws + grad_bs, Ws_t + bs_t):
        assert mine.dtype == np.float64 and mine.shape == ref.shape
        np.testing.assert_allclose(mine, ref.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_column_vector_formulas_of_the_derivation_equal_autograd():
    # One example, columns, W^l of shape (S_l, S_{l+1}): z^{l+1} = W^l.T a^l + b^l, L = 1/2 ||a^L - y||^2.
    _, _, Ws, bs = random_net([4, 6, 5, 3], seed=1)
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal(4), rng.standard_normal(3)
    Ws_t = [torch.from_numpy(W).requires_grad_() for W in Ws]
    bs_t = [torch.from_numpy(b).requires_grad_() for b in bs]
    a, zs, As = torch.from_numpy(x), [], [x]
    for W, b in zip(Ws_t, bs_t):
        zs.append(W.T @ a + b)
        zs[-1].retain_grad()
        a = torch.sigmoid(zs[-1])
        As.append(a.detach().numpy())
    (0.5 * (a - torch.from_numpy(y)).pow(2).sum()).backward()
    s_prime = [derivation.sigmoid_prime(z.detach().numpy()) for z in zs]
    delta = (As[-1] - y) * s_prime[-1]  # delta^L = (a^L - y) * sigma'(z^L)
    for k in reversed(range(len(Ws))):  # delta is the error of zs[k], that is delta^{k+2}
        np.testing.assert_allclose(delta, zs[k].grad.numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(np.outer(As[k], delta), Ws_t[k].grad.numpy(), rtol=1e-12, atol=1e-15)  # a (delta)^T
        np.testing.assert_allclose(delta, bs_t[k].grad.numpy(), rtol=1e-12, atol=1e-15)  # dL/db^l = delta^{l+1}
        if k > 0:
            delta = (Ws[k] @ delta) * s_prime[k - 1]  # delta^l = (W^l delta^{l+1}) * sigma'(z^l)


@pytest.mark.parametrize("N, D_in, H, D_out, seed", [(64, 1000, 100, 10, 0), (7, 3, 5, 2, 1), (1, 1, 1, 1, 2)])
def test_lesson_network_is_the_special_case_bit_for_bit(N, D_in, H, D_out, seed):
    p = bp.make_problem(N, D_in, H, D_out, seed)
    h, h_relu, y_hat = bp.forward(p.X, p.W1, p.W2)
    for mine, general in zip(bp.backward(p.X, p.y, p.W2, h, h_relu, y_hat),
                             derivation.lesson_network_gradients(p.X, p.y, p.W1, p.W2)):
        np.testing.assert_array_equal(mine, general)
    assert derivation.special_case_error(N, D_in, H, D_out, seed) == {"W1": 0.0, "W2": 0.0}


def test_mismatched_layer_lists_raise_a_clear_value_error():
    X, y, Ws, bs = random_net([4, 6, 3], seed=0)
    with pytest.raises(ValueError, match="one entry per layer"):
        derivation.backprop(X, y, Ws, bs, ["relu"])


def test_each_special_case_step_names_real_lines_of_the_code():
    steps = re.findall(r"^### (.+)$", TEXT["Lesson 1 as a special case"], flags=re.M)
    assert len(steps) == 5
    for heading in steps:
        names = re.findall(r"`(\w+)`", heading)
        assert names, heading
        for name in names:
            assert derivation.lines_assigning(bp.backward, name) or derivation.lines_assigning(bp.train, name), name
    assert derivation.lines_assigning(bp.backward, "grad_h") == [
        "grad_h = grad_h_relu.copy()  # (N, H)", "grad_h[h < 0] = 0  # ReLU lets the gradient through only where h > 0"]


def test_every_placeholder_is_in_the_prose():
    prose_text = "\n".join(TEXT.values())
    assert all(f"{{{name}}}" in prose_text for name in PLACEHOLDERS)


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
    shown = "\n".join(m.value for m in lesson.markdown)
    assert f"from {expected.losses[0]:,.0f} to {expected.losses[-1]:.3g}" in shown  # computed from this run
    assert f"squared errors of about {expected.losses[0] / 640:,.0f} each" in shown
    assert f"than {min(expected.values['held-out loss']):,.0f}" in shown
    assert "over the largest gradient entry, is 0." in shown  # the special case equals backward() exactly
    assert not [name for name in PLACEHOLDERS if f"{{{name}}}" in shown]


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
    bad = check_gradients(seed=0, mask_relu=False)
    shown = "\n".join(m.value for m in lesson.markdown)
    assert f"is {bad.autograd_error['W1']:.2f} times" in shown
    assert f"and {bad.finite_diff_error['W1']:.2f} times" in shown
    assert not [name for name in PLACEHOLDERS if f"{{{name}}}" in shown]
    lesson.toggle(key="bp_broken").set_value(False).run()
    assert any("Gradient check passed" in s.value for s in lesson.success)


def test_sidebar_seed_changes_the_data(lesson):
    lesson.number_input(key="seed").set_value(7).run()
    assert chart_traces(lesson, "bp_loss")[0]["y"] == pytest.approx(bp.train(seed=7).losses, rel=1e-12)


def test_page_shows_the_source_of_the_functions_that_ran(lesson):
    shown = "\n".join(c.value for c in lesson.code)
    assert "def train(" in shown and "def backward(" in shown and "def check_gradients(" in shown
    assert "grad_h[h < 0] = 0" in shown
    assert "def backprop(" in shown and "def lesson_network_gradients(" in shown
    lines = [c.value for c in lesson.code]  # each special-case step beside its own lines of backward()
    assert "grad_W2 = h_relu.T @ grad_y_hat  # (H, D_out)  because y_hat = h_relu @ W2" in lines
    assert "W1 = W1 - lr * grad_W1\nW2 = W2 - lr * grad_W2" in lines
    assert [e.label for e in lesson.expander][:2] == ["Step 1: one error per layer", "Step 2: the output layer"]


def test_a_large_run_trains_in_the_pool_while_the_page_goes_on_and_lands_in_the_history(lesson, monkeypatch):
    submitted = send_to_pool(monkeypatch)
    # 5000 iterations at the default sizes: about 6 s on one core, and it converges (N 256 with D_in 2000 at this
    # learning rate diverges at iteration 7, a run too short to watch)
    lesson.number_input(key="bp_num_iters").set_value(5000).run()
    assert not lesson.exception, [e.message for e in lesson.exception]
    job = learner(lesson).tickets["bp_train"].job
    assert job.active and job.kwargs["kwargs"]["num_iters"] == 5000, (job.state, job.message)
    assert lesson.button(key="bp_train_stop") is not None
    assert lesson.get("progress")  # its place in line or its iterations, polled by a fragment
    assert lesson.header[-1].value  # the page below was drawn meanwhile: the derivation, the checks, exercises
    assert any("appear when the run above has ended" in i.value for i in lesson.info)
    # the gradient check went to the pool too, in a line of its own: the page did not wait for the training
    assert submitted == ["backprop_numpy", "backprop_gradcheck"] and not learner(lesson).waiting
    # its errors are rounding noise (about 1e-9; another machine's BLAS gives another): the claim is the verdict,
    # each error under the check's bound
    assert any("Gradient check passed" in s.value for s in lesson.success)
    errors = chart_traces(lesson, "bp_finite_diff")[0]["y"]
    assert len(errors) == 2 and all(0 <= e < FINITE_DIFF_TOL for e in errors), errors
    wait_for_job(job)
    lesson.run()
    expected = bp.train(num_iters=5000, seed=0)
    assert expected.diverged_at is None
    shown = chart_traces(lesson, "bp_loss")[0]["y"]
    assert shown == job.result.losses  # the page draws the pool's run
    # the same run as here while the loss is far above rounding; from iteration 500 on both are below 1e-6, where
    # the digits are rounding, and a claim about them would hold on one machine's BLAS only
    assert len(shown) == 5000 and shown[:500] == pytest.approx(expected.losses[:500], rel=1e-6)
    assert max(shown[500:]) < 1e-6
    run = learner(lesson).history("backprop_numpy").runs[-1]
    assert run.settings["num_iters"] == 5000 and run.status == "finished"


def test_a_run_over_the_servers_limit_is_refused_with_what_to_lower(monkeypatch):
    # the limit is what 250 of the 500 iterations take on this machine (a fixed number of seconds would fit more
    # iterations on a faster machine). The sizes make the run long enough for the pool (about 6 s here, where the
    # page's own limit is 2 s) and leave the gradient check quick (0.5 s; 9-20 s at the largest sizes); they arrive
    # together, from a link, so that no smaller run starts first
    pool = runner.pool()
    sizes = dict(N=128, D_in=1000, H=1000, D_out=10)
    long = pool.estimate("backprop_numpy", costs.backprop_training(**sizes, num_iters=500))
    assert long > 2 * runner.INLINE_SECONDS
    monkeypatch.setattr(pool, "max_seconds", 1.0001 * pool.estimate(
        "backprop_numpy", costs.backprop_training(**sizes, num_iters=250)))
    at = open_page("backprop_numpy", {name: str(value) for name, value in sizes.items()})
    assert at.number_input(key="bp_num_iters").value == 500
    refusal = next(e.value for e in at.error if "over its limit" in e.value)
    assert re.search(r"Lower the iterations to (\d+)", refusal).group(1) == "250"
    assert "bp_train" not in learner(at).tickets
