"""Lesson 4, torch.optim: the optimizer race (`race`), paths on 2-D surfaces (`surfaces`), six points (`six_points`)."""

from core.i18n import N_, _
from core.optimizers import OPTIMIZERS
from core.settings import Setting, Table, lr_setting
from core.torch_optim.race import INITS
from core.torch_optim.surfaces import SURFACES

LR_NAMES = {name: "lr_" + name.lower().replace(" + ", "_") for name in OPTIMIZERS}  # "SGD + momentum": lr_sgd_momentum
SURFACE_NAMES = {"ill-conditioned quadratic": "quadratic", "Rosenbrock": "rosenbrock"}  # query-parameter prefixes

SETTINGS = Table((
    Setting("optimizers", N_("Optimizers"), list(OPTIMIZERS), "multi", options=tuple(OPTIMIZERS)),
    *(lr_setting(LR_NAMES[name], f"lr: {name}", default) for name, (*_fixed, default) in OPTIMIZERS.items()),
    Setting("num_iters", N_("iterations"), 500, min=1, max=2000, step=50),
    Setting("init", N_("initial weights"), "default", "choice", options=tuple(INITS), labels=lambda k: _(INITS[k]),
            widget="radio",
            help=N_("Both start from the same seeded network; normal_ redraws its weights from N(0, 1).")),
    Setting("surface", N_("Surface"), "ill-conditioned quadratic", "choice", options=tuple(SURFACES), labels=_,
            in_run=False),
    *(setting for surface, short in SURFACE_NAMES.items() for setting in (
        lr_setting(f"{short}_lr", N_("learning rate (all)"), SURFACES[surface].lr, in_run=False),
        Setting(f"{short}_momentum", N_("momentum (SGD + momentum)"), SURFACES[surface].momentum, "float", min=0.0,
                max=0.99, step=0.01, widget="slider", in_run=False),
        Setting(f"{short}_steps", N_("steps"), SURFACES[surface].num_steps, min=1, max=5000, step=50, in_run=False))),
    lr_setting("six_lr", N_("learning rate"), 0.01, in_run=False),
    Setting("six_epochs", N_("epochs"), 1000, min=1, max=5000, step=100, in_run=False),
))
