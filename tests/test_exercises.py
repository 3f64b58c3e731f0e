"""Every exercise passes with its reference and fails, with the right sentence, on the typical wrong answers."""

import pytest

from core import exercises
from core.exercises.check import check, exercise, train_both
from registry import LESSONS

EXERCISES = {lesson.slug: exercises.of(lesson.slug) for lesson in LESSONS if exercises.of(lesson.slug)}

MISTAKES = [  # (slug, text in the reference, replacement, sentence the learner must see)
    ("backprop_numpy", "h_relu.T @ grad_y_hat", "grad_y_hat.T @ h_relu",
     "grad_W2 should be (H, D_out) = (100, 10); yours is (10, 100): a missing transpose?"),
    ("backprop_numpy", "grad_h[h < 0] = 0", "pass", "the ReLU mask is missing"),
    ("backprop_numpy", "2.0 * (y_hat - y)", "2.0 * (y - y_hat)", "grad_y_hat has the wrong sign"),
    ("tensors_autograd", "grad_input[input < 0] = 0", "pass", "the mask is missing"),
    ("tensors_autograd", "return grad_input", "return -grad_input", "wrong sign"),
    ("torch_nn", "param.grad.zero_()", "pass", "W1.grad was not zeroed"),
    ("torch_nn", "param -= lr", "param += lr", "W1 moved uphill"),
    ("torch_nn", "with torch.no_grad():", "if True:", "Wrap the update in `with torch.no_grad():`"),
    ("softmax_regression", "return dO / len(y)", "return dO", "divide by len(y)"),
    ("softmax_regression", "dO[rows, y] = dO[rows, y] - 1", "dO[rows, y] = -(dO[rows, y] - 1)",
     "dO differs from autograd by up to"),
    ("mlp", " * (Z1 > 0).float()", "", "multiply by the activation's derivative"),
    ("mlp", "H.T @ dO", "dO.T @ H", "grad_W2 should be (h, k) = (5, 4); yours is (4, 5): a missing transpose?"),
]


def test_every_listed_exercise_has_a_module():
    assert [exercise(slug).id for slug in EXERCISES] == [ids[0] for ids in EXERCISES.values()]


@pytest.mark.parametrize("slug", list(EXERCISES))
def test_the_reference_solution_passes(slug):
    outcome = check(exercise(slug), exercise(slug).reference_source())
    assert outcome.passed, outcome.message
    assert all(c.error < 1e-12 for c in outcome.checks)


@pytest.mark.parametrize("slug, old, new, sentence", MISTAKES, ids=[f"{m[0]}-{m[3][:20]}" for m in MISTAKES])
def test_a_typical_mistake_fails_with_its_sentence(slug, old, new, sentence):
    ex = exercise(slug)
    source = ex.reference_source()
    assert old in source
    outcome = check(ex, source.replace(old, new))
    assert not outcome.passed
    assert sentence in outcome.message


@pytest.mark.parametrize("activation, derivative", [("sigmoid", "H * (1 - H)"), ("tanh", "1 - H * H")])
def test_the_mlp_exercise_follows_the_chosen_activation(activation, derivative):
    ex = exercise("mlp")
    code = ex.reference_source().replace("(Z1 > 0).float()", f"({derivative})")
    assert check(ex, code, activation=activation).passed
    assert not check(ex, ex.reference_source(), activation=activation).passed  # ReLU's mask is wrong here


def test_the_starter_code_fails_with_a_sentence():
    outcome = check(exercise("backprop_numpy"), exercise("backprop_numpy").starter)
    assert "grad_y_hat should be an array" in outcome.message


def test_passing_code_trains_like_the_reference():
    mine, reference = train_both(exercise("backprop_numpy"), exercise("backprop_numpy").reference_source())
    assert len(mine.losses) == 100
    assert mine.losses[-1] == pytest.approx(reference.losses[99], rel=1e-9)
    assert mine.losses[-1] < mine.losses[0] / 2


def test_the_page_checks_code_and_draws_the_learners_curve():
    from helpers import chart_traces, open_page
    at = open_page("backprop_numpy")
    at.text_area(key="bp_ex_numpy_backward_code").set_value(exercise("backprop_numpy").reference_source())
    at.button(key="bp_ex_numpy_backward_run").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Every tensor matches autograd" in s.value for s in at.success)
    traces = chart_traces(at, "bp_ex_numpy_backward_curve")
    assert [t["name"] for t in traces] == ["your code", "reference"]
    assert traces[0]["y"] == pytest.approx(traces[1]["y"][:100], rel=1e-9)


def test_a_long_attempt_goes_to_the_pool_and_shows_the_same_verdict_and_curve(monkeypatch):
    """'Run and check' is a task of the runner like any other: on a slow server it runs in a worker."""
    from helpers import chart_traces, learner, open_page, send_to_pool
    submitted = send_to_pool(monkeypatch)
    at = open_page("backprop_numpy")
    submitted.clear()
    at.text_area(key="bp_ex_numpy_backward_code").set_value(exercise("backprop_numpy").reference_source())
    at.button(key="bp_ex_numpy_backward_run").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert submitted == ["exercise"]  # its kind in the pool's line
    assert any("Every tensor matches autograd" in s.value for s in at.success)
    assert learner(at).progress["backprop_numpy"]["exercise:numpy_backward"] is True
    traces = chart_traces(at, "bp_ex_numpy_backward_curve")
    assert traces[0]["y"] == pytest.approx(traces[1]["y"][:100], rel=1e-9)


TRAINED = [  # (slug, page options, edit that makes the reference fit the options, a wrong answer: (old, new))
    ("tensors_autograd", {}, None, ("return grad_input", "return -grad_input")),
    ("softmax_regression", {}, None, ("return dO / len(y)", "return -dO / len(y)")),
    ("mlp", {"activation": "relu"}, None, (" * (Z1 > 0).float()", "")),
    ("mlp", {"activation": "tanh"}, ("(Z1 > 0).float()", "(1 - H * H)"), ("(1 - H * H)", "(1 + H * H)")),
]


@pytest.fixture(scope="module")
def tiny_data(tiny_dir):
    from core import fashion_mnist as fm
    return fm.load(tiny_dir, download=False)


@pytest.mark.parametrize("slug, options, fit, wrong", TRAINED, ids=[f"{t[0]}-{t[1]}" for t in TRAINED])
def test_the_reference_solution_trains_exactly_like_the_lessons_code(slug, options, fit, wrong, tiny_data):
    ex = exercise(slug)
    code = ex.reference_source().replace(*fit) if fit else ex.reference_source()
    mine, reference = train_both(ex, code, data=tiny_data, **options)
    assert mine.diverged_at is None and len(mine.losses) == len(reference.losses) > 5
    assert mine.losses == pytest.approx(reference.losses, rel=1e-6, abs=1e-12)
    assert mine.losses[-1] < mine.losses[0] * 0.9  # it learned something: the curves are not flat
    assert wrong[0] in code
    bad = train_both(ex, code.replace(*wrong), data=tiny_data, **options)
    bad_losses = bad[0].losses
    assert bad[0].diverged_at is not None or bad_losses != pytest.approx(reference.losses, rel=1e-3)


@pytest.mark.parametrize("slug", ["softmax_regression", "mlp"])
def test_without_the_data_set_training_is_a_sentence(slug):
    from core.exercises.check import NO_DATA
    assert train_both(exercise(slug), exercise(slug).reference_source(), data=None) == NO_DATA


def test_the_softmax_page_trains_the_learners_gradient_on_its_loaded_data(tiny_dir):
    from helpers import chart_traces, open_with_data
    at = open_with_data("softmax_regression", tiny_dir)
    at.text_area(key="sm_ex_softmax_grad_code").set_value(exercise("softmax_regression").reference_source())
    at.button(key="sm_ex_softmax_grad_run").click().run()
    assert not at.exception, [e.message for e in at.exception]
    traces = chart_traces(at, "sm_ex_softmax_grad_curve")
    assert [t["name"] for t in traces] == ["your code", "reference"]
    assert traces[0]["y"] == pytest.approx(traces[1]["y"], rel=1e-6)
    from core.softmax_regression.exercise import TRAIN
    assert len(traces[0]["y"]) == -(-600 // TRAIN["batch_size"]) * TRAIN["num_epochs"]  # the tiny set has 600 images
