"""Benchmark every available lesson page: time to render it with its default settings, caches cleared.

Run: python bench/bench_pages.py 2>/dev/null   (clearing caches outside a server logs warnings on stderr)
Pages over the 1 s target must show progress while they train.
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "app")]

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from registry import LESSONS  # noqa: E402

TARGET_S = 1.0
REPEATS = 3


def first_render_seconds(page: str) -> float:
    """Median time to render `page` from scratch: Home first (not timed), then the page with empty caches."""
    times = []
    for _ in range(REPEATS):
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "app" / "Home.py"), default_timeout=300).run()
        start = time.perf_counter()
        at.switch_page(page).run()
        times.append(time.perf_counter() - start)
        assert not at.exception, page
    return statistics.median(times)


def main() -> None:
    print(f"{'page (default settings, caches cleared)':42} {'median s':>9} {'target s':>9} {'ratio':>7}  progress")
    for lesson in LESSONS:
        seconds = first_render_seconds(lesson.page)
        shows_progress = "ui.run_each" in (ROOT / "app" / lesson.page).read_text()
        print(f"{lesson.title:42} {seconds:9.2f} {TARGET_S:9.2f} {seconds / TARGET_S:7.2f}  "
              f"{'shown' if shows_progress else 'none'}")


if __name__ == "__main__":
    main()
