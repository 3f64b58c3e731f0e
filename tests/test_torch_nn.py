"""Lesson 3: torch.nn models against float64 autograd, initialisation, and the page."""

import math

import pytest
import torch

from core import torch_nn as nl
from helpers import chart_traces, open_page


def reference_gradients(model, X, y):
    """Gradients of the summed squared error, by autograd in float64 on a functional copy of the model."""
    W1, b1, W2, b2 = (p.detach().double().requires_grad_() for p in model.parameters())
    ((torch.relu(X.double() @ W1.t() + b1) @ W2.t() + b2 - y.double()) ** 2).sum().backward()
    return [W1.grad, b1.grad, W2.grad, b2.grad]


@pytest.mark.parametrize("kind", ["Sequential", "TwoLayerNet"])
def test_one_manual_step_is_the_float64_gradient_step(kind):
    model = nl.build(kind, 30, 20, 4, seed=0, normal_init=True, device="cpu")
    X, y = nl.make_data(8, 30, 4, seed=0, device="cpu")
    before = [p.detach().clone() for p in model.parameters()]
    expected = [b.double() - 1e-4 * g for b, g in zip(before, reference_gradients(model, X, y))]
    nl.train_manual(model, X, y, lr=1e-4, num_iters=1)
    for p, e in zip(model.parameters(), expected):
        torch.testing.assert_close(p.detach().double(), e, rtol=1e-5, atol=1e-5)


def test_sequential_and_module_give_identical_losses_from_the_same_weights():
    a, b = nl.train("Sequential", num_iters=100, seed=2), nl.train("TwoLayerNet", num_iters=100, seed=2)
    assert a.losses == b.losses


def test_default_init_barely_moves_while_normal_init_learns():
    default, normal = nl.train(normal_init=False), nl.train(normal_init=True)
    assert default.losses[-1] > 0.5 * default.losses[0]  # the seed saw 686 -> 493
    assert math.log10(normal.losses[0] / normal.losses[-1]) > 5
    assert default.outputs["before"].std() < 0.05 < normal.outputs["before"].std()


def test_parameter_table_counts_every_weight():
    rows = nl.parameter_table(nl.build("TwoLayerNet", 1000, 100, 10, 0, False, "cpu"))
    assert [r["name"] for r in rows] == ["linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
    assert sum(r["count"] for r in rows) == 1000 * 100 + 100 + 100 * 10 + 10
    assert rows[0]["shape"] == "100 × 1000" and rows[0]["device"] == "cpu"


def test_divergence_and_bad_arguments():
    run = nl.train(lr=1e-3)
    assert run.diverged_at is not None and len(run.losses) == run.diverged_at
    with pytest.raises(ValueError, match="lr must be positive"):
        nl.train(lr=-1.0)
    with pytest.raises(ValueError, match="H must be"):
        nl.train(H=0)


def test_nn_page_shows_identical_curves_and_the_init_experiment():
    at = open_page("torch_nn")
    curves = chart_traces(at, "nn_loss")
    assert curves[0]["y"] == curves[1]["y"] == pytest.approx(nl.train().losses)
    default_init, normal_init = chart_traces(at, "nn_init")
    assert default_init["y"][-1] > 100 * normal_init["y"][-1]
    at.toggle(key="nn_normal_init").set_value(False).run()
    assert chart_traces(at, "nn_loss")[0]["y"] == pytest.approx(nl.train(normal_init=False).losses)
    at.number_input(key="nn_H").set_value(30).run()
    assert "30 × 1000" in at.table[0].value["shape"].tolist()
    at.toggle(key="nn_normal_init").set_value(True).run()
    at.select_slider(key="nn_lr").set_value(1e-3).run()
    assert any("diverged at iteration" in e.value for e in at.error) and not at.exception
