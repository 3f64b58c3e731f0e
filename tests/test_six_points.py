import pytest
import torch
import torch.nn.functional as F

from core import six_points as sp


def test_seed_settings_reach_full_training_accuracy():
    start = sp.init_params(0)
    assert sp.train_manual(start).accuracies[-1] == 1.0
    assert sp.train_optim(start).accuracies[-1] == 1.0


@pytest.mark.parametrize("seed", range(6))
def test_manual_and_optim_follow_the_same_path(seed):
    start = sp.init_params(seed)
    manual, auto = sp.train_manual(start, num_epochs=300), sp.train_optim(start, num_epochs=300)
    assert max(abs(a - b) for a, b in zip(manual.losses, auto.losses)) < 1e-5
    assert manual.accuracies == auto.accuracies
    for k in start:
        torch.testing.assert_close(manual.params[k], auto.params[k], rtol=1e-4, atol=1e-5)


def test_first_update_of_the_output_bias_is_the_closed_form():
    start = sp.init_params(3)
    probs = F.softmax(sp.logits_of(start, sp.X), dim=1)
    grad = (probs - F.one_hot(sp.y, 3)).mean(dim=0)  # d mean-cross-entropy / d Bout
    after = sp.train_manual(start, lr=0.5, num_epochs=1).params["Bout"]
    torch.testing.assert_close(after, start["Bout"] - 0.5 * grad, rtol=1e-5, atol=1e-6)


def test_log_softmax_plus_nll_is_cross_entropy():
    for seed in range(5):
        result = sp.loss_equivalence(seed)
        assert result["difference"] < 1e-6 and result["cross_entropy"] > 0


def test_decision_regions_agree_with_predictions_on_the_points():
    run = sp.train_optim(sp.init_params(0))
    fig = sp.decision_figure(run.params, "t")
    regions = fig.data[0]
    for point, label in zip(sp.X.tolist(), sp.y.tolist()):
        i = min(range(len(regions.x)), key=lambda k: abs(regions.x[k] - point[0]))
        j = min(range(len(regions.y)), key=lambda k: abs(regions.y[k] - point[1]))
        assert regions.z[j][i] == label
