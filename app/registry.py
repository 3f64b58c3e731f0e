"""The one list of lessons.

A lesson's slug names its file in every folder: lessons/<slug>.md, app/lesson_pages/<slug>.py, core/<slug>.py (or
the package core/<slug>/) and tests/test_<slug>.py. Adding a lesson touches those four files and one entry here.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

from core.settings import Table


@dataclass(frozen=True)
class Lesson:
    slug: str  # names the prose file lessons/<slug>.md and the page lesson_pages/<slug>.py
    prefix: str  # of the page's widget keys
    title: str
    icon: str
    summary: str

    @property
    def page(self) -> str:
        return f"lesson_pages/{self.slug}.py"

    def settings(self) -> Table:
        """The lesson's settings table, core.<slug>.SETTINGS."""
        return importlib.import_module(f"core.{self.slug}").SETTINGS

    def core_modules(self) -> list[ModuleType]:
        """The lesson's core module, or every module of its core package."""
        module = importlib.import_module(f"core.{self.slug}")
        if not hasattr(module, "__path__"):
            return [module]
        return [importlib.import_module(f"{module.__name__}.{m.name}") for m in pkgutil.iter_modules(module.__path__)]


LESSONS = [
    Lesson("backprop_numpy", "bp", "Backprop by hand in NumPy", ":material/calculate:",
           "A two-layer ReLU network with hand-written forward and backward passes, checked live against autograd."),
    Lesson("tensors_autograd", "ta", "Tensors and autograd", ":material/account_tree:",
           "The same network four ways: NumPy, torch tensors, autograd, and a custom autograd Function."),
    Lesson("torch_nn", "nn", "torch.nn", ":material/layers:",
           "nn.Sequential and nn.Module, MSELoss, and why initialisation decides whether lr = 1e-6 learns."),
    Lesson("torch_optim", "op", "torch.optim", ":material/speed:",
           "SGD, momentum, RMSprop, Adagrad and Adam raced on the same weights and on 2-D loss surfaces."),
    Lesson("linear_regression", "lr", "Linear regression", ":material/show_chart:",
           "Recover w = [2, 3.4], b = 4.2 from noisy data, from scratch and with nn.Linear."),
    Lesson("softmax_regression", "sm", "Softmax regression", ":material/checkroom:",
           "Classify FashionMNIST with softmax and cross-entropy; see why the two are fused."),
    Lesson("mlp", "mlp", "MLP on FashionMNIST", ":material/hub:",
           "A hidden layer, a choice of activation and optimizer, trained live on your device."),
]
