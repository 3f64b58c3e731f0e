"""The original tutorial's from-scratch softmax regression, bug included, to find out why it printed a loss of 500.

Its softmax divides by one sum over the whole batch, so each row sums to about 1/m instead of 1 and each image's
loss grows by about ln m. Its loss is also a sum over the batch, and it prints the last batch of each epoch.
"""

import math
from dataclasses import dataclass

import torch

from core import fashion_mnist
from core.classifier import init_weights
from core.curves import Curves
from core.fashion_mnist import FashionMNIST
from core.i18n import N_
from core.softmax_regression.derivation import one_hot, trace_cross_entropy
from core.softmax_regression.model import SoftmaxScratch, softmax
from core.training import accuracy


def tutorial_softmax(O: torch.Tensor) -> torch.Tensor:
    """Return the tutorial's softmax of the (m, k) logits: find the difference from `softmax`."""
    E = torch.exp(O)
    return E / E.sum()


def tutorial_cross_loss(Y_hat: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Return -tr(Y^T ln Y_hat), summed over the batch as in the tutorial's code (its SGD step divides by m)."""
    return len(Y) * trace_cross_entropy(Y_hat, Y)


@dataclass(frozen=True)
class BatchLosses:
    """One softmax on a batch of m images: what its rows sum to, and its loss per image and summed."""
    row_sum: float  # the first row's probabilities summed
    all_rows_sum: float  # every probability of the batch summed
    mean_loss: float  # the cross-entropy per image
    summed_loss: float  # the loss summed over the batch, as the tutorial's code has it

    def rows(self) -> list[tuple[str, float]]:
        """Each quantity with its name (marked for translation), in the order the table shows them."""
        return [(N_("one row sums to"), self.row_sum), (N_("all m rows sum to"), self.all_rows_sum),
                (N_("mean loss per image"), self.mean_loss), (N_("loss summed over the batch"), self.summed_loss)]


def first_batch_losses(data: FashionMNIST, seed: int = 0, batch_size: int = 256) -> dict[str, BatchLosses]:
    """Return, for each softmax, its sums and losses on a run's first batch with the initial weights."""
    W, b = init_weights([784, 10], seed, data.train_images.device)
    order = torch.randperm(len(data.train_labels), generator=torch.Generator().manual_seed(seed))  # as train_epochs
    idx = order[:batch_size].to(data.train_images.device)
    X, y = data.train_images.index_select(0, idx), data.train_labels.index_select(0, idx)  # (m, 784), (m,)
    O, Y = X @ W + b, one_hot(y)  # (m, 10) each
    found = {}
    for name, f in (("softmax", softmax), ("tutorial_softmax", tutorial_softmax)):
        Y_hat = f(O)
        found[name] = BatchLosses(row_sum=Y_hat[0].sum().item(), all_rows_sum=Y_hat.sum().item(),
                                  mean_loss=trace_cross_entropy(Y_hat, Y).item(),
                                  summed_loss=tutorial_cross_loss(Y_hat, Y).item())
    return found


@dataclass(frozen=True)
class LossSplit:
    """The tutorial's summed loss of a batch of m images, and the three parts it is the sum of."""
    tutorial: float  # what the tutorial's loss gives
    correct: float  # the correct cross-entropy, summed over the batch
    m_ln_m: float  # m ln m
    gap: float  # m ln(S/m) - sum ln S_i: never negative, 0 when every row's exps sum to the same

    def parts(self) -> list[tuple[str, float]]:
        """Each quantity with its name (marked for translation), in the order a table shows them."""
        return [(N_("the tutorial's loss"), self.tutorial), (N_("correct loss, summed"), self.correct),
                ("m ln m", self.m_ln_m), (N_("gap, m ln(S/m) - sum ln S_i"), self.gap)]


def loss_split(O: torch.Tensor, y: torch.Tensor) -> LossSplit:
    """Return the tutorial's summed loss of logits O and its three parts: the correct summed loss, m ln m, a gap.

    With S_i the sum of row i's exps and S their total, its loss per image is ln S - o_y = (ln S_i - o_y) + ln(S/S_i),
    and the sum of ln(S/S_i) over the m rows is m ln m plus a gap that is never negative (AM-GM), 0 when all S_i are
    equal.
    """
    O, y, m = O.detach().cpu().double(), y.cpu(), len(y)  # float64, so the small gap is not lost in rounding
    Y = one_hot(y, dtype=O.dtype)
    S_i = torch.exp(O).sum(dim=1)  # (m,)
    return LossSplit(tutorial=tutorial_cross_loss(tutorial_softmax(O), Y).item(),
                     correct=m * trace_cross_entropy(softmax(O), Y).item(), m_ln_m=m * math.log(m),
                     gap=(m * torch.log(S_i.sum() / m) - torch.log(S_i).sum()).item())


def tutorial_run(data: FashionMNIST, num_epochs: int = 1, lr: float = 0.1, batch_size: int = 256,
                 seed: int = 0) -> Curves:
    """Train as the tutorial does (its softmax, its summed loss, autograd, its SGD step); return the curves.

    epoch_values["printed loss"] is what the tutorial prints after each epoch: the loss of the epoch's last batch.
    outputs["last batch"] splits the last printed loss into its parts (loss_split).
    """
    device = data.train_images.device
    W, b = (p.requires_grad_() for p in init_weights([784, 10], seed, device))
    g = torch.Generator().manual_seed(seed)
    n = len(data.train_labels)
    history = Curves({"loss": []}, step="batch", steps_per_epoch=math.ceil(n / batch_size),
                     epoch_values={"printed loss": [], "last batch size": [], "test acc": []})
    for _ in range(num_epochs):
        order = torch.randperm(n, generator=g).to(device)
        losses = []
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            X, y = data.train_images.index_select(0, idx), data.train_labels.index_select(0, idx)
            O = X @ W + b  # (m, 10)
            loss = tutorial_cross_loss(tutorial_softmax(O), one_hot(y))
            loss.backward()
            with torch.no_grad():
                for p in (W, b):
                    p -= lr * p.grad / batch_size  # the loss is a sum over the batch, so the step divides by m
                    p.grad.zero_()
            losses.append(loss.detach())
        history.values["loss"] += torch.stack(losses).tolist()
        history.epoch_values["printed loss"].append(losses[-1].item())
        history.epoch_values["last batch size"].append(len(y))
        history.epoch_values["test acc"].append(accuracy(SoftmaxScratch(W, b), data.test_images,
                                                               data.test_labels))
    history.outputs["last batch"] = loss_split(O, y)
    return history


def tutorial_epoch(data_dir: str, device: str, seed: int) -> Curves:
    """tutorial_run for one epoch with the tutorial's settings, on the data set in `data_dir` (the folder
    fashion_mnist.find_root found): what the page shows, computed in the page or in a pool worker."""
    return tutorial_run(fashion_mnist.shared(data_dir, device), num_epochs=1, lr=0.1, batch_size=256, seed=seed)
