"""The four implementations of lesson 2: each checked against float64 autograd, and against each other."""

import numpy as np
import pytest
import torch

from core import autograd_ladder as ladder
from core.backprop_numpy import make_problem
from core.device import available_devices, resolve_device

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


def test_stage_diffs_show_what_changed():
    diff = ladder.stage_diff(ladder.torch_by_hand, ladder.torch_autograd)
    assert "+        loss.backward()" in diff and "-        grad_W1 = X.t().mm(grad_h)" in diff
    custom = ladder.stage_diff(ladder.torch_autograd, ladder.torch_custom_function)
    assert "+class MyReLU(torch.autograd.Function):" in custom
    assert "+        y_hat = relu(X.mm(W1)).mm(W2)" in custom
