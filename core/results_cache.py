"""Results of pure computations kept on disk, for every process of this machine: a page's default settings are
computed once, not once per server, per replica or per pool worker, and a restarted server opens each lesson
as fast as a warm one.

A result is kept under a hash of everything it depends on: this project's code (every file of `core/`), the
versions of torch and NumPy, the function, its arguments and torch's thread count (the thread count changes the
order of a sum, and so the last digits). Only plain arguments are kept (numbers, strings, booleans, None, lists,
tuples and dicts of them): anything else (a tensor, a partial) is computed every time.

The folder is $NN_GROUND_UP_CACHE_DIR, else $XDG_CACHE_HOME/nn-ground-up/results (~/.cache/...); "off" turns it
off. It is created private to this user, and a folder that another user could write is not used: what is read
back is unpickled, which must never be anyone else's file. At most MAX_ENTRIES results are kept, the least
recently used are removed first.

Streamlit's `st.cache_data(persist="disk")` keeps one process's cache on disk, keyed by the function's own source
only; it does not know that a result depends on the core modules it calls, nor on the thread count, and it is
not shared with the pool's workers, which do not run Streamlit: hence this module.
"""

import functools
import hashlib
import os
import pickle
import stat
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

CORE = Path(__file__).resolve().parent
MAX_ENTRIES = 512
MISSING = object()  # what `load` returns when nothing is kept


def folder() -> Path | None:
    """Where results are kept, created private to this user; None when turned off or not safe to read."""
    configured = os.environ.get("NN_GROUND_UP_CACHE_DIR", "")
    if configured.lower() == "off":
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nn-ground-up" / "results"
    path = Path(configured) if configured else base
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = path.stat()
    except OSError:
        return None
    if found.st_uid != os.getuid() or found.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None  # another user could leave a file here for this process to unpickle
    return path


@functools.cache
def code_version() -> str:
    """A hash of every module of core/ and of the numerical libraries' versions."""
    digest = hashlib.sha256(f"torch {torch.__version__} numpy {np.__version__}".encode())
    for path in sorted(CORE.rglob("*.py")):
        digest.update(path.relative_to(CORE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """`value` in a canonical form (dicts sorted by key), or TypeError if it is not plain data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return "dict", sorted((k, _plain(v)) for k, v in value.items())
    raise TypeError(f"not plain data: {type(value).__name__}")


def key(target: str, kwargs: dict) -> str | None:
    """The name a result of `target`(**kwargs) is kept under here, or None if its arguments are not plain."""
    try:
        described = repr((code_version(), target, _plain(kwargs), torch.get_num_threads()))
    except TypeError:
        return None
    return hashlib.sha256(described.encode()).hexdigest()


def load(target: str, kwargs: dict) -> Any:
    """The kept result of `target`(**kwargs), or MISSING."""
    where, name = folder(), key(target, kwargs)
    if where is None or name is None:
        return MISSING
    path = where / f"{name}.pickle"
    try:
        with path.open("rb") as file:
            result = pickle.load(file)
        os.utime(path)  # recently used: removed last
        return result
    except FileNotFoundError:
        return MISSING
    except Exception:  # cut short (a full disk) or from an older pickle: computed again, and written again
        path.unlink(missing_ok=True)
        return MISSING


def save(target: str, kwargs: dict, result: Any) -> None:
    """Keep `result` of `target`(**kwargs); written whole or not at all, as another process may be reading."""
    where, name = folder(), key(target, kwargs)
    if where is None or name is None:
        return
    written = None
    try:
        with tempfile.NamedTemporaryFile(dir=where, suffix=".tmp", delete=False) as file:
            written = Path(file.name)
            pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(written, where / f"{name}.pickle")
    except Exception:  # a full disk, a result that does not pickle: nothing kept, nothing broken
        if written is not None:
            written.unlink(missing_ok=True)
        return
    _prune(where)


def _prune(where: Path) -> None:
    kept = []
    for path in where.glob("*.pickle"):
        try:
            kept.append((path.stat().st_mtime, path))
        except FileNotFoundError:  # removed by another process meanwhile
            pass
    for _mtime, path in sorted(kept)[:max(0, len(kept) - MAX_ENTRIES)]:
        path.unlink(missing_ok=True)


def clear() -> None:
    """Remove every kept result."""
    where = folder()
    if where is not None:
        for path in where.glob("*.pickle"):
            path.unlink(missing_ok=True)
