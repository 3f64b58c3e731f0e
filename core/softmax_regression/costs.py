"""Lesson 6's cost model: the arithmetic and the steps of each of its runs, for the estimate before it starts."""

from core.costs import Work

TRAIN_IMAGES, TEST_IMAGES, PIXELS, CLASSES = 60_000, 10_000, 784, 10


def fashion_training(num_hiddens: int | None, batch_size: int, num_epochs: int, num_versions: int = 1) -> Work:
    """A FashionMNIST run: softmax regression (num_hiddens None) or a one-hidden-layer MLP, each version trained
    in full, with the test set scored after every epoch."""
    params = PIXELS * CLASSES if num_hiddens is None else PIXELS * num_hiddens + num_hiddens * CLASSES
    per_epoch = 6 * TRAIN_IMAGES * params + 2 * TEST_IMAGES * params  # forward 2, backward 4; test: forward only
    steps = -(-TRAIN_IMAGES // batch_size) * num_epochs * num_versions
    return Work(per_epoch * num_epochs * num_versions, steps)


def reading_images(images: int) -> Work:
    """Reading FashionMNIST's files through torchvision, then `images` images one at a time through PIL and ToTensor
    and a DataLoader: about a training step's fixed cost each, and the files about a thousand."""
    return Work(0.0, 1000 + images)
