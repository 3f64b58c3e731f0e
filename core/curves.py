"""The one result type for a run's curves, with one meaning of "diverged at"."""

from dataclasses import dataclass, field
from typing import Any

from core.i18n import N_, _

# how a learner counts each kind of step, in a sentence and on an axis
WHERE = {"iteration": N_("iteration {n}"), "step": N_("step {n}"), "epoch": N_("epoch {n}"), "batch": N_("batch {n}")}
AXIS_TITLES = {"iteration": N_("iteration"), "step": N_("step"), "epoch": N_("epoch"), "batch": N_("batch")}


@dataclass
class Curves:
    """Named curves over one axis of steps; "loss" is always one of them.

    `diverged_at` is the first step whose loss was not finite: every curve stops just before it. A step is an
    iteration, an optimizer step, an epoch (step 0 is then the state before training) or a minibatch.
    """

    values: dict[str, list[float]]  # curve name -> one value per step
    diverged_at: int | None = None
    step: str = "iteration"  # "iteration", "step", "epoch" or "batch"
    steps_per_epoch: int | None = None  # for step == "batch": lets charts and messages speak in epochs
    epoch_values: dict[str, list[float]] = field(default_factory=dict)  # one value per finished epoch
    outputs: dict[str, Any] = field(default_factory=dict)  # what else the run produced: final weights, points

    @property
    def losses(self) -> list[float]:
        return self.values["loss"]

    @property
    def num_epochs(self) -> int:
        """How many epochs finished (for step == "batch")."""
        return len(next(iter(self.epoch_values.values()), []))

    def where(self, step: int) -> str:
        """Name a step the way a learner counts: 'iteration 37', 'epoch 2', 'epoch 1, batch 14'."""
        if self.step == "batch" and self.steps_per_epoch:
            epoch, batch = divmod(step, self.steps_per_epoch)
            return _("epoch {epoch}, batch {batch}").format(epoch=epoch + 1, batch=batch + 1)
        return _(WHERE[self.step]).format(n=step)

    def divergence(self) -> str | None:
        """'diverged at iteration 37' (or at an epoch and batch), or None if the run did not diverge."""
        if self.diverged_at is None:
            return None
        return _("diverged at {where}").format(where=self.where(self.diverged_at))
