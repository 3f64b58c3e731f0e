"""Lesson 3: torch.nn models against float64 autograd, initialisation, and the page."""

import math

import pytest
import torch

from core import figure_text
from core import torch_nn as nl
from helpers import chart_traces, learner, open_page, send_to_pool


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
    assert default.losses[-1] > 0.5 * default.losses[0]  # the seed saw 646 -> 459
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


def test_data_are_drawn_independently_of_the_weights():
    X, _ = nl.make_data(64, 1000, 10, seed=0, device="cpu")
    W1 = nl.build("Sequential", 1000, 100, 10, seed=0, normal_init=False, device="cpu")[0].weight.detach()
    z = X @ W1.t() / W1.norm(dim=1)  # each entry ~ N(0, 1) when X and W1 are independent
    assert z.abs().max() < 6  # sharing one random stream put 11-sigma values on the diagonal


def test_normal_init_scales_each_layer_by_sqrt_3_fan_in_not_sqrt_1000():
    first, second = nl.init_scales(H=100, seed=0)
    for row in (first, second):
        assert row["weight ratio"] == pytest.approx(row["√(3·fan-in)"], rel=0.05)
    assert first["fan-in"] == 1000 and second["fan-in"] == 100
    assert first["weight ratio"] > 50 and second["weight ratio"] < 20  # not about 31.6 at each layer
    assert first["output std ratio"] == pytest.approx(first["weight ratio"], rel=0.1)
    product = first["weight ratio"] * second["weight ratio"]
    assert product / 1.5 < second["output std ratio"] < product * 1.5


def test_first_step_fraction_is_the_measured_first_order_drop():
    default, normal = nl.first_step(H=100, lr=1e-6, seed=0)
    assert default["lr·‖∇L‖²/L"] < 1e-2 < 1 < normal["lr·‖∇L‖²/L"]
    assert 1e3 < normal["‖∇L‖"] / default["‖∇L‖"] < 1e5  # thousands of times larger, not millions
    run = nl.train(normal_init=False, lr=1e-6, num_iters=2)
    drop = (run.losses[0] - run.losses[1]) / run.losses[0]
    assert default["first loss"] == pytest.approx(run.losses[0], rel=1e-6)
    assert drop == pytest.approx(default["lr·‖∇L‖²/L"], rel=0.05)


def test_relu_class_called_on_a_tensor_makes_a_layer_and_fails_only_when_used():
    shown = dict(nl.relu_module_versus_function())
    assert "ReLU" in shown["y = nn.ReLU(x); type(y)"]  # no error: a layer, not a tensor
    assert shown["y.sum()"] == "AttributeError: 'ReLU' object has no attribute 'sum'"
    assert shown["nn.Linear(4, 2)(y)"].startswith("TypeError") and "must be Tensor, not ReLU" in shown[
        "nn.Linear(4, 2)(y)"]
    assert shown["print(y)"].startswith("RuntimeError")
    assert shown["nn.ReLU()(x)"] == shown["F.relu(x)"] == repr(torch.tensor([0.0, 0.0, 0.0, 1.5]))


def test_dropout_differs_between_calls_in_train_mode_and_not_in_eval_mode():
    demo = nl.train_versus_eval(p=0.5, seed=0)
    assert set(demo.flags["train"].values()) == {True} and set(demo.flags["eval"].values()) == {False}
    assert "2: Dropout" in demo.flags["train"]
    assert demo.same == {"train": False, "eval": True} and demo.eval_requires_grad
    model = nl.make_dropout_net(0.5, seed=0)
    without_dropout = torch.nn.Sequential(model[0], model[1], model[3])
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(demo.outputs["eval"][0], without_dropout(x).detach())  # eval: dropout is a no-op
    assert not torch.equal(demo.outputs["train"][0], demo.outputs["eval"][0])
    assert nl.train_versus_eval(p=0.0, seed=0).same == {"train": True, "eval": True}


def test_nn_page_shows_identical_curves_and_the_init_experiment():
    at = open_page("torch_nn")
    curves = chart_traces(at, "nn_loss")
    assert curves[0]["y"] == curves[1]["y"] == pytest.approx(nl.train().losses)
    default_init, normal_init = chart_traces(at, "nn_init")
    assert default_init["y"][-1] > 100 * normal_init["y"][-1]
    ratio = nl.init_scales(100, 0)[0]["weight ratio"]
    assert any(f"first layer's weights are {ratio:.0f}× larger" in c.value for c in at.caption)
    code = "\n".join(c.value for c in at.code)
    assert "must be Tensor, not ReLU" in code and "has no attribute 'sum'" in code
    assert [m.value for m in at.metric if "two calls equal" in m.label] == ["no", "yes"]
    at.slider(key="nn_dropout").set_value(0.0).run()
    assert [m.value for m in at.metric if "two calls equal" in m.label] == ["yes", "yes"]
    at.toggle(key="nn_normal_init").set_value(False).run()
    assert chart_traces(at, "nn_loss")[0]["y"] == pytest.approx(nl.train(normal_init=False).losses)
    at.number_input(key="nn_H").set_value(30).run()
    shapes = [s for t in at.table if "shape" in t.value.columns for s in t.value["shape"].tolist()]
    assert "30 × 1000" in shapes
    assert any(f"√(3·30) = {(3 * 30) ** 0.5:.1f}" in c.value for c in at.caption)
    at.toggle(key="nn_normal_init").set_value(True).run()
    at.select_slider(key="nn_lr").set_value(1e-3).run()
    assert any("diverged at iteration" in e.value for e in at.error) and not at.exception


def test_the_runs_go_to_the_pool_when_long_and_are_kept_for_every_learner(monkeypatch):
    submitted = send_to_pool(monkeypatch)
    at = open_page("torch_nn", {"num_iters": "60", "H": "30"})
    assert sorted(submitted) == ["torch_nn", "torch_nn_tables"]  # the four runs in one job; the tables
    expected = {"nn_loss": nl.train("TwoLayerNet", H=30, num_iters=60),
                "nn_init": nl.train(H=30, num_iters=60, normal_init=False),
                "nn_lr_1e3": nl.train(H=30, lr=1e-3, num_iters=60)}
    for key, trace in (("nn_loss", 1), ("nn_init", 0), ("nn_lr_1e3", 0)):
        shown = chart_traces(at, key)[trace]["y"]
        assert len(shown) == len(expected[key].losses) and shown == pytest.approx(expected[key].losses, rel=1e-3)
    assert not learner(at).waiting
    second = open_page("torch_nn", {"num_iters": "60", "H": "30"})  # another learner, same settings
    assert len(submitted) == 2  # computed once for the server
    assert chart_traces(second, "nn_init")[0]["y"] == chart_traces(at, "nn_init")[0]["y"]


def test_weights_histogram_counts_every_weight_on_shared_bins_and_reads_as_its_range_and_peak():
    run = nl.train("Sequential", num_iters=5)
    fig = nl.weights_histogram_figure(run)
    before, after = fig.data
    assert (before.x == after.x).all()  # the same bins: the two histograms compare bar by bar
    weights = run.outputs["before"].numel()
    assert sum(before.y) == sum(after.y) == weights  # counted here, every weight in a bin
    low, high = run.outputs["before"].min().item(), run.outputs["before"].max().item()
    half = before.width[0] / 2  # the outer bins reach the extreme weights (within float32 rounding of an edge)
    assert before.x[0] - 1.01 * half <= low < before.x[0] and before.x[-1] < high <= before.x[-1] + 1.01 * half
    assert len(fig.to_json()) < 20_000  # counts reach the browser, not the 100,000 weights (1.4 MB, slow to draw)
    text = figure_text.describe(fig)
    assert f"{len(before.x)} bars from" in text and " = " not in text  # its range and peak, not the first bins
