"""The data before the model: labelled examples, what ToTensor does to a pixel, and what a per-image loader costs."""

import time
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import torch
import torchvision
from torch.utils.data import DataLoader, Subset
from torchvision.transforms import ToTensor

from core import fashion_mnist
from core.charts import weight_images_figure
from core.fashion_mnist import CLASSES, FashionMNIST, class_names
from core.training import synchronize


def class_examples(labels: torch.Tensor, per_class: int = 2) -> list[int]:
    """Return the indices of the first `per_class` images of each class, row by row: all classes, then again."""
    firsts = [torch.nonzero(labels == k).flatten()[:per_class].tolist() for k in range(len(CLASSES))]
    return [found[row] for row in range(per_class) for found in firsts if row < len(found)]


def examples_figure(data: FashionMNIST, per_class: int = 2) -> go.Figure:
    """Return a grid of training images, one column per class, each titled with its label."""
    idx = class_examples(data.train_labels, per_class)
    images = data.train_images[idx].cpu()  # (k, 784) in [0, 1]
    names = class_names()
    fig = weight_images_figure(images.T, [names[int(data.train_labels[i])] for i in idx], columns=len(CLASSES))
    fig.update_coloraxes(colorscale="gray", cmin=0, cmax=1)  # pixels, not weights: 0 black, 1 white
    return fig


@dataclass(frozen=True)
class ToTensorExample:
    """One training image as torchvision hands it over, and after ToTensor."""
    label: str  # its class, in English (translated where shown)
    pil_size: tuple[int, int]  # (width, height)
    pil_mode: str  # "L": 8-bit grey
    pixel_at: tuple[int, int]  # (row, column) of the pixel followed
    pixel_before: int  # 0..255
    tensor_shape: tuple[int, ...]  # (1, 28, 28): channel, height, width
    dtype: str
    pixel_after: float  # pixel_before / 255
    flattened_shape: tuple[int, ...]


def to_tensor_example(root: str | Path, index: int = 0, row: int = 14, column: int = 14) -> ToTensorExample:
    """Return one training image as torchvision hands it over (a PIL image), and after ToTensor: shapes and a pixel."""
    raw = torchvision.datasets.FashionMNIST(root, train=True, download=False)  # no transform: items are PIL images
    image, label = raw[index]
    X = ToTensor()(image)  # (1, 28, 28): channel, height, width
    return ToTensorExample(label=CLASSES[label], pil_size=image.size, pil_mode=image.mode, pixel_at=(row, column),
                           pixel_before=image.getpixel((column, row)), tensor_shape=tuple(X.shape),
                           dtype=str(X.dtype), pixel_after=X[0, row, column].item(),
                           flattened_shape=tuple(X.reshape(-1).shape))


@dataclass(frozen=True)
class LoadingTimes:
    """Seconds to bring the same number of images to the device, batch by batch, in two ways."""

    images: int
    batch_size: int
    dataloader: float  # DataLoader over torchvision's FashionMNIST with ToTensor, one image at a time
    preloaded: float  # index_select on the whole set, already a tensor on the device

    @property
    def ratio(self) -> float:
        return self.dataloader / self.preloaded


def loading_times(root: str | Path, data: FashionMNIST, images: int = 2000, batch_size: int = 256,
                  seed: int = 0) -> LoadingTimes:
    """Return the time to draw `images` shuffled training images in batches, through a DataLoader and by slicing."""
    device = data.train_images.device
    images = min(images, len(data.train_labels))
    dataset = torchvision.datasets.FashionMNIST(root, train=True, transform=ToTensor(), download=False)
    loader = DataLoader(Subset(dataset, range(images)), batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))  # num_workers=0: the work stays visible
    synchronize(device)
    start = time.perf_counter()
    for X, y in loader:  # X: (b, 1, 28, 28); each image went through PIL and ToTensor on its own
        X, y = X.reshape(len(X), -1).to(device), y.to(device)
    synchronize(device)
    dataloader = time.perf_counter() - start

    order = torch.randperm(images, generator=torch.Generator().manual_seed(seed)).to(device)
    synchronize(device)
    start = time.perf_counter()
    for i in range(0, images, batch_size):
        idx = order[i:i + batch_size]
        X, y = data.train_images.index_select(0, idx), data.train_labels.index_select(0, idx)  # as train_epochs
    synchronize(device)
    return LoadingTimes(images, batch_size, dataloader, time.perf_counter() - start)


def timed_loading(data_dir: str | None, device: str) -> LoadingTimes:
    """loading_times of the data set the lessons read from `data_dir` (None: found as everywhere else), held on
    `device` (the process's one copy): plain arguments, so that the runner computes it once and keeps it."""
    return loading_times(fashion_mnist.find_root(data_dir, download=False)[0], fashion_mnist.shared(data_dir, device))
