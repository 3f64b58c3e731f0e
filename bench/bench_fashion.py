"""Benchmark FashionMNIST training and page speed, side by side in one run (needs the real data set).

1. One MLP epoch (784-256-10, batch 256, float32, CPU, SGD) three ways: the seed's pipeline (a DataLoader
   applying ToTensor to every image), and our loop over tensors held in memory (scratch and concise).
2. The floor: the same epoch's matrix multiplies alone, timed on this machine. Ratio = our epoch / floor.
   The 1.6x target is for the from-scratch MLP (hand-written backward pass and SGD step). The concise one is
   reported beside it: it also pays for autograd's graph and torch.optim's per-step bookkeeping.
3. Page speed: a softmax page's first render with the data already cached, and how many times switching
   between the two data lessons loads the data.

Run: python bench/bench_fashion.py [--check] 2>/dev/null   (targets: >= 5x faster than the seed, <= 1.6x the
floor, < 2 s, one data load; --check exits 1 when a target is missed)
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "app")]

import torch  # noqa: E402
import torchvision  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from core import fashion_mnist, mlp  # noqa: E402
from core.training import train_epochs  # noqa: E402

HIDDEN, BATCH, LR = 256, 256, 0.5


def seed_pipeline_epoch(root: Path) -> float:
    """The tutorial's way: torchvision dataset + ToTensor per item + DataLoader, nn.Sequential, optim.SGD."""
    dataset = torchvision.datasets.FashionMNIST(root, train=True, download=False,
                                                transform=torchvision.transforms.ToTensor())
    loader = DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))
    loss_fn, optimizer = nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=LR)
    start = time.perf_counter()
    for X, y in loader:
        loss = loss_fn(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def our_epoch(data, version: str) -> float:
    """One epoch of our loop; its own timer covers training only (test accuracy is measured after it)."""
    model = mlp.mlp(version, HIDDEN, "relu", seed=0)
    return next(train_epochs(model, data, "SGD", LR, BATCH, 1)).epoch_values["seconds"][0]


def matmul_floor(images: torch.Tensor) -> float:
    """Time just the epoch's matrix multiplies on the real images, batch after batch (contiguous slices, so no
    gather): forward X@W1, H@W2; backward H.T@dO, dO@W2.T, X.T@dZ1. Nothing else an epoch does is counted."""
    W1, W2 = torch.rand(784, HIDDEN), torch.rand(HIDDEN, 10)
    H, dO = torch.rand(BATCH, HIDDEN), torch.rand(BATCH, 10)
    start = time.perf_counter()
    for b in range(0, len(images), BATCH):
        X = images[b:b + BATCH]  # (n, 784); the last batch is smaller
        n = len(X)
        X @ W1, H[:n] @ W2, H[:n].T @ dO[:n]
        X.T @ (dO[:n] @ W2.T)
    return time.perf_counter() - start


def page_seconds() -> tuple[float, int]:
    """First render of the softmax page in a new session with data cached; data loads over three page visits."""
    calls = []
    real_load = fashion_mnist.load
    fashion_mnist.load = lambda *a, **k: calls.append(1) or real_load(*a, **k)
    home = str(ROOT / "app" / "Home.py")
    warm = AppTest.from_file(home, default_timeout=120).run()
    warm.switch_page("lesson_pages/softmax_regression.py").run()  # loads and caches the data
    fresh = AppTest.from_file(home, default_timeout=120).run()
    start = time.perf_counter()
    fresh.switch_page("lesson_pages/softmax_regression.py").run()
    seconds = time.perf_counter() - start
    assert not fresh.exception and fresh.title[0].value == "Softmax regression"
    assert any("held once on" in c.value for c in fresh.caption)  # the data really was there
    fresh.switch_page("lesson_pages/mlp.py").run()
    fresh.switch_page("lesson_pages/softmax_regression.py").run()
    fashion_mnist.load = real_load
    return seconds, len(calls)


def median(fn, repeats: int = 3) -> float:
    return statistics.median(fn() for _ in range(repeats))


def main() -> int:
    data = fashion_mnist.load(download=False)
    root, _ = fashion_mnist.find_root(download=False)
    our_epoch(data, "scratch")  # warm up
    seed = median(lambda: seed_pipeline_epoch(root), 2)
    scratch, concise = median(lambda: our_epoch(data, "scratch")), median(lambda: our_epoch(data, "concise"))
    floor = median(lambda: matmul_floor(data.train_images))
    first_render, loads = page_seconds()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; MLP 784-{HIDDEN}-10, batch {BATCH}, CPU")
    print(f"{'measure':48} {'seconds':>8} {'ratio':>8}  target")
    print(f"{'seed pipeline epoch (DataLoader + ToTensor)':48} {seed:8.2f}")
    print(f"{'our epoch, scratch':48} {scratch:8.2f} {seed / scratch:7.1f}x  >= 5x faster than the seed")
    print(f"{'our epoch, concise':48} {concise:8.2f} {seed / concise:7.1f}x  >= 5x faster than the seed")
    print(f"{'matmul floor for that epoch':48} {floor:8.2f}")
    print(f"{'scratch epoch / floor':48} {'':8} {scratch / floor:7.2f}x  <= 1.6")
    print(f"{'concise epoch / floor (+ autograd, torch.optim)':48} {'':8} {concise / floor:7.2f}x  reported")
    print(f"{'softmax page first render, data cached':48} {first_render:8.2f} {'':8}  < 2 s")
    print(f"{'data loads over softmax -> mlp -> softmax':48} {loads:8d} {'':8}  1 (switching does not reload)")
    missed = [name for name, met in [("5x the seed", seed / max(scratch, concise) >= 5),
                                     ("1.6x the floor", scratch / floor <= 1.6),
                                     ("first render", first_render < 2), ("one data load", loads == 1)] if not met]
    print("all targets met" if not missed else f"missed: {', '.join(missed)}")
    return 1 if missed and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
