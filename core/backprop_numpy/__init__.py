"""Lesson 1, backprop by hand in NumPy: the network (`network`), the check of its gradients (`gradcheck`), and the
general layer-by-layer recursion it is a special case of (`derivation`)."""

from core.i18n import N_
from core.settings import Setting, Table, lr_setting

SETTINGS = Table((
    Setting("N", N_("N (batch size)"), 64, min=1, max=512),
    Setting("D_in", N_("D_in (input size)"), 1000, min=1, max=4000),
    Setting("H", N_("H (hidden units)"), 100, min=1, max=1000),
    Setting("D_out", N_("D_out (output size)"), 10, min=1, max=100),
    Setting("num_iters", N_("iterations"), 500, min=1, max=5000, step=50),
    lr_setting("lr", N_("learning rate"), 1e-6),
    Setting("broken", N_("Break the backward pass: forget the ReLU mask"), False, "bool", in_run=False),
))
