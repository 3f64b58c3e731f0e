import pytest
import torch

from core import optim_lesson as ol


@pytest.mark.parametrize("name", list(ol.OPTIMIZERS))
@pytest.mark.parametrize("surface", list(ol.SURFACES))
def test_each_optimizer_lowers_the_loss_on_each_surface(name, surface):
    s = ol.SURFACES[surface]
    path = ol.optimizer_path(surface, name, s.lr, s.momentum, s.num_steps)
    assert path.diverged_at is None and path.values[-1] < path.values[0]
    assert path.points.shape == (s.num_steps + 1, 2)


def test_sgd_path_is_the_closed_form_gradient_step():
    path = ol.optimizer_path("ill-conditioned quadratic", "SGD", lr=0.01, num_steps=3)
    x, y = ol.SURFACES["ill-conditioned quadratic"].start
    for point in path.points[1:]:
        x, y = x - 0.01 * x, y - 0.01 * 36 * y  # grad of x^2/2 + 18 y^2 is (x, 36 y)
        assert point == pytest.approx((x, y), rel=1e-12)


def test_momentum_beats_sgd_on_the_quadratic_with_the_lesson_settings():
    s = ol.SURFACES["ill-conditioned quadratic"]
    sgd = ol.optimizer_path("ill-conditioned quadratic", "SGD", s.lr, s.momentum, s.num_steps)
    momentum = ol.optimizer_path("ill-conditioned quadratic", "SGD + momentum", s.lr, s.momentum, s.num_steps)
    assert momentum.values[-1] < 1e-3 * sgd.values[-1]


def test_too_large_a_step_diverges_with_its_step_reported():
    path = ol.optimizer_path("Rosenbrock", "SGD", lr=0.01, num_steps=100)
    assert path.diverged_at is not None and len(path.values) == path.diverged_at


def test_every_optimizer_in_the_race_lowers_the_loss_from_one_start():
    runs = ol.race({name: lr for name, (_, _, lr) in ol.OPTIMIZERS.items()}, num_iters=100)
    assert len({r.losses[0] for r in runs.values()}) == 1  # same weights, same data
    for name, run in runs.items():
        assert run.diverged_at is None and run.losses[-1] < 0.1 * run.losses[0], name


def test_step_is_the_manual_update():
    assert ol.manual_versus_step(num_iters=20) < 1e-6


def test_bad_input():
    with pytest.raises(ValueError, match="at least one optimizer"):
        ol.race({})
    with pytest.raises(ValueError, match="lr must be positive"):
        ol.race({"Adam": 0.0})
    run = ol.race({"SGD": 1e-2}, num_iters=50)["SGD"]
    assert run.diverged_at is not None and all(torch.isfinite(torch.tensor(run.losses)))
