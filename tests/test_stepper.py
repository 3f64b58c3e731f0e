"""Stepping through one iteration (lesson 1) and the graph autograd records for it (lesson 2); the broken backward
pass trained and checked. PyTorch autograd in float64 is the answer key."""

import inspect
import sys

import numpy as np
import pytest
import torch

from core.backprop_numpy import broken, stepper
from core.backprop_numpy import network as bp
from core.tensors_autograd import graph
from helpers import chart_traces, open_page

TOL = dict(rtol=1e-12, atol=1e-12)


def autograd_iteration(seed: int, lr: float) -> dict[str, np.ndarray]:
    """Every array of one iteration of the tiny net, computed independently by torch autograd in float64."""
    p = bp.make_problem(**stepper.TINY, seed=seed)
    X, y = torch.from_numpy(p.X), torch.from_numpy(p.y)
    W1, W2 = torch.from_numpy(p.W1).requires_grad_(), torch.from_numpy(p.W2).requires_grad_()
    h = X.mm(W1)
    h_relu = torch.relu(h)
    y_hat = h_relu.mm(W2)
    for t in (h, h_relu, y_hat):
        t.retain_grad()
    loss = ((y_hat - y) ** 2).sum()
    loss.backward()
    W1_after, W2_after = (W1 - lr * W1.grad).detach(), (W2 - lr * W2.grad).detach()
    loss_after = ((torch.relu(X.mm(W1_after)).mm(W2_after) - y) ** 2).sum()
    arrays = {"X": X, "y": y, "W1": W1, "W2": W2, "h": h, "h > 0": (h > 0).double(), "h_relu": h_relu,
              "y_hat": y_hat, "loss": loss.reshape(1, 1), "grad_y_hat": y_hat.grad, "grad_W2": W2.grad,
              "grad_h_relu": h_relu.grad, "grad_h": h.grad, "grad_W1": W1.grad, "W1 after": W1_after,
              "W2 after": W2_after, "loss after": loss_after.reshape(1, 1)}
    return {name: a.detach().numpy() for name, a in arrays.items()}


# ---- lesson 1: the step-through ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 3])
def test_every_array_of_every_step_equals_float64_autograd(seed):
    steps = stepper.one_iteration(seed)
    expected = autograd_iteration(seed, lr=stepper.TINY_LR)
    shown = set()
    for step in steps:
        for name, array in step.arrays.items():
            assert array.shape == expected[name].shape, (step.title, name)
            np.testing.assert_allclose(array, expected[name], **TOL, err_msg=f"{step.title}: {name}")
            shown.add(name)
    assert shown == set(expected)  # every array of the iteration appears in some step
    assert expected["loss after"] < expected["loss"]  # the step went downhill, as the update step shows


def test_steps_run_forward_then_backward_then_update():
    titles = [s.title for s in stepper.one_iteration()]
    order = ["h", "ReLU mask", "y_hat", "The loss", "grad_y_hat", "grad_W2", "grad_h_relu", "grad_h", "grad_W1",
             "update"]
    positions = [next(i for i, t in enumerate(titles) if name in t) for name in order]
    assert positions == sorted(positions) and len(titles) == 12


def test_each_step_marks_real_lines_of_the_function_that_ran():
    for step in stepper.one_iteration():
        assert step.function in (bp.train, bp.forward, bp.backward)
        source = inspect.getsource(step.function)
        assert step.code, step.title
        for line in step.code:
            assert line in source and "=" in line, (step.title, line)
        marked = stepper.marked_source(step).splitlines()
        assert [line[2:].strip() for line in marked if line.startswith("▶")] == step.code
        assert "\n".join(line[2:] for line in marked) == source.rstrip("\n")  # the listing is the source itself
    grad_h = next(s for s in stepper.one_iteration() if s.title.endswith("grad_h"))
    assert grad_h.code == ["grad_h = grad_h_relu.copy()  # (N, H)",
                           "grad_h[h < 0] = 0  # ReLU lets the gradient through only where h > 0"]


def test_reading_locals_leaves_no_profiler_behind():
    before = sys.getprofile()
    result, seen = stepper.locals_on_return(lambda: bp.forward(np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 1))),
                                            bp.forward)
    assert sys.getprofile() is before
    np.testing.assert_array_equal(seen[bp.forward]["h"], np.full((2, 4), 3.0))
    assert result[2].shape == (2, 1)


def test_step_figure_holds_the_step_arrays():
    step = stepper.one_iteration(1)[10]  # grad_W1
    fig = stepper.step_figure(step)
    assert [t.name for t in fig.data] == list(step.arrays)
    for trace, array in zip(fig.data, step.arrays.values()):
        np.testing.assert_array_equal(np.asarray(trace.z), array)


# ---- lesson 1: training with the broken gradient, and the all-active check ---------------------------------

def straight_through_gradients(p: bp.Problem, W1: np.ndarray, W2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The broken gradients by autograd: a ReLU whose backward passes every gradient through (as if never masked)."""
    X, y = torch.from_numpy(p.X), torch.from_numpy(p.y)
    W1_t, W2_t = torch.from_numpy(W1).requires_grad_(), torch.from_numpy(W2).requires_grad_()
    h = X.mm(W1_t)
    h_relu = h + (h.clamp(min=0) - h).detach()  # forward: max(h, 0); backward: identity
    ((h_relu.mm(W2_t) - y) ** 2).sum().backward()
    return W1_t.grad.numpy(), W2_t.grad.numpy()


def test_broken_training_takes_the_unmasked_step_and_its_curve_differs():
    sizes, lr = dict(N=8, D_in=6, H=10, D_out=3), 1e-3
    good = bp.train(**sizes, lr=lr, num_iters=30, seed=2)
    bad = bp.train(**sizes, lr=lr, num_iters=30, seed=2, mask_relu=False)
    p = bp.make_problem(**sizes, seed=2)
    g1, g2 = straight_through_gradients(p, p.W1, p.W2)
    W1, W2 = p.W1 - lr * g1, p.W2 - lr * g2
    expected_second = ((np.maximum(p.X @ W1, 0) @ W2 - p.y) ** 2).sum()
    assert bad.losses[0] == good.losses[0]  # the same start
    assert bad.losses[1] == pytest.approx(expected_second, rel=1e-12)
    assert bad.losses[1] != pytest.approx(good.losses[1], rel=1e-9)
    assert max(abs(a - b) / a for a, b in zip(good.losses, bad.losses)) > 1e-3


def test_the_prose_claim_about_the_default_broken_run():
    good, bad = bp.train(), bp.train(mask_relu=False)
    assert bad.diverged_at is None and bad.losses[-1] < good.losses[-1]  # "ends a little lower" (default settings)
    assert bad.losses[-1] > 0.1 * good.losses[-1]


@pytest.mark.parametrize("seed", [0, 5])
def test_first_step_cosine_is_that_of_the_unmasked_gradient(seed):
    p = bp.make_problem(16, 20, 30, 3, seed)
    broken_W1, _ = straight_through_gradients(p, p.W1, p.W2)
    W1, W2 = torch.from_numpy(p.W1).requires_grad_(), torch.from_numpy(p.W2).requires_grad_()
    ((torch.relu(torch.from_numpy(p.X).mm(W1)).mm(W2) - torch.from_numpy(p.y)) ** 2).sum().backward()
    true_W1 = W1.grad.numpy()
    expected = (true_W1 * broken_W1).sum() / np.linalg.norm(true_W1) / np.linalg.norm(broken_W1)
    assert broken.first_step_cosine(16, 20, 30, 3, seed) == pytest.approx(expected, rel=1e-12)
    assert 0 < expected < 1


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_the_broken_backward_passes_the_check_when_every_unit_is_active(seed):
    checks = broken.tiny_checks(seed)
    active = checks["every unit active"]
    assert active.active == active.units == stepper.TINY["N"] * stepper.TINY["H"]
    p = broken.all_active(bp.make_problem(**stepper.TINY, seed=seed))
    assert (p.X @ p.W1 > 0).all()
    assert active.check.passed
    drawn = checks["as drawn"]
    assert drawn.active < drawn.units and not drawn.check.passed  # some unit is inactive: the bug shows
    assert drawn.check.autograd_error["W2"] < 1e-13


# ---- lesson 2: the recorded graph -------------------------------------------------------------------------

@pytest.fixture(scope="module", params=[0, 4])
def recorded(request) -> tuple[int, graph.Graph]:
    return request.param, graph.record(request.param)


def test_graph_has_the_nodes_of_the_forward_pass(recorded):
    _, g = recorded
    names = sorted(n.name for n in g.nodes)
    assert names.count("MmBackward0") == 2 and names.count("AccumulateGrad") == 2
    assert {"SumBackward0", "PowBackward0", "SubBackward0"} <= set(names)
    assert any("Clamp" in n or "Relu" in n for n in names)
    assert sorted(n.leaf for n in g.nodes if n.leaf) == ["W1", "W2"]
    assert g.nodes[0].name == "SumBackward0"  # loss.grad_fn


def test_backward_visits_every_node_once_in_reverse_topological_order(recorded):
    _, g = recorded
    order = [v.node for v in g.visits]
    assert sorted(order) == list(range(len(g.nodes)))
    position = {node: k for k, node in enumerate(order)}
    assert len(g.edges) == len(g.nodes) - 1  # a tree here: every node but the first has one parent
    for i, j, _ in g.edges:
        assert position[i] < position[j], (g.nodes[i].name, g.nodes[j].name)


def test_what_each_node_passes_on_is_what_the_next_receives(recorded):
    _, g = recorded
    visit = {v.node: v for v in g.visits}
    for i, j, k in g.edges:
        np.testing.assert_array_equal(visit[i].passed_on[k], visit[j].received[0])


def test_gradients_passed_on_equal_autograd_and_lesson_1(recorded):
    seed, g = recorded
    expected = autograd_iteration(seed, lr=stepper.TINY_LR)
    visit = {g.nodes[v.node].name: v for v in g.visits}  # the names that occur once
    np.testing.assert_allclose(visit["SubBackward0"].passed_on[0], expected["grad_y_hat"], **TOL)
    assert visit["SubBackward0"].passed_on[1] is None  # y needs no gradient
    clamp = next(v for name, v in visit.items() if "Clamp" in name or "Relu" in name)
    np.testing.assert_allclose(clamp.passed_on[0], expected["grad_h"], **TOL)
    mms = [v for v in g.visits if g.nodes[v.node].name == "MmBackward0"]
    np.testing.assert_allclose(mms[0].passed_on[0], expected["grad_h_relu"], **TOL)
    np.testing.assert_allclose(mms[0].passed_on[1], expected["grad_W2"], **TOL)
    assert mms[1].passed_on[0] is None  # X needs no gradient
    np.testing.assert_allclose(mms[1].passed_on[1], expected["grad_W1"], **TOL)
    lesson_1 = {name: a for step in stepper.one_iteration(seed) for name, a in step.arrays.items()}
    np.testing.assert_allclose(g.grads["W1"], lesson_1["grad_W1"], **TOL)
    np.testing.assert_allclose(g.grads["W2"], lesson_1["grad_W2"], **TOL)
    assert g.loss == pytest.approx(lesson_1["loss"].item(), rel=1e-14)


def test_dot_and_table_name_every_node_in_visiting_order(recorded):
    _, g = recorded
    text = graph.dot(g)
    assert text.startswith("digraph") and text.rstrip().endswith("}")
    assert text.count(" -> ") == len(g.edges) + 1  # plus the loss's own arrow
    rows = graph.visit_table(g)
    assert [r["node"] for r in rows] == [graph.label(g, v.node) for v in g.visits]
    assert rows[0]["node"] == "SumBackward0" and rows[-1]["node"].startswith("AccumulateGrad")


# ---- the pages --------------------------------------------------------------------------------------------

def shown_step(at) -> tuple[str, str]:
    """The formula and the marked lines of the step on screen."""
    marked = next(c.value for c in at.code if "▶" in c.value)
    formulas = {step.formula for step in stepper.one_iteration(0)}
    formula = next(f for f in (e.value.strip("$").strip() for e in at.latex) if f in formulas)
    return formula, "\n".join(line for line in marked.splitlines() if line.startswith("▶"))


def test_next_and_previous_step_through_the_iteration():
    at = open_page("backprop_numpy")
    steps = stepper.one_iteration(0)
    assert shown_step(at)[0] == steps[0].formula
    assert at.button(key="bp_step_prev").disabled
    at.button(key="bp_step_next").click().run()
    formula, marked = shown_step(at)
    assert formula == steps[1].formula and "h = X @ W1" in marked
    traces = chart_traces(at, "bp_step_arrays")
    assert [t["name"] for t in traces] == list(steps[1].arrays)
    np.testing.assert_allclose(traces[-1]["z"], steps[1].arrays["h"], rtol=1e-12)
    at.button(key="bp_step_prev").click().run()
    assert shown_step(at)[0] == steps[0].formula
    at.select_slider(key="bp_step").set_value(len(steps) - 1).run()
    assert not at.exception
    assert shown_step(at)[0] == steps[-1].formula and "W1 = W1 - lr * grad_W1" in shown_step(at)[1]
    assert at.button(key="bp_step_next").disabled


def test_broken_toggle_trains_with_the_broken_gradient_and_shows_the_all_active_check():
    at = open_page("backprop_numpy")
    at.toggle(key="bp_broken").set_value(True).run()
    assert not at.exception
    traces = chart_traces(at, "bp_broken_loss")
    good, bad = bp.train(), bp.train(mask_relu=False)
    assert traces[0]["y"] == pytest.approx(good.losses, rel=1e-12)
    assert traces[1]["y"] == pytest.approx(bad.losses, rel=1e-12)
    shown = "\n".join(m.value for m in at.markdown)
    assert f"the broken one ends at {bad.losses[-1]:.3g} after 500 iterations" in shown
    assert f"the correct run's final loss is {good.losses[-1] / bad.losses[-1]:.3g} times" in shown
    table = at.table[-1].value
    assert list(table["check of the broken backward"]) == ["failed", "passed"]


def test_lesson_2_draws_the_recorded_graph_for_the_sidebar_seed():
    at = open_page("tensors_autograd")
    g = graph.record(0)
    spec = at.get("graphviz_chart")[0].proto.spec
    assert spec == graph.dot(g)
    rows = next(t.value for t in at.table if "passes on" in t.value.columns)
    assert list(rows["node"]) == [graph.label(g, v.node) for v in g.visits]
    assert not at.exception
