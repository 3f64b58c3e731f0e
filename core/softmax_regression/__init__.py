"""Lesson 6, softmax regression: the model and its hand-written gradient (`model`), the derivation's results
(`derivation`), the data before the model (`data`) and the original tutorial's loop, bug included (`tutorial`)."""

from core.i18n import N_
from core.settings import Setting, Table, lr_setting
from core.softmax_regression.model import (
    SoftmaxScratch,
    cross_entropy,
    naive_softmax,
    overflow_demo,
    softmax,
    softmax_cross_entropy_grad,
    softmax_regression,
)

__all__ = ["BATCH_SIZES", "SETTINGS", "SoftmaxScratch", "cross_entropy", "naive_softmax", "overflow_demo", "softmax",
           "softmax_cross_entropy_grad", "softmax_regression"]

BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
SETTINGS = Table(
    (
        Setting("scale", N_("Multiply the logits [1, 2, 3] by"), 50, "choice", options=(1, 10, 30, 50, 100, 1000),
                widget="select_slider", in_run=False),
        lr_setting("lr", N_("learning rate"), 0.1),
        Setting("batch_size", N_("batch size"), 256, "choice", options=BATCH_SIZES, widget="select_slider"),
        Setting("num_epochs", N_("epochs"), 5, min=1, max=50),
        Setting("versions", N_("versions"), ["scratch", "concise"], "multi", options=("scratch", "concise")),
    ),
    # the original tutorial's two runs: from scratch (10 epochs, batches of 256), then concise (5, batches of 128)
    presets={N_("the tutorial's run"): dict(versions=["scratch"], lr=0.1, batch_size=256, num_epochs=10),
             N_("the tutorial's concise run"): dict(versions=["concise"], lr=0.1, batch_size=128, num_epochs=5)},
)
