"""Helpers for page tests: open a lesson page through the real entry file, read a chart's data."""

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

import session

HOME = str(Path(__file__).resolve().parents[1] / "app" / "Home.py")
# the placeholders Streamlit draws where a widget's, a chart's or the app's JavaScript is still loading: a page that
# shows one has not finished drawing (a busy machine shows them for seconds)
PLACEHOLDERS = "[data-testid^=stSkeleton], [data-testid=stAppSkeleton]"


def screenshot(page, name: str, full_page: bool = True) -> Path | None:
    """Keep a screenshot of the page in $SCREENSHOT_DIR, if set, and return its path: a tall page takes about a
    second to draw for one, so a run without the setting takes none (the page fixture keeps one of a failure)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return None
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=full_page)
    return path


# the page's width and height and each chart's width, the same at three looks in a row 0.2 s apart: the page has been
# laid out again for a new viewport, its charts drawn again
LAID_OUT = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const now = [document.documentElement.clientWidth, main.scrollWidth, main.scrollHeight, ...Array.from(
    document.querySelectorAll('.js-plotly-plot')).map(p => Math.round(p.getBoundingClientRect().width))].join();
  window.layoutLooks = window.layoutSeen === now ? (window.layoutLooks || 0) + 1 : 0;
  window.layoutSeen = now;
  return window.layoutLooks >= 2;
}"""


def laid_out(page) -> None:
    """Wait until the page has been laid out again after a change of the viewport's size."""
    page.evaluate("() => { window.layoutLooks = 0; window.layoutSeen = null; }")
    page.wait_for_function(LAID_OUT, polling=200, timeout=30_000)


def learner(at: AppTest) -> session.Learner:
    """The learner of an AppTest's session (app/session.py): what the tests read of a session, never its raw keys."""
    return at.session_state[session.KEY]


def open_page(slug: str, query: dict[str, str] | None = None, lang: str | None = None) -> AppTest:
    """Run Home.py (so the sidebar settings exist), then switch to the lesson page ('' stays Home; a
    name ending in .py is a page file under app/), as a learner
    would; `query` is the link's parameters, `lang` a shorthand for {"lang": lang}."""
    at = AppTest.from_file(HOME, default_timeout=120)
    for key, value in {**(query or {}), **({"lang": lang} if lang else {})}.items():
        at.query_params[key] = value
    at.run()
    if slug:
        at.switch_page(slug if slug.endswith(".py") else f"lesson_pages/{slug}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def chart_traces(at: AppTest, key: str) -> list[dict]:
    """Return the plotly traces of the chart drawn with `key`, read from its JSON spec."""
    for element in at.get("plotly_chart"):
        if key in element.proto.id:
            return json.loads(element.proto.spec)["data"]
    raise AssertionError(f"no chart with key {key}")


def open_with_data(slug: str, data_dir: str, lang: str | None = None) -> AppTest:
    """Open a lesson page with the sidebar's FashionMNIST directory set to `data_dir`."""
    at = open_page(slug, lang=lang)
    at.text_input(key="data_dir").set_value(data_dir).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def train(at: AppTest, prefix: str, timeout: float = 120.0) -> AppTest:
    """Press Train, wait until the run in the server's pool has ended, and draw the page again with its result
    (in a browser a fragment polls for it)."""
    at.button(key=f"{prefix}_train").click().run()
    assert not at.exception, [e.message for e in at.exception]
    wait_for_job(learner(at).tickets[prefix].job, timeout)
    return at.run()


def wait_until(condition: Callable[[], object], what: str | Callable[[], str], timeout: float = 120.0) -> float:
    """Wait until condition() is true and return the seconds it took; fail saying `what` did not happen in time
    (`what` may be a function, called then, to describe the state reached)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what() if callable(what) else what}: not within {timeout:g} s")
        time.sleep(0.02)
    return time.monotonic() - start


def wait_for_job(job, timeout: float = 120.0) -> float:
    """Wait until a pool job has ended (finished, stopped or failed); fail with where it was if it has not."""
    return wait_until(lambda: not job.active, lambda: f"the {job.kind!r} job to end (it is {job.state}, "
                      f"{job.fraction:.0%} done, {job.text or job.message or 'no message'})", timeout)


def send_to_pool(monkeypatch) -> list[str]:
    """Make every computation a page would run itself go to the server's pool instead (whatever this machine's
    speed), and return the list that will hold the kind of each job submitted."""
    import runner
    monkeypatch.setattr(runner, "INLINE_SECONDS", 0.0)
    monkeypatch.setenv("NN_GROUND_UP_CACHE_DIR", "off")  # nor answered from what another test left on disk
    submitted = []
    real_submit = runner.pool().submit
    monkeypatch.setattr(runner.pool(), "submit", lambda *a, **k: submitted.append(a[1]) or real_submit(*a, **k))
    return submitted
