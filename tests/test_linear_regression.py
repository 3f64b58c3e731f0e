"""Lesson 5: linear regression from scratch and concise, and the page."""

import re

import pytest

from core import linear_regression as lr
from helpers import chart_traces, learner, open_page, send_to_pool, wait_for_job


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


def test_a_run_stopped_mid_epoch_keeps_the_epochs_that_finished():
    X, y = lr.make_data([2.0, 3.4], 4.2, 0.01, 1000, 0)
    for train in (lr.train_scratch, lr.train_concise):
        seen = []

        def stop(t: int, seen: list = seen) -> bool:
            seen.append(t)
            return t == 149  # in epoch 2

        stopped = train(X, y, 0.03, 10, 3, 0, on_iteration=stop)
        assert seen == list(range(150))  # one call per minibatch, counted across epochs
        full = train(X, y, 0.03, 10, 3, 0)
        assert stopped.losses == full.losses[:2]  # before training and after epoch 1
        assert stopped.outputs["w"] != full.outputs["w"]  # what it learned in half an epoch more is kept


def test_long_runs_train_in_the_pool_while_the_page_goes_on_and_land_in_the_history(monkeypatch):
    send_to_pool(monkeypatch)
    at = open_page("linear_regression", {"num_epochs": "8"})
    jobs = [learner(at).tickets[f"lr_{v}"].job for v in ("scratch", "concise")]
    assert all(j.kwargs["kwargs"]["num_epochs"] == 8 for j in jobs), [j.state for j in jobs]
    assert at.get("progress") and at.button(key="lr_scratch_stop") is not None
    labels = [m.value for m in at.markdown]  # each run's progress is named; "The two versions" names them again
    assert labels.count("**From scratch**") == labels.count("**Concise**") == 2
    assert any("appear when the runs above have ended" in i.value for i in at.info)
    assert at.header[-1].value and at.code  # the page below was drawn meanwhile, with its code
    for job in jobs:
        wait_for_job(job)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    expected = {v: lr.fit(v, [2.0, 3.4], 4.2, 0.01, 1000, 0.03, 10, 8, 0) for v in ("scratch", "concise")}
    table = at.table[0].value
    assert table["from scratch"].tolist() == pytest.approx([*expected["scratch"].outputs["w"],
                                                            expected["scratch"].outputs["b"]], rel=1e-5)
    assert chart_traces(at, "lr_loss")[1]["y"] == pytest.approx(expected["concise"].losses, rel=1e-5)
    run = learner(at).history("linear_regression").runs[-1]
    assert run.settings["num_epochs"] == 8 and run.status == "finished"


def test_a_run_over_the_servers_limit_is_refused_with_what_to_lower(monkeypatch):
    import runner
    monkeypatch.setattr(runner.pool(), "max_seconds", 2.0)
    at = open_page("linear_regression", {"num_examples": "20000", "batch_size": "1", "num_epochs": "50"})
    refusals = [e.value for e in at.error if "over its limit" in e.value]
    assert len(refusals) == 2, [e.value for e in at.error]  # each version says so
    epochs = [int(re.search(r"Lower the epochs to (\d+)", r).group(1)) if "epochs" in r else 0 for r in refusals]
    assert all(e < 50 for e in epochs) and "lr_scratch" not in learner(at).tickets
    assert not at.table  # nothing learned is shown as if it had been
