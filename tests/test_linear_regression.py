"""Lesson 5: linear regression from scratch and concise, and the page."""

import pytest

from core import linear_regression as lr
from helpers import chart_traces, open_page


@pytest.mark.parametrize("train", [lr.train_scratch, lr.train_concise])
def test_recovers_the_true_parameters_with_the_seed_settings(train):
    X, y = lr.make_data([2, 3.4], 4.2, noise=0.01, num_examples=1000, seed=0)
    fit = train(X, y, lr=0.03, batch_size=10, num_epochs=3, seed=0)
    assert fit.outputs["w"] == pytest.approx([2, 3.4], abs=0.01) and fit.outputs["b"] == pytest.approx(4.2, abs=0.01)
    assert fit.losses[-1] < 2e-4  # the noise variance is 1e-4


def test_scratch_and_concise_reach_the_same_solution_from_the_same_start():
    X, y = lr.make_data([-1.5, 0.7], 0.3, noise=0.1, num_examples=500, seed=4)
    a, b = lr.train_scratch(X, y, 0.01, 20, 20, seed=4), lr.train_concise(X, y, 0.01, 20, 20, seed=4)
    assert a.outputs["w"] == pytest.approx(b.outputs["w"], abs=5e-3)
    assert a.outputs["b"] == pytest.approx(b.outputs["b"], abs=5e-3)
    first_a, first_b = lr.train_scratch(X, y, 0.01, 500, 1, seed=4), lr.train_concise(X, y, 0.01, 500, 1, seed=4)
    # one full batch: no shuffling, the very same step
    assert first_a.outputs["w"] == pytest.approx(first_b.outputs["w"], rel=1e-5)


def test_divergence_and_bad_settings():
    X, y = lr.make_data([2, 3.4], 4.2)
    fit = lr.train_scratch(X, y, lr=5.0, num_epochs=3)
    assert fit.diverged_at == 1 and len(fit.losses) == 1  # only the loss before training is finite
    with pytest.raises(ValueError, match="lr must be positive"):
        lr.train_concise(X, y, lr=0)
    with pytest.raises(ValueError):
        lr.make_data([1.0], 0.0, num_examples=0)


def test_linear_regression_page_shows_core_results():
    at = open_page("linear_regression")
    X, y = lr.make_data([2.0, 3.4], 4.2, 0.01, 1000, 0)
    fit = lr.train_scratch(X, y, 0.03, 10, 3, 0)
    table = at.table[0].value
    assert table["from scratch"].tolist() == pytest.approx([*fit.outputs["w"], fit.outputs["b"]])
    assert any("within 0.01 of the truth" in s.value for s in at.success)
    at.number_input(key="lr_noise").set_value(2.0).run()
    assert not any("within 0.01" in s.value for s in at.success)
    assert chart_traces(at, "lr_loss")[0]["y"] != pytest.approx(fit.losses)
