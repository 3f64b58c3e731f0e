"""'Predict, then run': each checkpoint's answer logic, the verdict's tolerances, progress and its export."""

import json
import math

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import session
from core import checkpoints, exercises, predictions, runs
from core.backprop_numpy import gradcheck
from core.backprop_numpy.network import backward, forward, make_problem
from core.checkpoints import RATIOS, TRENDS, Checkpoint, check, find, lowest_final, ratio_option, trend
from core.curves import Curves
from core.fashion_mnist import CLASSES
from core.linear_regression import SETTINGS as LR_SETTINGS
from core.mlp import mlp
from core.mlp.checkpoints import sigmoid_relu as ahead_after
from core.settings import SHARED
from core.softmax_regression.checkpoints import PAIRS, pair_option
from core.tensors_autograd import demos
from core.torch_nn import SETTINGS as NN_SETTINGS
from helpers import HOME, learner, open_page
from registry import LESSONS

CHECKPOINTS = {lesson.slug: checkpoints.of(lesson.slug) for lesson in LESSONS}  # each lesson's, in its package
EXERCISES = {lesson.slug: exercises.of(lesson.slug) for lesson in LESSONS}


# ---- the declarations ------------------------------------------------------------------------------------------

def test_every_lesson_has_at_least_three_checkpoints_and_21_in_all_of_both_kinds():
    assert list(CHECKPOINTS) == [lesson.slug for lesson in LESSONS]
    assert all(len(found) >= 3 for found in CHECKPOINTS.values())
    every = [c for found in CHECKPOINTS.values() for c in found]
    assert len(every) >= 21
    assert {c.kind for c in every} == {"choice", "number"}
    for found in CHECKPOINTS.values():
        assert len({c.id for c in found}) == len(found)


def test_a_checkpoint_of_an_unknown_kind_or_without_its_options_is_refused():
    with pytest.raises(ValueError, match="kind"):
        Checkpoint("x", "?", "text", "because")
    with pytest.raises(ValueError, match="options"):
        Checkpoint("x", "?", "choice", "because")
    with pytest.raises(ValueError, match="options"):
        Checkpoint("x", "?", "number", "because", options=("a",))


# ---- the verdict -----------------------------------------------------------------------------------------------

CHOICE = Checkpoint("c", "Which?", "choice", "{truth}, because.", options=("a", "b"))
ABSOLUTE = Checkpoint("n", "How much?", "number", "{truth}.", abs_tol=0.5, fmt="g")
RELATIVE = Checkpoint("r", "How much?", "number", "{truth}.", rel_tol=0.1, fmt="g")


def test_a_choice_is_right_only_when_it_is_the_truth_and_the_explanation_names_the_truth():
    assert check(CHOICE, "a", "a") == check(CHOICE, "a", "a")
    right, wrong = check(CHOICE, "a", "a"), check(CHOICE, "b", "a")
    assert right.correct and not wrong.correct
    assert wrong.truth == "a" and wrong.explanation == "a, because."


@pytest.mark.parametrize("answer", ["c", 1, None, True, ["a"]])
def test_an_answer_that_is_not_one_of_the_options_is_refused(answer):
    with pytest.raises(ValueError, match="pick one"):
        check(CHOICE, answer, "a")


def test_a_truth_that_is_not_an_option_is_a_page_bug_and_refused():
    with pytest.raises(ValueError, match="truth"):
        check(CHOICE, "a", "z")


@pytest.mark.parametrize("answer, correct", [(2.5, True), (1.5, True), (2.0, True), (2.5000001, False),
                                             (1.4999999, False), (-2.0, False)])
def test_absolute_tolerance_edges(answer, correct):
    assert check(ABSOLUTE, answer, 2.0).correct is correct


@pytest.mark.parametrize("answer, correct", [(110.0, True), (90.0, True), (110.001, False), (89.999, False)])
def test_relative_tolerance_edges(answer, correct):
    assert check(RELATIVE, answer, 100.0).correct is correct


def test_a_zero_tolerance_number_must_be_exact():
    exact = Checkpoint("e", "?", "number", "{truth}", fmt="d", integer=True)
    assert check(exact, 4, 4).correct and not check(exact, 5, 4).correct
    assert check(exact, 4, 4).truth == "4"


@pytest.mark.parametrize("answer", ["2", None, True, math.nan, math.inf, [2.0]])
def test_a_number_answer_of_the_wrong_kind_is_refused(answer):
    with pytest.raises(ValueError, match="finite number"):
        check(ABSOLUTE, answer, 2.0)


def test_a_truth_that_is_not_a_finite_number_is_refused():
    with pytest.raises(ValueError, match="truth"):
        check(ABSOLUTE, 2.0, math.nan)


# ---- each checkpoint's answer logic ---------------------------------------------------------------------------

def test_backprop_without_the_mask_only_grad_w1_is_wrong_as_float64_autograd_says():
    p = make_problem(8, 20, 16, 3, seed=0)
    h, h_relu, y_hat = forward(p.X, p.W1, p.W2)
    W1, W2 = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (p.W1, p.W2))
    ((torch.tensor(p.X).mm(W1).clamp(min=0).mm(W2) - torch.tensor(p.y)) ** 2).sum().backward()
    unmasked = backward(p.X, p.y, p.W2, h, h_relu, y_hat, mask_relu=False)
    wrong = tuple(name for name, mine, truth in zip(("W1", "W2"), unmasked, (W1.grad, W2.grad))
                  if not np.allclose(mine, truth.numpy()))
    assert wrong == ("W1",)
    assert gradcheck.check_gradients(8, 20, 16, 3, seed=0, mask_relu=False).failing() == wrong
    assert gradcheck.check_gradients(8, 20, 16, 3, seed=0).failing() == ()


def test_the_baseline_checkpoint_tolerance_covers_the_measured_loss_of_predicting_zero():
    for seed in range(5):
        p = make_problem(64, 1000, 100, 10, seed)
        assert check(find("backprop_numpy", "baseline"), float((p.y ** 2).sum()), 64 * 10.0).correct


@pytest.mark.parametrize("a, expected", [(0.49, 0), (0.5, 1), (2.0, 1), (2.01, 2), (9.99, 2), (10.0, 3)])
def test_ratio_option_edges(a, expected):
    assert ratio_option(a, 1.0) == RATIOS[expected]


def test_autograd_scalar_gradients_are_the_partial_derivatives():
    grads, warning = demos.scalar_backward()
    x, w = 1.0, 2.0  # the demo's values; y = w*x + b
    assert grads["x.grad"].item() == w and grads["w.grad"].item() == x and grads["b.grad"].item() == 1.0
    assert grads["y.grad"] is None and warning
    assert demos.repeated_backward(zero_grad=False)[-1] == 3 * x  # three backward() calls add three times dy/dw
    assert check(find("tensors_autograd", "y_grad"), "None", "None").correct


def test_lowest_final_counts_a_diverged_or_empty_curve_as_infinite():
    curves = {"a": Curves({"loss": [5.0, 3.0]}), "b": Curves({"loss": [5.0, 0.1]}, diverged_at=2),
              "c": Curves({"loss": []}), "d": Curves({"loss": [9.0, 4.0]})}
    assert lowest_final(curves) == "a"
    assert lowest_final({"x": Curves({"loss": [1.0, math.inf]}), "y": Curves({"loss": [1.0, 1e9]})}) == "y"


@pytest.mark.parametrize("losses, diverged_at, expected", [
    ([10.0, 4.99], None, 0), ([10.0, 5.0], None, 1), ([10.0, 20.0], None, 1), ([10.0, 20.01], None, 2),
    ([10.0, 1.0], 2, 2), ([], 0, 2)])
def test_trend_edges(losses, diverged_at, expected):
    assert trend(Curves({"loss": losses}, diverged_at=diverged_at)) == TRENDS[expected]


def test_the_most_confused_pair_adds_both_directions():
    counts = np.diag(np.full(10, 900))
    counts[6, 0], counts[0, 6] = 40, 50  # 90 between shirts and T-shirts, either way round
    counts[4, 2] = 80  # 80 coats called pullovers, none the other way
    assert predictions.most_confused_pair(counts) == (0, 6)
    assert pair_option(6, 0) == pair_option(0, 6) == f"{CLASSES[0]} and {CLASSES[6]}"
    counts[2, 4] = 20
    assert predictions.most_confused_pair(counts) == (2, 4)
    assert predictions.most_confused_pair(np.zeros((10, 10), dtype=int)) == (0, 1)  # never a class with itself
    assert pair_option(1, 3) == PAIRS[-1]  # trousers and dresses are not among the listed pairs


def test_the_mlp_parameter_count_is_both_layers_weights_and_biases():
    for H in (16, 1024):
        model = mlp("concise", H)
        assert check(find("mlp", "num_params"), 784 * H + H + H * 10 + 10,
                     sum(p.numel() for p in model.parameters()), dict(num_hiddens=H)).correct


def _run(activation: str, accuracy: list[float], status: str = "finished", **changed) -> runs.Run:
    settings = dict(lr=0.05, num_hiddens=64, activation=activation, optimizer="SGD", batch_size=128, num_epochs=3,
                    cosine=False, versions=["scratch"], seed=0, device="cpu") | changed
    curve = Curves({"loss": [1.0]}, epoch_values={"test acc": accuracy})
    return runs.Run(1, "mlp", settings, {"scratch": curve}, status)


def test_sigmoid_or_relu_is_judged_from_two_finished_runs_with_the_other_settings_as_now():
    current = _run("relu", []).settings
    relu, sigmoid = _run("relu", [0.70, 0.78, 0.82]), _run("sigmoid", [0.40, 0.60, 0.70])
    assert ahead_after([relu, sigmoid], current) == "ReLU"
    assert ahead_after([_run("relu", [0.1, 0.2, 0.6]), sigmoid], current) == "sigmoid"
    assert ahead_after([_run("relu", [0.1, 0.2, 0.7005]), sigmoid], current).startswith("a tie")
    assert ahead_after([relu], current) is None  # no sigmoid run yet
    assert ahead_after([relu, _run("sigmoid", [0.9, 0.9])], current) is None  # fewer than 3 epochs
    assert ahead_after([relu, _run("sigmoid", [0.9] * 3, status="stopped")], current) is None
    assert ahead_after([relu, _run("sigmoid", [0.9] * 3, lr=0.1)], current) is None  # another learning rate


# ---- progress in the export --------------------------------------------------------------------------------------

KNOWN = {"torch_nn": {"checkpoint:dropout_same", "checkpoint:init_winner", "exercise:sgd_step"}}


def _export(progress: object) -> str:
    doc = json.loads(runs.to_json([]))
    doc["progress"] = progress
    return json.dumps(doc)


def test_progress_goes_into_the_export_and_comes_back():
    done = {"torch_nn": {"checkpoint:dropout_same": True, "exercise:sgd_step": False}}
    found, notices = runs.progress_from_json(runs.to_json([], done), KNOWN)
    assert found == done and notices == []
    assert runs.progress_from_json(runs.to_json([]), KNOWN) == ({}, [])  # an export from before progress


def test_unknown_progress_items_are_left_out_with_a_notice():
    found, notices = runs.progress_from_json(_export({"torch_nn": {"checkpoint:dropout_same": True,
                                                                   "checkpoint:gone": True},
                                                      "elsewhere": {"checkpoint:x": True}}), KNOWN)
    assert found == {"torch_nn": {"checkpoint:dropout_same": True}}
    assert len(notices) == 2


@pytest.mark.parametrize("progress", [
    ["torch_nn"], "all done", {"torch_nn": ["checkpoint:dropout_same"]}, {"torch_nn": {"checkpoint:dropout_same": 1}},
    {"torch_nn": {"checkpoint:dropout_same": "true"}}, {"x" * 500: {}},
    {"torch_nn": {"checkpoint:" + "a" * 500: True}}, {f"lesson{i}": {} for i in range(51)},
    {"torch_nn": {f"checkpoint:{i}": True for i in range(201)}}])
def test_hostile_or_malformed_progress_refuses_the_whole_file(progress):
    with pytest.raises(runs.ImportRefused):
        runs.progress_from_json(_export(progress), KNOWN)


# ---- on the page ------------------------------------------------------------------------------------------------

def commit(at, key: str, answer: object):
    """Set a checkpoint's input and press 'Commit my prediction'."""
    (at.radio(key=key) if isinstance(answer, str) else at.number_input(key=key)).set_value(answer)
    at.button(key=f"{key}_commit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_dropout_checkpoint_right_then_stale_then_wrong_and_progress_on_home():
    p = NN_SETTINGS["dropout"].default
    assert p > 0  # so two train-mode calls draw two different masks
    at = commit(open_page("torch_nn"), "nn_cp_dropout_same", "no")
    assert any("Right" in s.value for s in at.success)
    assert learner(at).progress == {"torch_nn": {"checkpoint:dropout_same": True}}
    home = AppTest.from_file(HOME)
    home.session_state[session.KEY] = learner(at)  # the same learner opens Home
    total = len(CHECKPOINTS["torch_nn"]) + len(EXERCISES.get("torch_nn", ()))
    assert f"Your progress: 1 of {total}" in [c.value for c in home.run().caption]
    at.switch_page("lesson_pages/linear_regression.py").run()
    at.switch_page("lesson_pages/torch_nn.py").run()  # the verdict is kept across page switches
    assert any("Right" in s.value for s in at.success)
    at.slider(key="nn_dropout").set_value(0.0).run()  # with p = 0 dropout zeroes nothing: the truth changes
    assert any("predict again" in i.value for i in at.info)
    at = commit(at, "nn_cp_dropout_same", "no")
    assert any("Not quite" in e.value and "**yes**" in e.value for e in at.error)


def test_linear_regression_learned_b_right_and_wrong():
    b = LR_SETTINGS["b"].default
    at = commit(open_page("linear_regression"), "lr_cp_learned_b", b)  # the true b: within 0.05 of what is learned
    assert any("Right" in s.value for s in at.success)
    at = commit(open_page("linear_regression"), "lr_cp_learned_b", b + 1.0)
    assert any("Not quite" in e.value for e in at.error)


def test_no_settings_are_shared_with_a_checkpoint_key():
    keys = {f"{lesson.prefix}_cp_{c.id}" for lesson in LESSONS for c in CHECKPOINTS[lesson.slug]}
    assert not keys & {lesson.prefix + "_" + name for lesson in LESSONS for name in lesson.settings().names}
    assert not keys & set(SHARED.names)
