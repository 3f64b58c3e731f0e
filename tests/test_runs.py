"""Run histories: kept runs, one status, JSON and CSV export, and imports that refuse bad files whole."""

import json

import pytest

from core import runs
from core.curves import Curves
from core.torch_nn import SETTINGS

SETTINGS_A = {name: SETTINGS.defaults()[name] for name in SETTINGS.run_names()} | {"seed": 0, "device": "cpu"}


def curves(losses, diverged_at=None):
    return {"Sequential": Curves({"loss": losses}, diverged_at), "TwoLayerNet": Curves({"loss": losses[:1]})}


def test_distinct_runs_are_kept_once_and_train_runs_always():
    history = runs.RunHistory("torch_nn")
    first = history.add(SETTINGS_A, curves([3.0, 2.0]), distinct=True)
    again = history.add(SETTINGS_A, curves([9.0]), distinct=True)
    assert again is first and len(history.runs) == 1
    history.add(SETTINGS_A, curves([3.0, 1.0]))
    assert [r.number for r in history.runs] == [1, 2]
    diverged = history.add(SETTINGS_A | {"lr": 1e-3}, curves([3.0], diverged_at=1))
    assert diverged.status == "diverged" and diverged.status_text() == "Sequential diverged at iteration 1"
    assert first.metrics() == {"final loss (Sequential)": 2.0, "final loss (TwoLayerNet)": 3.0}


def test_pinned_runs_survive_the_limit():
    history = runs.RunHistory("torch_nn")
    history.add(SETTINGS_A, curves([1.0])).pinned = True
    for lr in range(runs.MAX_RUNS + 5):
        history.add(SETTINGS_A | {"num_iters": lr + 1}, curves([1.0]))
    assert len(history.runs) == runs.MAX_RUNS + 1 and history.runs[0].number == 1


def test_export_then_import_gives_equal_runs():
    history = runs.RunHistory("torch_nn")
    a = history.add(SETTINGS_A, curves([3.0, 2.0]), seconds=1.5)
    b = history.add(SETTINGS_A | {"lr": 1e-3}, curves([3.0], diverged_at=1))
    document = runs.to_json(history.runs)
    assert json.loads(document)["torch_version"]
    back, notices = runs.from_json(document, "torch_nn", SETTINGS)
    assert notices == []
    for old, new in zip((a, b), back):
        assert (new.settings, new.curves, new.status, new.message, new.seconds) == (
            old.settings, old.curves, old.status, old.message, old.seconds)
    lines = runs.to_csv(history.runs).splitlines()
    assert lines[0] == "run,curve,series,step,value" and "1,Sequential,loss,1,2.0" in lines


@pytest.mark.parametrize("document, message", [
    ("{not json", "not valid JSON"),
    ('{"format": "something else"}', "not a runs file"),
    ('{"format": "nn-ground-up runs", "version": 99, "runs": []}', "version 99"),
    ('{"format": "nn-ground-up runs", "version": 1, "runs": [{"lesson": "torch_nn", "settings": {}, '
     '"status": "finished", "curves": {"a": {"step": "iteration", "values": {"loss": [1, NaN]}}}}]}', "NaN"),
    ('{"format": "nn-ground-up runs", "version": 1, "runs": [{"lesson": "torch_nn", "settings": {}, '
     '"status": "hacked", "curves": {"a": {"step": "iteration", "values": {"loss": [1]}}}}]}', "unknown status"),
    ('{"format": "nn-ground-up runs", "version": 1, "runs": [{"lesson": "torch_nn", "settings": {}, '
     '"status": "finished", "curves": {"a": {"step": "iteration", "values": {"loss": "rm -rf"}}}}]}', "not a list"),
    ("[" * 100_000, "nested too deeply|not valid JSON"),
])
def test_a_bad_file_is_refused_with_a_message(document, message):
    with pytest.raises(runs.ImportRefused, match=message):
        runs.from_json(document, "torch_nn", SETTINGS)


def test_settings_in_a_file_are_checked_like_a_link():
    history = runs.RunHistory("torch_nn")
    history.add(SETTINGS_A | {"H": 50}, curves([1.0]))
    document = json.loads(runs.to_json(history.runs))
    document["runs"][0]["settings"] |= {"H": 10**9, "evil": "x"}
    document["runs"].append(dict(document["runs"][0], lesson="mlp"))
    back, notices = runs.from_json(json.dumps(document), "torch_nn", SETTINGS)
    assert len(back) == 1 and back[0].settings["H"] == 1000 and "evil" not in back[0].settings
    assert any("largest allowed" in n for n in notices) and any("another lesson" in n for n in notices)
