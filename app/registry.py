"""The one list of lessons.

Adding a lesson touches: one entry here, one page, one prose file, one core module and one test module.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    slug: str  # names the prose file lessons/<slug>.md and the page lesson_pages/<slug>.py
    title: str
    icon: str
    summary: str

    @property
    def page(self) -> str:
        return f"lesson_pages/{self.slug}.py"


LESSONS = [
    Lesson("backprop_numpy", "Backprop by hand in NumPy", ":material/calculate:",
           "A two-layer ReLU network with hand-written forward and backward passes, checked live against autograd."),
    Lesson("tensors_autograd", "Tensors and autograd", ":material/account_tree:",
           "The same network four ways: NumPy, torch tensors, autograd, and a custom autograd Function."),
    Lesson("torch_nn", "torch.nn", ":material/layers:",
           "nn.Sequential and nn.Module, MSELoss, and why initialisation decides whether lr = 1e-6 learns."),
    Lesson("torch_optim", "torch.optim", ":material/speed:",
           "SGD, momentum, RMSprop, Adagrad and Adam raced on the same weights and on 2-D loss surfaces."),
    Lesson("linear_regression", "Linear regression", ":material/show_chart:",
           "Recover w = [2, 3.4], b = 4.2 from noisy data, from scratch and with nn.Linear."),
    Lesson("softmax_regression", "Softmax regression", ":material/checkroom:",
           "Classify FashionMNIST with softmax and cross-entropy; see why the two are fused."),
    Lesson("mlp", "MLP on FashionMNIST", ":material/hub:",
           "A hidden layer, a choice of activation and optimizer, trained live on your device."),
]
