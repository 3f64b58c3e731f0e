"""Tiny FashionMNIST-format data sets written by the tests themselves (real IDX files, real torchvision parsing)."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from core import fashion_mnist as fm


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format: magic (0, 0, 0x08, ndim), big-endian sizes, then the bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_tiny(root: Path, n_train: int = 600, n_test: int = 200, seed: int = 0, gz: bool = False) -> dict:
    """Write a learnable toy set: class k lights up a band of rows k..k+2 (plus noise). Returns the arrays."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            images[i, 2 * k:2 * k + 3, :] = 250
        arrays[f"{prefix}-images-idx3-ubyte"], arrays[f"{prefix}-labels-idx1-ubyte"] = images, labels
    folder = root if gz else root / "FashionMNIST" / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        data = idx_bytes(array)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return arrays


def real_data_or_skip() -> fm.FashionMNIST:
    try:
        return fm.load(download=False)
    except fm.DataUnavailableError:
        pytest.skip("real FashionMNIST is not installed (apt-get install dataset-fashion-mnist)")
