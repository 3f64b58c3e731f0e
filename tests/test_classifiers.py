"""Hand-written softmax regression and MLP: gradients against float64 autograd, and agreement with torch.nn."""

import pytest
import torch
import torch.nn.functional as F
from fashion_fixtures import real_data_or_skip

from core import classifiers as C
from core import results
from core.fashion_mnist import FashionMNIST
from core.training import MLP_PRESETS, History, SGDByHand, accuracy, cosine_lr, make_optimizer, train_epochs

BUILTIN = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


def toy(n: int = 64, dtype=torch.float64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 784, generator=g, dtype=dtype), torch.randint(0, 10, (n,), generator=g)


def toy_dataset(dtype=torch.float64) -> FashionMNIST:
    X, y = toy(300, dtype, seed=1)
    X_test, y_test = toy(100, dtype, seed=2)
    return FashionMNIST(X, y, X_test, y_test, "toy")


def as_double(model):
    if isinstance(model, C.Concise):
        return model.double()
    for name in ("W", "b", "W1", "b1", "W2", "b2"):
        if hasattr(model, name):
            setattr(model, name, getattr(model, name).double())
    return model


def test_softmax_regression_gradients_equal_autograd():
    X, y = toy()
    model = as_double(C.softmax_regression("scratch", seed=3))
    model.W += 0.1 * torch.randn_like(model.W)  # away from the all-equal start
    loss, _ = model.loss_and_grads(X, y)
    W, b = model.W.clone().requires_grad_(), model.b.clone().requires_grad_()
    reference = F.cross_entropy(X @ W + b, y)
    reference.backward()
    assert loss.item() == pytest.approx(reference.item(), rel=1e-12)
    torch.testing.assert_close(model.W.grad, W.grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(model.b.grad, b.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", list(C.ACTIVATIONS))
def test_mlp_gradients_equal_autograd_through_torch_builtins(activation):
    X, y = toy()
    model = as_double(C.mlp("scratch", 32, activation, seed=4))
    for p in model.parameters():
        p += 0.5 * torch.randn_like(p)
    model.loss_and_grads(X, y)
    params = [p.clone().requires_grad_() for p in model.parameters()]
    W1, b1, W2, b2 = params
    F.cross_entropy(BUILTIN[activation](X @ W1 + b1) @ W2 + b2, y).backward()
    for mine, ref in zip(model.parameters(), params):
        torch.testing.assert_close(mine.grad, ref.grad, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("activation", list(C.ACTIVATIONS))
def test_hand_written_activations_and_derivatives(activation):
    z = torch.linspace(-30, 30, 601, dtype=torch.float64, requires_grad=True)
    f, df = C.ACTIVATIONS[activation]
    torch.testing.assert_close(f(z), BUILTIN[activation](z))
    (auto,) = torch.autograd.grad(BUILTIN[activation](z).sum(), z)
    torch.testing.assert_close(df(z.detach()), auto)


@pytest.mark.parametrize("optimizer, cosine", [("SGD", False), ("SGD", True), ("SGD + momentum", False)])
@pytest.mark.parametrize("build", [lambda v: C.softmax_regression(v, seed=5),
                                   lambda v: C.mlp(v, 16, "tanh", seed=5)], ids=["softmax", "mlp"])
def test_scratch_and_concise_follow_the_same_path(build, optimizer, cosine):
    """With plain SGD the scratch model updates by hand and the concise one through optim.SGD: same path."""
    data = toy_dataset()
    runs = {}
    for version in ("scratch", "concise"):
        model = as_double(build(version))
        runs[version] = list(train_epochs(model, data, optimizer, 0.02, 32, 3, seed=7, cosine=cosine))[-1]
    assert len(runs["scratch"].epochs) == 3
    for a, b in zip(runs["scratch"].epochs, runs["concise"].epochs):
        assert a.train_loss == pytest.approx(b.train_loss, rel=1e-10)
        assert a.test_acc == b.test_acc
    assert runs["scratch"].epochs[-1].train_loss < runs["scratch"].epochs[0].train_loss


def test_plain_sgd_is_by_hand_for_scratch_models_only():
    scratch, concise = C.mlp("scratch", 8), C.mlp("concise", 8)
    assert isinstance(make_optimizer("SGD", scratch, 0.1), SGDByHand)
    assert isinstance(make_optimizer("SGD", concise, 0.1), torch.optim.SGD)
    assert isinstance(make_optimizer("Adam", scratch, 0.1), torch.optim.Adam)
    W1 = scratch.W1
    scratch.loss_and_grads(*toy(32, torch.float32))
    expected = W1 - 0.1 * W1.grad
    make_optimizer("SGD", scratch, 0.1).step()
    assert scratch.W1 is W1  # updated in place
    torch.testing.assert_close(scratch.W1, expected)


def test_cosine_lr_matches_torch_cosine_annealing():
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for step in range(11):
        assert cosine_lr(0.3, step, 10) == pytest.approx(opt.param_groups[0]["lr"], abs=1e-12)
        opt.step()
        schedule.step()
    assert cosine_lr(0.3, 0, 10) == 0.3 and cosine_lr(0.3, 10, 10) == pytest.approx(0, abs=1e-12)


def test_naive_softmax_overflows_where_log_sum_exp_does_not():
    small, large = results.overflow_demo(1), results.overflow_demo(100)
    assert small["naive: -log(softmax)"] == pytest.approx(small["log-sum-exp"], rel=1e-6)
    assert not torch.isfinite(torch.tensor(large["naive: -log(softmax)"]))
    assert not torch.isfinite(torch.tensor(large["max-shifted softmax"]))  # underflow of the true class
    assert large["log-sum-exp"] == pytest.approx(200.0)


def test_training_loop_divergence_settings_and_determinism():
    data = toy_dataset(torch.float32)
    diverged = list(train_epochs(C.mlp("scratch", 16, seed=0), data, "SGD", 1e6, 32, 3))[-1]
    assert diverged.diverged_at is not None and diverged.epochs == []
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        next(train_epochs(C.mlp("scratch", 16), data, batch_size=0))
    with pytest.raises(ValueError, match="lr must be positive"):
        next(train_epochs(C.mlp("scratch", 16), data, lr=-1))
    a = list(train_epochs(C.mlp("scratch", 16, seed=1), data, "Adam", 1e-3, 32, 2, seed=1))[-1]
    b = list(train_epochs(C.mlp("scratch", 16, seed=1), data, "Adam", 1e-3, 32, 2, seed=1))[-1]
    assert [e.train_loss for e in a.epochs] == [e.train_loss for e in b.epochs]


def test_stopping_early_keeps_the_partial_history_and_the_learned_weights():
    data = toy_dataset(torch.float32)
    model, history = C.mlp("scratch", 16, seed=0), History()
    start = model.W1.clone()
    trainer = train_epochs(model, data, "SGD", 0.5, 32, 10, history=history)
    next(trainer)  # one epoch, then the learner presses Stop
    assert len(history.epochs) == 1 and not torch.equal(model.W1, start)
    assert accuracy(model, data.train_images, data.train_labels) == pytest.approx(
        history.epochs[0].train_acc, abs=0.2)


def test_confusion_matrix_and_gallery_picks_agree_with_predictions():
    probs = torch.softmax(torch.randn(200, 10), dim=1)
    labels = torch.randint(0, 10, (200,))
    counts = results.confusion_matrix(probs, labels)
    pred = probs.argmax(dim=1)
    assert counts.sum() == 200 and counts.trace() == (pred == labels).sum().item()
    picks = results.gallery_picks(probs, labels, true_class=3, pred_class=5, limit=500)
    assert len(picks) == counts[3, 5] and all(labels[i] == 3 and pred[i] == 5 for i in picks)
    assert all(pred[i] != labels[i] for i in results.gallery_picks(probs, labels, mistakes_only=True))


def test_real_data_short_run_beats_chance_by_far():
    data = real_data_or_skip()
    history = list(train_epochs(C.softmax_regression("scratch"), data, "SGD", 0.1, 256, 1))[-1]
    assert history.epochs[0].test_acc > 0.7  # chance is 0.1


def test_mlp_good_defaults_reach_0_885_on_real_data():
    data = real_data_or_skip()
    s = MLP_PRESETS["good defaults"]
    model = C.mlp("scratch", s["num_hiddens"], s["activation"], seed=0)
    history = list(train_epochs(model, data, s["optimizer"], s["lr"], s["batch_size"], s["num_epochs"], seed=0,
                                cosine=s["cosine"]))[-1]
    assert history.epochs[-1].test_acc >= 0.885
