"""Lesson 6's checkpoints: the questions 'Predict, then run' asks, and each truth read from what ran."""

import math

from core.checkpoints import Checkpoint
from core.fashion_mnist import CLASSES
from core.i18n import N_, _
from core.predictions import most_confused_pair

CONFUSABLE = ((0, 6), (2, 4), (4, 6), (2, 6), (7, 9))  # FashionMNIST pairs that look alike, by class index
PAIRS = (*(f"{CLASSES[i]} and {CLASSES[j]}" for i, j in CONFUSABLE), N_("another pair"))


def pair_label(option: str) -> str:
    """An option of PAIRS as the learner reads it: both class names translated."""
    if option in PAIRS[:-1]:
        i, j = CONFUSABLE[PAIRS.index(option)]
        return _("{first} and {second}").format(first=_(CLASSES[i]), second=_(CLASSES[j]))
    return _(option)


def pair_option(i: int, j: int) -> str:
    """The option of PAIRS naming classes i and j (in either order), or 'another pair'."""
    pair = (min(i, j), max(i, j))
    return PAIRS[CONFUSABLE.index(pair)] if pair in CONFUSABLE else PAIRS[-1]


CHECKPOINTS = (
    Checkpoint("first_loss", N_("Before any training, what is the mean cross-entropy per image on the first "
                                "batch, with the correct softmax?"), "number",
               N_("{truth}. Small random weights give all ten classes a probability near 1/10, and −ln(1/10) = "
                  "ln 10 ≈ 2.303. See 'mean loss per image' in the table below."), rel_tol=0.05, fmt=".4f"),
    Checkpoint("overflow", N_("With logits [1, 2, 3] × {scale}, what does the naive softmax's cross-entropy "
                              "come out as?"), "choice",
               N_("{truth}. exp of the largest logit is {exp_max:.3g} in float32 (inf above about 88.7); "
                  "inf/inf is nan. See 'naive: -log(softmax)' against 'log-sum-exp' below."),
               options=(N_("the right number"), N_("inf or nan"), N_("a finite but wrong number"))),
    Checkpoint("confused_pair", N_("Which pair of classes will the model confuse most on the test set?"), "choice",
               N_("{truth}. See the brightest red cell and its mirror in the confusion matrix: these classes share "
                  "a silhouette, and one weight image per class cannot tell them apart."), options=PAIRS,
               labels=pair_label),
)


def overflow(naive: float, right: float) -> str:
    """What the naive softmax's cross-entropy came out as, against log-sum-exp's (sr.overflow_demo)."""
    if not math.isfinite(naive):
        return "inf or nan"
    return "the right number" if math.isclose(naive, right, rel_tol=1e-3, abs_tol=1e-4) else "a finite but wrong number"


def confused_pair(counts) -> str | None:
    """The pair of classes the model confused most (from a confusion matrix), None before there is one."""
    return None if counts is None else pair_option(*most_confused_pair(counts))
