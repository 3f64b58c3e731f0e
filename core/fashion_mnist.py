"""FashionMNIST as four tensors on a device, found in a user directory, Debian's package, or by download.

The files are parsed by torchvision's own dataset code; after that the whole set is two float tensors of
pixels in [0, 1] and two label tensors, so a training batch is an index into them, not 256 calls to a transform.
"""

import gzip
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
import torchvision

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
RAW_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
ENV_VAR = "FASHION_MNIST_DIR"
HOSTED_VAR = "NN_GROUND_UP_HOSTED"  # set to 1 on a shared server: the data directory comes only from ENV_VAR
MAX_PATH_CHARS = 500
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nn-ground-up"

HOW_TO_GET_IT = f"""FashionMNIST was not found. Any one of these works:
- on Debian or Ubuntu: `sudo apt-get install dataset-fashion-mnist` (the explorer unpacks it into {CACHE_DIR});
- put the four files ({", ".join(RAW_FILES)}, or the same with .gz) in `<dir>/FashionMNIST/raw/` and give
  `<dir>` in the sidebar or in the {ENV_VAR} environment variable;
- connect to the internet once: torchvision downloads it into {CACHE_DIR}."""


class DataUnavailableError(RuntimeError):
    """FashionMNIST could not be found or downloaded; the message says how to get it."""


@dataclass(frozen=True)
class FashionMNIST:
    """The whole data set, read-only, on one device."""

    train_images: torch.Tensor  # (60000, 784) float32 in [0, 1]
    train_labels: torch.Tensor  # (60000,) int64
    test_images: torch.Tensor  # (10000, 784)
    test_labels: torch.Tensor  # (10000,)
    source: str  # where the files came from, for the page to say


def has_raw_files(root: Path) -> bool:
    """True if root/FashionMNIST/raw holds the four uncompressed files torchvision reads."""
    return all((root / "FashionMNIST" / "raw" / name).is_file() for name in RAW_FILES)


def unpack_gz(source_dir: Path, root: Path) -> bool:
    """Decompress source_dir/*.gz into root/FashionMNIST/raw (once); return whether all four are there."""
    if has_raw_files(root):
        return True
    if not all((source_dir / f"{name}.gz").is_file() for name in RAW_FILES):
        return False
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in RAW_FILES:
        partial = raw / f"{name}.partial"  # rename at the end, so an interrupted copy is never mistaken for data
        with gzip.open(source_dir / f"{name}.gz", "rb") as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst)
        partial.replace(raw / name)
    return True


def find_root(user_dir: str | Path | None = None, download: bool = True) -> tuple[Path, str]:
    """Return a root that torchvision can load with download=False, and a description of where it came from."""
    user_dir = user_dir or os.environ.get(ENV_VAR)
    if user_dir:
        if len(str(user_dir)) > MAX_PATH_CHARS:
            raise DataUnavailableError(f"That directory name is {len(str(user_dir)):,} characters long; a path this "
                                       f"explorer reads is at most {MAX_PATH_CHARS}.\n\n{HOW_TO_GET_IT}")
        root = Path(user_dir).expanduser()
        shown = str(root) if len(str(root)) <= 80 else f"{str(root)[:77]}..."
        try:
            found = has_raw_files(root) or unpack_gz(root / "FashionMNIST" / "raw", root) or unpack_gz(root, root)
        except OSError as err:  # a name too long, a file where a folder should be, no permission to write
            raise DataUnavailableError(f"{shown} cannot be used ({err.strerror or err}).\n\n{HOW_TO_GET_IT}") from None
        if found:
            return root, f"your directory {root}"
        raise DataUnavailableError(f"{shown} does not hold the FashionMNIST files.\n\n{HOW_TO_GET_IT}")
    if unpack_gz(DEBIAN_DIR, CACHE_DIR):
        return CACHE_DIR, f"Debian's dataset-fashion-mnist, unpacked in {CACHE_DIR}"
    if has_raw_files(CACHE_DIR):
        return CACHE_DIR, f"an earlier download in {CACHE_DIR}"
    if download:
        try:
            torchvision.datasets.FashionMNIST(CACHE_DIR, train=True, download=True)
            return CACHE_DIR, f"torchvision's download, in {CACHE_DIR}"
        except (OSError, RuntimeError) as err:
            raise DataUnavailableError(f"Downloading failed ({err}).\n\n{HOW_TO_GET_IT}") from err
    raise DataUnavailableError(HOW_TO_GET_IT)


def hosted() -> bool:
    """True on a shared server (NN_GROUND_UP_HOSTED=1): no browser input may name a directory."""
    return os.environ.get(HOSTED_VAR, "").strip().lower() in ("1", "true", "yes")


def load(user_dir: str | Path | None = None, device: torch.device | str = "cpu", download: bool = True) -> FashionMNIST:
    """Find the files, parse them with torchvision, and return the whole set as tensors on `device`."""
    root, source = find_root(user_dir, download)
    splits = [torchvision.datasets.FashionMNIST(root, train=train, download=False) for train in (True, False)]
    images = [s.data.reshape(len(s.data), -1).to(device).float().div_(255) for s in splits]  # (n, 784)
    labels = [s.targets.to(device) for s in splits]
    return FashionMNIST(images[0], labels[0], images[1], labels[1], source)
