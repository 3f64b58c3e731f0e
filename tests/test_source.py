"""core.source: the code pages show, read safely while many learners' pages run at once."""

import inspect
import sys
import threading

import core.mlp
import core.training
from core import source
from core.tensors_autograd import ladder

CLASSES = [core.mlp.MLPScratch, ladder.MyReLU, core.training.SGDByHand]  # a class's source makes inspect parse
# its whole module with ast.parse, whose recursion counter CPython 3.11 shares between threads


class Cycle:
    """Garbage in a reference cycle with a finalizer: collecting it runs Python code, so threads switch even in
    the middle of the AST constructor's C code, which is how two parses interleave."""

    def __init__(self):
        self.me = self

    def __del__(self):
        pass


def test_it_is_inspect_getsource():
    for obj in CLASSES + [core.training.train_versions]:
        assert source.getsource(obj) == inspect.getsource(obj)


def test_many_threads_reading_class_sources_at_once_never_fail():
    failures, texts = [], set()
    expected = {inspect.getsource(c) for c in CLASSES}

    def learner():
        for _ in range(25):
            for cls in CLASSES:
                source._read.cache_clear()  # parse every time: the lock alone must keep the parses apart
                _ = [Cycle() for _ in range(50)]
                try:
                    texts.add(source.getsource(cls))
                except SystemError as err:  # "AST constructor recursion depth mismatch" without the lock
                    failures.append(str(err))
                    return

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=learner) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert texts == expected


def test_each_object_is_read_once(monkeypatch):
    source._read.cache_clear()
    reads = []
    real = inspect.getsource
    monkeypatch.setattr(inspect, "getsource", lambda obj: reads.append(obj) or real(obj))
    for _ in range(3):
        source.getsource(core.mlp.MLPScratch)
    assert reads == [core.mlp.MLPScratch]
