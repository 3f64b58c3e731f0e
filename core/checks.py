"""Argument checks shared by every lesson: a bad setting is a clear ValueError naming it, never a deep traceback."""

import numpy as np

from core.i18n import _


def check_sizes(**sizes: int) -> None:
    """Raise ValueError naming the first size that is not a positive integer."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(_("{name} must be a positive integer, got {value}").format(name=name, value=repr(value)))


def check_lr(lr: float) -> None:
    """Raise ValueError unless the learning rate is a positive number (NaN is not)."""
    if not lr > 0:
        raise ValueError(_("lr must be positive, got {lr}").format(lr=repr(lr)))
