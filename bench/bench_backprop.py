"""Benchmark the NumPy backprop lesson: default training time, and control change -> new result on the page.

Run: python bench/bench_backprop.py [--check]   (--check exits 1 when a target is missed)
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "app")]

import streamlit.logger  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from core.backprop_numpy import network as bp  # noqa: E402

streamlit.logger.set_log_level("error")  # AppTest runs without a server; its warnings are noise here
TRAIN_TARGET_S = 0.5
RERUN_TARGET_S = 1.0


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def page_rerun_seconds(repeats: int) -> float:
    """Median time of a full page rerun after the hidden size changes (a new value each time, so nothing is cached)."""
    at = AppTest.from_file(str(ROOT / "app" / "Home.py"), default_timeout=60).run()
    at.switch_page("lesson_pages/backprop_numpy.py").run()
    values = iter(range(101, 101 + repeats))
    return median_seconds(lambda: at.number_input(key="bp_H").set_value(next(values)).run(), repeats)


def main() -> int:
    bp.train(num_iters=5)  # warm up NumPy's BLAS threads
    rows = [
        ("default training, 500 iterations", median_seconds(bp.train, 5), TRAIN_TARGET_S),
        ("control change -> new page (AppTest rerun)", page_rerun_seconds(5), RERUN_TARGET_S),
    ]
    print(f"{'measure':45} {'median s':>9} {'target s':>9} {'ratio':>7}")
    for name, seconds, target in rows:
        print(f"{name:45} {seconds:9.3f} {target:9.2f} {seconds / target:7.2f}")
    missed = [name for name, seconds, target in rows if seconds > target]
    print("all targets met" if not missed else f"missed: {', '.join(missed)}")
    return 1 if missed and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
