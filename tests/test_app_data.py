"""Page tests for lessons 5-7, on tiny IDX files the tests write (the real set is tested elsewhere)."""

import pytest
import torch
from fashion_fixtures import write_tiny

from core import classifiers
from core import linear_regression as lr
from helpers import chart_traces, open_page


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-fashion")
    write_tiny(root, n_train=600, n_test=200)
    return str(root)


def open_with_data(slug: str, data_dir: str):
    at = open_page(slug)
    at.text_input(key="data_dir").set_value(data_dir).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_linear_regression_page_shows_core_results():
    at = open_page("linear_regression")
    X, y = lr.make_data([2.0, 3.4], 4.2, 0.01, 1000, 0)
    fit = lr.train_scratch(X, y, 0.03, 10, 3, 0)
    table = at.table[0].value
    assert table["from scratch"].tolist() == pytest.approx([*fit.w, fit.b])
    assert any("within 0.01 of the truth" in s.value for s in at.success)
    at.number_input(key="lr_noise").set_value(2.0).run()
    assert not any("within 0.01" in s.value for s in at.success)
    assert chart_traces(at, "lr_loss")[0]["y"] != pytest.approx(fit.losses)


def test_softmax_page_trains_and_shows_gallery_confusion_and_weights(tiny_dir):
    at = open_with_data("softmax_regression", tiny_dir)
    assert any("600 training" in c.value for c in at.caption)
    at.number_input(key="sm_epochs").set_value(2).run()
    at.button(key="sm_train").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Finished" in " ".join(m.value for m in at.markdown)
    history = chart_traces(at, "sm_history")
    assert len(history[0]["y"]) == 2  # two epochs of training loss
    test_acc = history[2]["y"][-1]
    assert test_acc > 0.5  # the toy classes are easy; chance is 0.1
    assert len(at.get("image")) >= 1  # the gallery
    assert chart_traces(at, "sm_weights")  # ten 28x28 weight images
    at.run()  # a later rerun keeps the session's results
    assert chart_traces(at, "sm_history")[2]["y"][-1] == test_acc


def test_confusion_cell_filters_the_gallery(tiny_dir):
    at = open_with_data("softmax_regression", tiny_dir)
    at.number_input(key="sm_epochs").set_value(1).run()
    at.button(key="sm_train").click().run()
    at.session_state["sm_confusion"] = {"selection": {"rows": [], "columns": [], "cells": [(3, "Dress")]}}
    at.run()
    assert not at.exception
    assert any("True Dress, predicted Dress" in m.value for m in at.markdown)


def test_mlp_page_trains_scratch_and_concise_and_reports_divergence(tiny_dir):
    at = open_with_data("mlp", tiny_dir)
    at.select_slider(key="mlp_hidden").set_value(32).run()
    at.number_input(key="mlp_epochs").set_value(1).run()
    at.multiselect(key="mlp_versions").set_value(["scratch", "concise"]).run()
    at.button(key="mlp_train").click().run()
    assert not at.exception, [e.message for e in at.exception]
    names = [t["name"] for t in chart_traces(at, "mlp_history")]
    assert "scratch: loss" in names and "concise: loss" in names
    at.select_slider(key="mlp_lr").set_value(5.0).run()
    at.select_slider(key="mlp_batch").set_value(16).run()
    at.selectbox(key="mlp_opt").set_value("SGD").run()
    at.button(key="mlp_train").click().run()
    assert not at.exception
    assert any("diverged at epoch 1, batch" in e.value for e in at.error)


def test_presets_set_the_controls(tiny_dir):
    at = open_with_data("mlp", tiny_dir)
    at.button(key="preset_the seed's run").click().run()
    assert at.select_slider(key="mlp_lr").value == 0.5 and at.select_slider(key="mlp_hidden").value == 256
    assert at.selectbox(key="mlp_opt").value == "SGD" and at.number_input(key="mlp_epochs").value == 5


def test_missing_data_is_a_message_and_other_lessons_keep_working(tmp_path):
    at = open_with_data("mlp", str(tmp_path))
    assert any("apt-get install dataset-fashion-mnist" in e.value for e in at.error)
    at.switch_page("lesson_pages/backprop_numpy.py").run()
    assert not at.exception and any("Gradient check passed" in s.value for s in at.success)


def test_two_sessions_train_without_disturbing_each_other(tiny_dir):
    first, second = open_with_data("mlp", tiny_dir), open_with_data("mlp", tiny_dir)
    for at, hidden in ((first, 16), (second, 64)):
        at.select_slider(key="mlp_hidden").set_value(hidden).run()
        at.number_input(key="mlp_epochs").set_value(1).run()
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
    monkeypatch.setattr(classifiers, "mlp", no_memory)
    at.button(key="mlp_train").click().run()
    assert not at.exception
    assert any("ran out of memory" in e.value and "smaller batch" in e.value for e in at.error)
    assert "Failed" in " ".join(m.value for m in at.markdown)
