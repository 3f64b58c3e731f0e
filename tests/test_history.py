"""Page tests of 'Your runs': kept runs, the comparison chart, restoring, export and import (lesson 3's page)."""

import pytest

from core import runs
from core import torch_nn as nl
from helpers import chart_traces, learner, open_page


@pytest.fixture
def two_runs():
    """The torch.nn page after two runs that differ in their learning rate."""
    at = open_page("torch_nn")
    at.number_input(key="nn_num_iters").set_value(50).run()
    at.select_slider(key="nn_lr").set_value(2e-6).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_two_runs_are_kept_and_both_are_on_the_overlay_chart(two_runs):
    history = learner(two_runs).history("torch_nn")
    assert [r.settings["lr"] for r in history.runs] == [1e-6, 1e-6, 2e-6]  # default, 50 iterations, new lr
    names = [t["name"] for t in chart_traces(two_runs, "nn_runs_overlay")]
    assert any("lr = 2e-06" in n for n in names) and any("lr = 1e-06" in n for n in names)
    expected = nl.train("Sequential", lr=2e-6, num_iters=50).losses
    traces = {t["name"]: t["y"] for t in chart_traces(two_runs, "nn_runs_overlay")}
    assert traces["run 3 · lr = 2e-06, num_iters = 50 · Sequential"] == pytest.approx(expected)
    two_runs.run()  # a rerun with the same settings keeps no new run
    assert len(learner(two_runs).history("torch_nn").runs) == 3


def test_restoring_a_run_puts_its_settings_back(two_runs):
    two_runs.selectbox(key="nn_runs_pick").set_value(1).run()
    two_runs.button(key="nn_runs_restore").click().run()
    assert two_runs.select_slider(key="nn_lr").value == 1e-6
    assert two_runs.number_input(key="nn_num_iters").value == 500
    assert chart_traces(two_runs, "nn_loss")[0]["y"] == pytest.approx(nl.train().losses)
    two_runs.selectbox(key="nn_runs_pick").set_value(2).run()
    two_runs.button(key="nn_runs_delete").click().run()
    assert [r.number for r in learner(two_runs).history("torch_nn").runs] == [1, 3]


def test_export_then_import_gives_back_equal_runs(two_runs):
    kept = learner(two_runs).history("torch_nn").runs
    document = runs.to_json(kept).encode()  # what the 'All runs (JSON)' button offers
    fresh = open_page("torch_nn")
    fresh.file_uploader(key="nn_runs_upload").set_value(("runs.json", document, "application/json")).run()
    assert not fresh.exception and any("Imported 3 run(s)" in s.value for s in fresh.success)
    back = learner(fresh).history("torch_nn").runs[-3:]
    for old, new in zip(kept, back):
        assert (new.settings, new.curves, new.status) == (old.settings, old.curves, old.status)


def test_a_broken_upload_is_a_message_and_changes_nothing(two_runs):
    before = [r.number for r in learner(two_runs).history("torch_nn").runs]
    broken = b'{"format": "nn-ground-up runs", "version": 1, "runs": [{"lesson": "torch_nn"'
    two_runs.file_uploader(key="nn_runs_upload").set_value(("runs.json", broken, "application/json")).run()
    assert not two_runs.exception
    assert any("Nothing was imported: the file is not valid JSON" in e.value for e in two_runs.error)
    assert [r.number for r in learner(two_runs).history("torch_nn").runs] == before
