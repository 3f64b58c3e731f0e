"""The one list of lessons.

A lesson's slug names its file in every folder: lessons/<slug>.md, app/lesson_pages/<slug>.py, core/<slug>.py (or
the package core/<slug>/) and tests/test_<slug>.py. Adding a lesson touches those four files and one entry here.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

from core.i18n import N_
from core.settings import Table


@dataclass(frozen=True)
class Lesson:
    slug: str  # names the prose file lessons/<slug>.md and the page lesson_pages/<slug>.py
    prefix: str  # of the page's widget keys
    title: str  # in English, marked for translation: show _(title)
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
    Lesson("backprop_numpy", "bp", N_("Backprop by hand in NumPy"), ":material/calculate:",
           N_("A two-layer ReLU network with hand-written forward and backward passes, checked live against "
              "autograd.")),
    Lesson("tensors_autograd", "ta", N_("Tensors and autograd"), ":material/account_tree:",
           N_("The same network four ways: NumPy, torch tensors, autograd, and a custom autograd Function.")),
    Lesson("torch_nn", "nn", N_("torch.nn"), ":material/layers:",
           N_("nn.Sequential and nn.Module, MSELoss, and why initialisation decides whether lr = 1e-6 learns.")),
    Lesson("torch_optim", "op", N_("torch.optim"), ":material/speed:",
           N_("SGD, momentum, RMSprop, Adagrad and Adam raced on the same weights and on 2-D loss surfaces.")),
    Lesson("linear_regression", "lr", N_("Linear regression"), ":material/show_chart:",
           N_("Recover w = [2, 3.4], b = 4.2 from noisy data, from scratch and with nn.Linear.")),
    Lesson("softmax_regression", "sm", N_("Softmax regression"), ":material/checkroom:",
           N_("Classify FashionMNIST with softmax and cross-entropy; see why the two are fused.")),
    Lesson("mlp", "mlp", N_("MLP on FashionMNIST"), ":material/hub:",
           N_("A hidden layer, a choice of activation and optimizer, trained live on your device.")),
]
