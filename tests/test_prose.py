"""Every number in the lessons' prose is true for the settings on screen: filled in from the run, marked as a
default-settings or measured figure, attributed to the tutorial, or a fact that no setting changes (listed here)."""

import re
from pathlib import Path

import pytest

LESSONS = Path(__file__).resolve().parents[1] / "lessons"

# A block (a paragraph, a list, a display equation) whose numbers are scoped by one of these is fine as it is:
# "with the default settings", "measured", "seed 0", a {placeholder} the page fills in, the tutorial's own figures.
MARKED = re.compile(r"(?i:default|measured|\bseeds? \d|tutorial)|\{[a-z_][a-z_0-9]*\}")
FORMULA = {"0", "1", "2", "3", "4"}  # inside maths: ½, squares, 1 − σ, indices written out

# Per lesson, the numbers that no control changes, and why.
IMAGES = {"784": "28 × 28 pixels", "28": "an image's side", "10": "ten classes"}
FACTS = {
    "backprop_numpy": {"2": "the exponent of the square that ½ cancels"},
    "tensors_autograd": {"3": "the dynamic network repeats its middle layer randint(0, 3) times, fixed in code"},
    "torch_nn": {},
    "torch_optim": {"3": "three of the six points coincide", "50": "3 of 6 points, in percent"},
    "linear_regression": {},
    "softmax_regression": {**IMAGES, "70,000": "FashionMNIST's images", "60,000": "its training set",
                           "6,000": "training images per class", "10,000": "its test set",
                           "8": "8-bit pixels", "255": "the largest 8-bit value"},
    "mlp": {"784": IMAGES["784"], "10": IMAGES["10"]},
}


def blocks(text: str) -> list[str]:
    """Return the prose's blocks (paragraphs, lists, display maths) without code, headings joined to nothing."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    joined: list[str] = []
    for b in (" ".join(b.split()) for b in re.split(r"\n\s*\n", "\n".join(lines)) if b.strip()):
        if joined and (b.startswith("$$") or b[0].islower()):  # a display equation and what follows it are
            joined[-1] += " " + b                                # part of the sentence that introduced them
        else:
            joined.append(b)
    return joined


def numbers(block: str) -> list[tuple[str, bool]]:
    """Return each number in a block and whether it sits inside maths; indices, exponents, step numbers and
    list markers are not numbers a setting could change."""
    found = []
    for i, part in enumerate(re.split(r"\$\$?", block)):  # odd parts are maths
        if i % 2:
            part = re.sub(r"\\[td]?frac\s*\d\d", " ", part)
            part = re.sub(r"[_^]\{[^}]*\}|[_^]-?\w", " ", part)
            part = re.sub(r"\\[a-zA-Z]+", " ", part)
        else:
            part = re.sub(r"\b[Ss]teps? \d+|(?:^|\s)\d+\.(?=\s|$)|\blesson \d", " ", part)
        found += [(n.rstrip(","), bool(i % 2)) for n in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", part)]
    return found


def loose(block: str, facts: dict[str, str]) -> list[str]:
    """Return the numbers of a block that nothing accounts for."""
    if MARKED.search(block):
        return []
    return [n for n, maths in numbers(block) if n not in facts and n not in ("0", "1") and not (maths and n in FORMULA)]


def unexplained(slug: str) -> list[str]:
    """Return the blocks of a lesson holding a number that nothing accounts for, with those numbers."""
    found = ((loose(block, FACTS.get(slug, {})), block) for block in blocks((LESSONS / f"{slug}.md").read_text()))
    return [f"{numbers}: {block[:200]}" for numbers, block in found if numbers]


def test_an_unmarked_figure_is_caught_and_a_marked_one_is_not():
    assert loose("The loss falls to 0.37 in 5 epochs, in float32.", {}) == ["0.37", "5"]
    assert loose("With the default settings the loss falls to 0.37 in 5 epochs.", {}) == []
    assert loose("A step of $10^{-6}$ on $\\tfrac12 x^2 + 3 W_{12}$, step 4 of the derivation.", {}) == ["10"]
    assert loose("The loss falls to {final_loss}.", {}) == []
    assert loose("Each image has 784 pixels.", {"784": "28 × 28"}) == []


@pytest.mark.parametrize("slug", sorted(p.stem for p in LESSONS.glob("*.md")))
def test_no_unmarked_number_in_the_prose(slug):
    assert unexplained(slug) == []


def test_the_facts_are_still_in_the_prose():
    for slug, facts in FACTS.items():
        found = {n for block in blocks((LESSONS / f"{slug}.md").read_text()) for n, _ in numbers(block)}
        assert set(facts) <= found, (slug, set(facts) - found)
