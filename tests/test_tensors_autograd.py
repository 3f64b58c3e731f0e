"""Lesson 2: the four implementations against float64 autograd and each other, the autograd demos, the page."""

from pathlib import Path

import numpy as np
import pytest
import torch

from core.backprop_numpy.network import make_problem
from core.device import available_devices, resolve_device
from core.tensors_autograd import demos, ladder
from helpers import chart_traces, open_page, send_to_pool

DEVICES = [d for d in available_devices() if d != "auto"]


def reference_step(p, lr):
    """One gradient-descent step computed by torch autograd in float64: the answer key."""
    W1, W2 = torch.from_numpy(p.W1).requires_grad_(), torch.from_numpy(p.W2).requires_grad_()
    (torch.from_numpy(p.X).mm(W1).clamp(min=0).mm(W2) - torch.from_numpy(p.y)).pow(2).sum().backward()
    return (W1 - lr * W1.grad).detach().numpy(), (W2 - lr * W2.grad).detach().numpy()


@pytest.mark.parametrize("name", list(ladder.STAGES))
@pytest.mark.parametrize("sizes", [(64, 1000, 100, 10), (5, 7, 3, 2)])
def test_each_stage_takes_the_autograd_step(name, sizes):
    p, lr = make_problem(*sizes, seed=1), 1e-6
    expected_W1, expected_W2 = reference_step(p, lr)
    if name == "NumPy by hand":
        W1, W2 = p.W1.copy(), p.W2.copy()
        ladder.STAGES[name](p.X, p.y, W1, W2, lr, 1)
    else:
        X, y, W1, W2 = (torch.tensor(a, dtype=torch.float64) for a in (p.X, p.y, p.W1, p.W2))
        ladder.STAGES[name](X, y, W1, W2, lr, 1)
        W1, W2 = W1.detach().numpy(), W2.detach().numpy()
    np.testing.assert_allclose(W1, expected_W1, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(W2, expected_W2, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("device", DEVICES)
def test_the_four_agree_on_one_seed(device):
    runs = {name: ladder.run_stage(name, seed=3, device=device) for name in ladder.STAGES}
    assert all(len(r.losses) == 500 and r.diverged_at is None for r in runs.values())
    tolerance = 1e-6 if resolve_device(device).type == "mps" else 1e-8  # float32 on MPS
    assert max(ladder.largest_differences(runs)) < tolerance
    assert runs["NumPy by hand"].losses[-1] < 1e-3 * runs["NumPy by hand"].losses[0]


def test_a_real_difference_would_show():
    a = ladder.run_stage("NumPy by hand", num_iters=50, seed=0)
    b = ladder.run_stage("torch autograd", num_iters=50, seed=1)
    assert max(ladder.largest_differences({"a": a, "b": b})) > 1e-3


def test_all_four_diverge_at_the_same_iteration():
    steps = {name: ladder.run_stage(name, lr=1e-4, seed=0).diverged_at for name in ladder.STAGES}
    assert None not in steps.values() and len(set(steps.values())) == 1


@pytest.mark.parametrize("kwargs", [dict(lr=0), dict(num_iters=0), dict(N=-1)])
def test_bad_arguments_raise_value_error(kwargs):
    with pytest.raises(ValueError, match="must be"):
        ladder.run_stage("torch autograd", **kwargs)


def test_custom_relu_passes_gradcheck_and_matches_builtin_relu():
    assert ladder.gradcheck_my_relu(seed=0) and ladder.gradcheck_my_relu(seed=5)
    x = torch.randn(20, 7, dtype=torch.float64, requires_grad=True)
    g = torch.randn(20, 7, dtype=torch.float64)
    (mine,) = torch.autograd.grad(ladder.MyReLU.apply(x), x, g)
    (builtin,) = torch.autograd.grad(torch.relu(x), x, g)
    torch.testing.assert_close(mine, builtin, rtol=0, atol=0)


def test_translation_table_is_computed_from_the_two_sources():
    changes = " | ".join(row["changed"] for row in ladder.translation_table())
    for pair in ("dot → mm", "maximum → clamp", "copy → clone", "T dot → t mm"):
        assert pair in changes
    square_row = next(r for r in ladder.translation_table() if "square" in r["NumPy"])
    assert "pow" in square_row["PyTorch"] and "item" in square_row["changed"]


@pytest.mark.parametrize("sizes", [(64, 1000, 100, 10), (5, 7, 3, 2)])
@pytest.mark.parametrize("seed", [0, 1])
def test_column_major_forward_pass_is_the_row_major_one_transposed(sizes, seed):
    N, D_in, H, D_out = sizes
    p = make_problem(*sizes, seed=seed)
    X, W1, W2 = (torch.from_numpy(a) for a in (p.X, p.W1, p.W2))
    by_rows = ladder.forward_rows(X, W1, W2)
    by_columns = ladder.forward_columns(X.t().contiguous(), W1, W2)  # X (D_in, N): one sample per column
    assert by_rows.shape == (N, D_out) and by_columns.shape == (D_out, N)
    expected = np.maximum(p.X @ p.W1, 0) @ p.W2  # NumPy's row-major answer, (N, D_out)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(by_rows.numpy(), expected, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(by_columns.numpy(), expected.T, rtol=0, atol=1e-12 * scale)


def test_column_major_row_reads_its_lines_from_the_source_and_its_shapes_from_a_run():
    check = ladder.column_major_row(5, 7, 3, 2, seed=1)
    assert check.row["NumPy"] == "h = X.dot(W1)" and check.row["PyTorch"] == "h = W1.t().mm(X)"
    assert "X (7, 5) instead of (5, 7)" in check.row["changed"]
    assert "h is (3, 5) instead of (5, 3)" in check.row["changed"]
    assert check.output_shapes == ((5, 2), (2, 5))
    default = ladder.column_major_row()
    assert "X (1000, 64) instead of (64, 1000)" in default.row["changed"]
    assert default.relative_difference < 1e-12 and check.relative_difference < 1e-12


def test_prose_counts_the_backward_lines_that_autograd_deletes():
    diff = ladder.stage_diff(ladder.torch_by_hand, ladder.torch_autograd).splitlines()
    deleted = [line for line in diff if line.startswith("-") and line[1:].strip().startswith("grad_")]
    prose = " ".join((Path(__file__).resolve().parents[1] / "lessons" / "tensors_autograd.md").read_text().split())
    assert len(deleted) == 6 and "the six lines of hand-written backward pass disappear" in prose


def test_stage_diffs_show_what_changed():
    diff = ladder.stage_diff(ladder.torch_by_hand, ladder.torch_autograd)
    assert "+        loss.backward()" in diff and "-        grad_W1 = X.t().mm(grad_h)" in diff
    custom = ladder.stage_diff(ladder.torch_autograd, ladder.torch_custom_function)
    assert "+class MyReLU(torch.autograd.Function):" in custom
    assert "+        y_hat = relu(X.mm(W1)).mm(W2)" in custom


def test_scalar_gradients_are_what_pytorch_prints():
    shown = demos.scalar_gradients()
    assert (shown["x.grad"], shown["w.grad"], shown["b.grad"], shown["y.grad"]) == (
        "tensor(2.)", "tensor(1.)", "tensor(1.)", "None")
    assert "not a leaf" in shown["warning"]


def test_backward_accumulates_unless_zeroed():
    assert demos.repeated_backward(4, zero_grad=False) == [1.0, 2.0, 3.0, 4.0]
    assert demos.repeated_backward(4, zero_grad=True) == [1.0, 1.0, 1.0, 1.0]


def test_forgetting_to_zero_piles_up_gradients_and_stalls_training():
    good = demos.train_with_or_without_zeroing(True)
    bad = demos.train_with_or_without_zeroing(False)
    assert good.losses[0] == bad.losses[0]
    assert bad.values["W1.grad norm"][-1] > 10 * good.values["W1.grad norm"][-1]
    assert bad.losses[-1] > 10 * good.losses[-1]


def test_inplace_update_of_a_leaf_raises_the_real_error():
    assert "a leaf Variable that requires grad is being used in an in-place operation" in demos.inplace_update_error()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trace_derivative_matches_the_closed_form(seed):
    result = demos.trace_derivative(seed)
    assert result.autograd.shape == (3, 4)
    assert result.max_abs_difference < 1e-10 * result.closed_form.abs().max().item()


def test_dynamic_network_changes_depth_and_still_learns():
    run = demos.train_dynamic(num_iters=200, seed=0)
    assert set(run.values["middle-layer repeats"]) == {0, 1, 2, 3}
    assert run.losses[-1] < run.losses[0] / 10
    again = demos.train_dynamic(num_iters=200, seed=0)
    assert again.losses == run.losses and again.values["middle-layer repeats"] == run.values["middle-layer repeats"]


def test_dynamic_network_divergence_is_reported():
    run = demos.train_dynamic(lr=1.0, num_iters=200)
    assert run.diverged_at is not None and len(run.losses) == run.diverged_at
    assert all(torch.isfinite(torch.tensor(run.losses)))


@pytest.fixture(scope="module")
def autograd_page():
    return open_page("tensors_autograd")


def test_autograd_page_overlays_the_four_core_runs(autograd_page):
    traces = chart_traces(autograd_page, "ta_loss")
    assert [t["name"] for t in traces] == list(ladder.STAGES)
    expected = ladder.run_stage("torch autograd", seed=0)
    assert traces[2]["y"] == pytest.approx(expected.losses, rel=1e-12)
    assert any("True" in s.value for s in autograd_page.success)  # gradcheck verdict
    shown = "\n".join(c.value for c in autograd_page.code)
    assert "class MyReLU(torch.autograd.Function)" in shown and "+        loss.backward()" in shown
    assert "a leaf Variable that requires grad" in shown


def test_autograd_page_ends_the_translation_table_with_the_column_layout(autograd_page):
    table = next(t.value for t in autograd_page.table if "changed" in t.value.columns)
    assert len(table) == len(ladder.translation_table()) + 1
    assert table.iloc[-1]["PyTorch"] == "h = W1.t().mm(X)" and "X (1000, 64)" in table.iloc[-1]["changed"]
    gap = f"{ladder.column_major_row(seed=0).relative_difference:.1e}"
    assert any(m.value == gap for m in autograd_page.metric)
    assert any("this gap is rounding" in c.value for c in autograd_page.caption)


def test_autograd_page_controls(autograd_page):
    at = autograd_page
    at.select_slider(key="ta_lr").set_value(5e-7).run()
    assert chart_traces(at, "ta_loss")[0]["y"] == pytest.approx(ladder.run_stage("NumPy by hand", lr=5e-7).losses)
    at.toggle(key="ta_zero_grad").set_value(True).run()
    assert [t["name"] for t in chart_traces(at, "ta_accum_loss")] == ["zeroing"]
    at.select_slider(key="ta_lr").set_value(1e-4).run()
    assert sum("diverged at iteration" in e.value for e in at.error) == 4
    at.multiselect(key="ta_stages").set_value([]).run()
    assert not at.exception and any("at least one implementation" in w.value for w in at.warning)


def test_long_runs_go_to_the_pool_and_are_kept_for_every_learner(monkeypatch):
    submitted = send_to_pool(monkeypatch)
    at = open_page("tensors_autograd", {"num_iters": "50", "dyn_iters": "40"})
    assert sorted(submitted) == ["tensors_autograd", "tensors_autograd_accumulate",  # the four in one job
                                 "tensors_autograd_dynamic"]
    traces = chart_traces(at, "ta_loss")
    assert [t["name"] for t in traces] == list(ladder.STAGES)
    for trace, name in zip(traces, ladder.STAGES):
        assert trace["y"] == pytest.approx(ladder.run_stage(name, num_iters=50).losses, rel=1e-9)  # float64
    dynamic = demos.train_dynamic(1e-4, 0.9, 40, 0, "cpu")
    assert chart_traces(at, "ta_dynamic")[0]["y"] == pytest.approx(dynamic.losses, rel=1e-3)  # float32
    open_page("tensors_autograd", {"num_iters": "50", "dyn_iters": "40"})  # another learner, same settings
    assert len(submitted) == 3  # computed once for the server
