"""The optimizers the lessons offer, each with its fixed settings: one table for the race and the training loop."""

import torch

# name -> (optimizer class, fixed settings, default learning rate for the two-layer race)
OPTIMIZERS: dict[str, tuple[type[torch.optim.Optimizer], dict, float]] = {
    "SGD": (torch.optim.SGD, {}, 1e-4),
    "SGD + momentum": (torch.optim.SGD, {"momentum": 0.9}, 2e-5),
    "RMSprop": (torch.optim.RMSprop, {}, 1e-4),
    "Adagrad": (torch.optim.Adagrad, {}, 1e-2),
    "Adam": (torch.optim.Adam, {}, 1e-4),
}
