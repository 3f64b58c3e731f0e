"""FashionMNIST as four tensors on a device, found in a user directory, Debian's package, or by download.

The files are parsed by torchvision's own dataset code; after that the whole set is two float tensors of
pixels in [0, 1] and two label tensors, so a training batch is an index into them, not 256 calls to a transform.
"""

import gzip
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from core.i18n import N_, _

CLASSES = [N_("T-shirt/top"), N_("Trouser"), N_("Pullover"), N_("Dress"), N_("Coat"), N_("Sandal"), N_("Shirt"),
           N_("Sneaker"), N_("Bag"), N_("Ankle boot")]  # English keys: translated only where shown (class_names)
RAW_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
ENV_VAR = "FASHION_MNIST_DIR"
HOSTED_VAR = "NN_GROUND_UP_HOSTED"  # set to 1 on a shared server: the data directory comes only from ENV_VAR
MAX_PATH_CHARS = 500
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nn-ground-up"

HOW_TO_GET_IT = N_("""FashionMNIST was not found. Any one of these works:
- on Debian or Ubuntu: `sudo apt-get install dataset-fashion-mnist` (the explorer unpacks it into {cache_dir});
- put the four files ({files}, or the same with .gz) in `<dir>/FashionMNIST/raw/` and give
  `<dir>` in the sidebar or in the {env_var} environment variable;
- connect to the internet once: torchvision downloads it into {cache_dir}.""")
# where the files came from, kept in English with the data set (a cache shared by learners of both languages) and
# translated where shown (describe_source)
SOURCES = (N_("your directory {path}"), N_("Debian's dataset-fashion-mnist, unpacked in {path}"),
           N_("an earlier download in {path}"), N_("torchvision's download, in {path}"))


def class_names() -> list[str]:
    """The ten class names in the current language, in the order of CLASSES."""
    return [_(name) for name in CLASSES]


def how_to_get_it() -> str:
    """How to get the data set, in the current language."""
    return _(HOW_TO_GET_IT).format(cache_dir=CACHE_DIR, files=", ".join(RAW_FILES), env_var=ENV_VAR)


def describe_source(source: str) -> str:
    """A data set's `source` (in English, as find_root wrote it) in the current language."""
    for template in SOURCES:
        head = template.split("{path}")[0]
        if source.startswith(head):
            return _(template).format(path=source[len(head):])
    return source


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
        # renamed at the end, so an interrupted copy is never mistaken for data; a file of its own for each caller,
        # so replicas or sessions unpacking at once never write into the same file: each rename puts a whole copy
        handle, partial = tempfile.mkstemp(dir=raw, prefix=f"{name}.", suffix=".partial")
        with gzip.open(source_dir / f"{name}.gz", "rb") as src, open(handle, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(partial, raw / name)
    return True


def find_root(user_dir: str | Path | None = None, download: bool = True) -> tuple[Path, str]:
    """Return a root that torchvision can load with download=False, and a description of where it came from."""
    user_dir = user_dir or os.environ.get(ENV_VAR)
    if user_dir:
        if len(str(user_dir)) > MAX_PATH_CHARS:
            raise DataUnavailableError(_("That directory name is {length:,} characters long; a path this explorer "
                                         "reads is at most {limit}.").format(length=len(str(user_dir)),
                                                                             limit=MAX_PATH_CHARS)
                                       + f"\n\n{how_to_get_it()}")
        root = Path(user_dir).expanduser()
        shown = str(root) if len(str(root)) <= 80 else f"{str(root)[:77]}..."
        try:
            found = has_raw_files(root) or unpack_gz(root / "FashionMNIST" / "raw", root) or unpack_gz(root, root)
        except OSError as err:  # a name too long, a file where a folder should be, no permission to write
            raise DataUnavailableError(_("{path} cannot be used ({reason}).").format(
                path=shown, reason=err.strerror or err) + f"\n\n{how_to_get_it()}") from None
        if found:
            return root, SOURCES[0].format(path=root)
        raise DataUnavailableError(_("{path} does not hold the FashionMNIST files.").format(path=shown)
                                   + f"\n\n{how_to_get_it()}")
    if unpack_gz(DEBIAN_DIR, CACHE_DIR):
        return CACHE_DIR, SOURCES[1].format(path=CACHE_DIR)
    if has_raw_files(CACHE_DIR):
        return CACHE_DIR, SOURCES[2].format(path=CACHE_DIR)
    if download:
        import torchvision  # here, not at the top: see load
        try:
            torchvision.datasets.FashionMNIST(CACHE_DIR, train=True, download=True)
            return CACHE_DIR, SOURCES[3].format(path=CACHE_DIR)
        except (OSError, RuntimeError) as err:
            raise DataUnavailableError(_("Downloading failed ({reason}).").format(reason=err)
                                       + f"\n\n{how_to_get_it()}") from err
    raise DataUnavailableError(how_to_get_it())


def hosted() -> bool:
    """True on a shared server (NN_GROUND_UP_HOSTED=1): no browser input may name a directory."""
    return os.environ.get(HOSTED_VAR, "").strip().lower() in ("1", "true", "yes")


def load(user_dir: str | Path | None = None, device: torch.device | str = "cpu", download: bool = True) -> FashionMNIST:
    """Find the files, parse them with torchvision, and return the whole set as tensors on `device`."""
    # Imported where it is used: torchvision's import brings in torch._dynamo, 1.8 s of every process that imports
    # this module (a pool worker starting, a page drawing its class names) and never reads the files.
    import torchvision

    root, source = find_root(user_dir, download)
    splits = [torchvision.datasets.FashionMNIST(root, train=train, download=False) for train in (True, False)]
    images = [s.data.reshape(len(s.data), -1).to(device).float().div_(255) for s in splits]  # (n, 784)
    labels = [s.targets.to(device) for s in splits]
    return FashionMNIST(images[0], labels[0], images[1], labels[1], source)


_SHARED: dict[tuple[str, str], "FashionMNIST"] = {}


def shared(data_dir: str | Path | None, device: str) -> "FashionMNIST":
    """FashionMNIST on `device`, loaded the first time this process (a pool worker, or the server) needs it,
    then the same read-only copy for every run and page: nothing may modify it."""
    key = (str(find_root(data_dir or None)[0]), device)  # the folder found: a path typed and "" may be the same
    if key not in _SHARED:
        _SHARED[key] = load(data_dir or None, device)
    return _SHARED[key]


def forget_shared() -> None:
    """Drop every data set this process has loaded (the next use loads it again)."""
    _SHARED.clear()
