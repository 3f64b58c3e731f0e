"""Lesson 6: the hand-written softmax regression against float64 autograd, and the page on tiny IDX files."""

import pytest
import torch
import torch.nn.functional as F

from classifier_fixtures import as_double, toy
from core import softmax_regression as sr
from core.training import train_epochs
from fashion_fixtures import real_data_or_skip
from helpers import chart_traces, open_with_data


def test_softmax_regression_gradients_equal_autograd():
    X, y = toy()
    model = as_double(sr.softmax_regression("scratch", seed=3))
    model.W += 0.1 * torch.randn_like(model.W)  # away from the all-equal start
    loss, _ = model.loss_and_grads(X, y)
    W, b = model.W.clone().requires_grad_(), model.b.clone().requires_grad_()
    reference = F.cross_entropy(X @ W + b, y)
    reference.backward()
    assert loss.item() == pytest.approx(reference.item(), rel=1e-12)
    torch.testing.assert_close(model.W.grad, W.grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(model.b.grad, b.grad, rtol=1e-10, atol=1e-12)


def test_naive_softmax_overflows_where_log_sum_exp_does_not():
    small, large = sr.overflow_demo(1), sr.overflow_demo(100)
    assert small["naive: -log(softmax)"] == pytest.approx(small["log-sum-exp"], rel=1e-6)
    assert not torch.isfinite(torch.tensor(large["naive: -log(softmax)"]))
    assert not torch.isfinite(torch.tensor(large["max-shifted softmax"]))  # underflow of the true class
    assert large["log-sum-exp"] == pytest.approx(200.0)


def test_real_data_short_run_beats_chance_by_far():
    data = real_data_or_skip()
    history = list(train_epochs(sr.softmax_regression("scratch"), data, "SGD", 0.1, 256, 1))[-1]
    assert history.epoch_values["test acc"][0] > 0.7  # chance is 0.1


def test_softmax_page_trains_and_shows_gallery_confusion_and_weights(tiny_dir):
    at = open_with_data("softmax_regression", tiny_dir)
    assert any("600 training" in c.value for c in at.caption)
    at.number_input(key="sm_num_epochs").set_value(2).run()
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
    at.number_input(key="sm_num_epochs").set_value(1).run()
    at.button(key="sm_train").click().run()
    at.session_state["sm_confusion"] = {"selection": {"rows": [], "columns": [], "cells": [(3, "Dress")]}}
    at.run()
    assert not at.exception
    assert any("True Dress, predicted Dress" in m.value for m in at.markdown)
