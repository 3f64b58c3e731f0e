"""Lesson 7's cost model: the arithmetic and the steps of each of its runs, for the estimate before it starts."""

from core.costs import Work
from core.softmax_regression.costs import CLASSES, PIXELS, fashion_training


def drift_training(num_hiddens: int, batch_size: int, num_epochs: int, num_train: int = 2048,
                   num_test: int = 500) -> Work:
    """Lesson 7's drift measurement (core.mlp.version_drift): scratch and concise trained side by side on
    `num_train` images, once in float32 and once in float64, each epoch followed by a loss over the training
    images and logits on `num_test` test images. float64 matrix multiplies count twice (torch runs them at about
    half the float32 rate on a CPU)."""
    params = PIXELS * num_hiddens + num_hiddens * CLASSES
    per_epoch = 6 * num_train * params + 2 * num_train * params + 2 * num_test * params  # per version
    steps = -(-num_train // batch_size) * num_epochs * 2 * 2  # 2 versions, 2 precisions
    return Work(per_epoch * (num_epochs + 1) * 2 * (1 + 2), steps)


def mlp_training(num_hiddens: int, batch_size: int, num_epochs: int, num_versions: int) -> Work:
    """A Train press of lesson 7: each version of the MLP trained in full, as lesson 6 trains its model."""
    return fashion_training(num_hiddens, batch_size, num_epochs, num_versions)
