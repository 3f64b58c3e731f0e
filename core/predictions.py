"""What a trained FashionMNIST classifier predicts: confusion matrix, gallery picks, top probabilities."""

import numpy as np
import torch

from core.fashion_mnist import CLASSES


def confusion_matrix(probs: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """counts[true, predicted] over the test set, (10, 10)."""
    pred = probs.argmax(dim=1).cpu()
    return torch.bincount(labels.cpu() * 10 + pred, minlength=100).reshape(10, 10).numpy()


def most_confused_pair(counts: np.ndarray) -> tuple[int, int]:
    """The two classes (i < j) most often mistaken for each other, either way round: counts[i, j] + counts[j, i]."""
    k = len(counts)
    both = np.where(np.triu(np.ones((k, k), dtype=bool), k=1), counts + counts.T, -1)  # (k, k), above the diagonal
    i, j = np.unravel_index(int(np.argmax(both)), both.shape)  # the first such pair on a tie
    return int(i), int(j)


def gallery_picks(probs: torch.Tensor, labels: torch.Tensor, true_class: int | None = None,
                  pred_class: int | None = None, mistakes_only: bool = False, limit: int = 24) -> list[int]:
    """Indices of test images to show: optionally those with one true/predicted pair, or only mistakes."""
    pred, labels = probs.argmax(dim=1).cpu(), labels.cpu()
    keep = torch.ones_like(labels, dtype=torch.bool)
    if true_class is not None:
        keep &= labels == true_class
    if pred_class is not None:
        keep &= pred == pred_class
    if mistakes_only:
        keep &= pred != labels
    return keep.nonzero().flatten()[:limit].tolist()


def top_probabilities(probs: torch.Tensor, index: int, k: int = 3) -> list[tuple[str, float]]:
    """The k most probable classes for one image, with their probabilities."""
    p, c = probs[index].cpu().topk(k)
    return [(CLASSES[int(j)], float(q)) for q, j in zip(p, c)]
