"""The source of the code that ran, as `inspect.getsource` gives it: read once per object and process, one at a time.

For a class, `inspect` parses its whole module with `ast.parse`, and CPython 3.11 keeps the AST constructor's
recursion depth in state that all threads share: two learners' pages reading a class's source at the same moment
can fail with "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905; seen by
bench/bench_load.py). Pages run in one thread per learner, so every read goes through one lock; and since the
server's files do not change while it runs, each object's text is read once.
"""

import functools
import inspect
import threading
from collections.abc import Callable

_lock = threading.Lock()


def getsource(obj: Callable | type) -> str:
    """`inspect.getsource(obj)`, safe to call from many threads at once."""
    with _lock:
        return _read(obj)


@functools.cache
def _read(obj: Callable | type) -> str:
    return inspect.getsource(obj)
