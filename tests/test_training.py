"""The shared FashionMNIST training loop, optimizers and predictions, on toy data in float64."""

import pytest
import torch

from classifier_fixtures import as_double, toy, toy_dataset
from core import mlp, predictions
from core import softmax_regression as sr
from core.training import SGDByHand, accuracy, cosine_lr, make_optimizer, new_history, train_epochs


@pytest.mark.parametrize("optimizer, cosine", [("SGD", False), ("SGD", True), ("SGD + momentum", False)])
@pytest.mark.parametrize("build", [lambda v: sr.softmax_regression(v, seed=5),
                                   lambda v: mlp.mlp(v, 16, "tanh", seed=5)], ids=["softmax", "mlp"])
def test_scratch_and_concise_follow_the_same_path(build, optimizer, cosine):
    """With plain SGD the scratch model updates by hand and the concise one through optim.SGD: same path."""
    data = toy_dataset()
    runs = {}
    for version in ("scratch", "concise"):
        model = as_double(build(version))
        runs[version] = list(train_epochs(model, data, optimizer, 0.02, 32, 3, seed=7, cosine=cosine))[-1]
    assert runs["scratch"].num_epochs == 3
    a, b = runs["scratch"].epoch_values, runs["concise"].epoch_values
    assert a["train loss"] == pytest.approx(b["train loss"], rel=1e-10)
    assert a["test acc"] == b["test acc"]
    assert a["train loss"][-1] < a["train loss"][0]


def test_plain_sgd_is_by_hand_for_scratch_models_only():
    scratch, concise = mlp.mlp("scratch", 8), mlp.mlp("concise", 8)
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


def test_training_loop_divergence_settings_and_determinism():
    data = toy_dataset(torch.float32)
    diverged = list(train_epochs(mlp.mlp("scratch", 16, seed=0), data, "SGD", 1e6, 32, 3))[-1]
    assert diverged.diverged_at is not None and diverged.num_epochs == 0
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        next(train_epochs(mlp.mlp("scratch", 16), data, batch_size=0))
    with pytest.raises(ValueError, match="lr must be positive"):
        next(train_epochs(mlp.mlp("scratch", 16), data, lr=-1))
    a = list(train_epochs(mlp.mlp("scratch", 16, seed=1), data, "Adam", 1e-3, 32, 2, seed=1))[-1]
    b = list(train_epochs(mlp.mlp("scratch", 16, seed=1), data, "Adam", 1e-3, 32, 2, seed=1))[-1]
    assert a.epoch_values["train loss"] == b.epoch_values["train loss"]


def test_stopping_early_keeps_the_partial_history_and_the_learned_weights():
    data = toy_dataset(torch.float32)
    model, history = mlp.mlp("scratch", 16, seed=0), new_history(10)
    start = model.W1.clone()
    trainer = train_epochs(model, data, "SGD", 0.5, 32, 10, history=history)
    next(trainer)  # one epoch, then the learner presses Stop
    assert history.num_epochs == 1 and not torch.equal(model.W1, start)
    assert accuracy(model, data.train_images, data.train_labels) == pytest.approx(
        history.epoch_values["train acc"][0], abs=0.2)


def test_confusion_matrix_and_gallery_picks_agree_with_predictions():
    probs = torch.softmax(torch.randn(200, 10), dim=1)
    labels = torch.randint(0, 10, (200,))
    counts = predictions.confusion_matrix(probs, labels)
    pred = probs.argmax(dim=1)
    assert counts.sum() == 200 and counts.trace() == (pred == labels).sum().item()
    picks = predictions.gallery_picks(probs, labels, true_class=3, pred_class=5, limit=500)
    assert len(picks) == counts[3, 5] and all(labels[i] == 3 and pred[i] == 5 for i in picks)
    assert all(pred[i] != labels[i] for i in predictions.gallery_picks(probs, labels, mistakes_only=True))
