"""Lesson 2, tensors and autograd: the same network four ways (`ladder`) and live autograd experiments (`demos`)."""

from core.i18n import N_
from core.settings import Setting, Table, lr_setting
from core.tensors_autograd.ladder import STAGES

PAIRS = [f"{a} → {b}" for a, b in zip(STAGES, list(STAGES)[1:])]

SETTINGS = Table((
    Setting("stages", N_("Implementations"), list(STAGES), "multi", options=tuple(STAGES)),
    lr_setting("lr", N_("learning rate"), 1e-6),
    Setting("num_iters", N_("iterations"), 500, min=1, max=2000, step=50),
    Setting("diff", N_("Compare"), 1, "choice", options=tuple(range(len(PAIRS))), labels=PAIRS.__getitem__,
            widget="radio", in_run=False),
    Setting("zero_grad", N_("Zero the gradients after each update"), False, "bool", in_run=False),
    lr_setting("dyn_lr", N_("learning rate (SGD)"), 1e-4, in_run=False),
    Setting("dyn_momentum", N_("momentum"), 0.9, "float", min=0.0, max=0.99, step=0.01, widget="slider", in_run=False),
    Setting("dyn_iters", N_("steps"), 300, min=1, max=1000, step=50, in_run=False),
))
