import pytest
import torch

from core import autograd_demos as demos


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
    assert bad.grad_norms[-1] > 10 * good.grad_norms[-1]
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
    assert set(run.depths) == {0, 1, 2, 3}
    assert run.losses[-1] < run.losses[0] / 10
    again = demos.train_dynamic(num_iters=200, seed=0)
    assert again.losses == run.losses and again.depths == run.depths


def test_dynamic_network_divergence_is_reported():
    run = demos.train_dynamic(lr=1.0, num_iters=200)
    assert run.diverged_at is not None and len(run.losses) == run.diverged_at
    assert all(torch.isfinite(torch.tensor(run.losses)))
