"""A learner's work outlives the tab (issue 23), end to end in Chromium against servers of their own: a reload, a
new tab, a restarted server; another browser sees none of it; a resume code carries it; Forget me empties it; a
database that stops mid-session gives a notice, never an exception, and what waited is written once it is back."""

import http.cookies
import re
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import AppServer
from playwright.sync_api import expect
from test_replicas import in_thread

from core import store
from core.curves import Curves
from core.runs import Run
from fashion_fixtures import real_data_or_skip
from helpers import screenshot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from streamlit_client import Learner  # noqa: E402

pytestmark = pytest.mark.browser

HOME_SAYS = re.compile(r"(?:finds them here|to find them) \((\d+) run\(s\) and (\d+) checkpoint\(s\) and exercise\(s\) "
                       r"done so far\)")


def kept_on_home(tab, url: str, go: bool = True) -> tuple[int, int]:
    """What Home says this browser's learner has kept: (runs, checkpoints and exercises done); `go`: open Home
    first (else the tab is on it)."""
    if go:
        tab.goto(url)
    said = tab.get_by_text(HOME_SAYS)
    expect(said).to_be_visible(timeout=60_000)
    runs, done = HOME_SAYS.search(said.inner_text()).groups()
    return int(runs), int(done)


def predict_on_lesson_5(tab, url: str) -> None:
    """Open lesson 5 (a light page; it keeps its default run) and commit its first prediction, right: at the
    default settings every learned parameter ends within 0.01 of the truth (the lesson's prose says so, and its
    tests check the number)."""
    tab.goto(f"{url}/linear_regression")
    expect(tab.get_by_text(re.compile(r"^1 kept\."))).to_be_visible(timeout=120_000)  # the runs have ended
    question = tab.get_by_test_id("stForm").filter(has=tab.get_by_text("yes", exact=True)).first  # its first
    question.get_by_text("yes", exact=True).click()
    question.get_by_role("button", name="Commit my prediction").click()
    expect(tab.get_by_text("Right.").first).to_be_visible(timeout=60_000)


def keep_a_run_on_lesson_5(tab, url: str) -> None:
    """Open lesson 5, which keeps a run of the settings on screen (a light page)."""
    tab.goto(f"{url}/linear_regression")
    expect(tab.get_by_text(re.compile(r"^1 kept\."))).to_be_visible(timeout=120_000)


def open_popover(tab, label: str):
    tab.get_by_role("button", name=label).click()
    return tab.get_by_test_id("stPopoverBody")


@pytest.fixture
def server(tmp_path):
    """A server of the test's own, on a database of its own that a restart keeps."""
    own = AppServer({"NN_GROUND_UP_DATABASE_URL": f"sqlite:///{tmp_path / 'explorer.sqlite3'}",
                     "NN_GROUND_UP_SLOTS": "1"})  # one training worker: this server trains nothing
    yield own
    own.stop()


def test_kept_work_survives_reload_new_tab_and_restart_and_travels_only_by_resume_code(context, stranger, server):
    """`context` and `stranger` are two browsers (their renderers warm from the other tests); cookies are per host,
    not per port, so each starts without one."""
    context.clear_cookies()
    stranger.clear_cookies()
    tab = context.new_page()
    assert kept_on_home(tab, server.url) == (0, 0)
    assert "nn_learner" not in tab.evaluate("document.cookie")  # HttpOnly: no script of the page reads it
    assert "nn_learner" not in tab.url
    predict_on_lesson_5(tab, server.url)
    tab.reload()  # the lesson again, in a new session: its run and the committed prediction's verdict are back
    expect(tab.get_by_text(re.compile(r"^1 kept\."))).to_be_visible(timeout=60_000)
    expect(tab.get_by_text("Right.").first).to_be_visible()
    second = context.new_page()
    assert kept_on_home(second, server.url) == (1, 1)  # a new tab
    second.close()
    server.restart()
    assert kept_on_home(tab, server.url) == (1, 1)
    expect(tab.get_by_text(re.compile(r"^Your progress: 1 of \d+$"))).to_have_count(1)  # lesson 5's, on the ladder

    other = stranger.new_page()  # another browser: another learner
    assert kept_on_home(other, server.url) == (0, 0)

    body = open_popover(tab, "Carry my work to another device")
    body.get_by_role("button", name="Make a resume code").click()
    code = body.get_by_test_id("stCode").inner_text().strip()
    screenshot(tab, "your-work-resume-code")
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    tab.keyboard.press("Escape")

    body = open_popover(other, "Resume with a code")
    body.get_by_label("Resume code").fill("0000-0000-0000-0000")
    body.get_by_role("button", name="Resume").click()
    expect(other.get_by_text("No one's work has this code")).to_be_visible()
    body.get_by_label("Resume code").fill(code.lower())
    body.get_by_role("button", name="Resume").click()
    expect(other.get_by_text("Resumed")).to_be_visible()
    screenshot(other, "your-work-resumed")
    assert kept_on_home(other, server.url) == (1, 1)  # and on every visit of that browser from now on

    body = open_popover(tab, "Forget me")
    body.get_by_role("button", name="Yes, delete all my work").click()
    expect(tab.get_by_text("everything of yours was deleted")).to_be_visible()
    assert kept_on_home(tab, server.url, go=False) == (0, 0)
    tab.reload()
    assert kept_on_home(tab, server.url, go=False) == (0, 0)
    assert kept_on_home(other, server.url) == (0, 0)  # the resumed browser was the same learner
    assert tab.get_by_test_id("stException").count() == 0
    tab.close()
    other.close()
    context.clear_cookies()  # the other tests' server did not sign these
    stranger.clear_cookies()


def test_a_forged_cookie_names_no_one_and_the_page_says_so(app_url):
    """Browsers without a renderer (the bench's websocket client): one with a key this server gave, then cookies
    forged from it."""
    async def scenario():
        mine = Learner(app_url, "")
        await mine.open()
        await mine.close()
        issued = http.cookies.SimpleCookie(mine.cookie)["nn_learner"].value
        kept = store.shared()  # the run's database, which the server shares: some work of this learner
        key, mac = issued.split(".")
        kept.save_run(kept.learner_for_key(key), Run(0, "torch_nn", {"lr": 0.1}, {"x": Curves({"loss": [1.0]})}))
        seen = {}
        for name, value in (("own", issued), ("another key", f"{'A' * 32}.{mac}"),
                            ("another MAC", f"{key}.{'0' * 32}"), ("no MAC", key)):
            tab = Learner(app_url, "", cookie=f"nn_learner={value}")
            await tab.open()
            await tab.close()
            seen[name] = " ".join(tab.texts)
        return seen

    seen = in_thread(scenario())
    assert HOME_SAYS.search(seen["own"]).groups() == ("1", "0")
    for name in ("another key", "another MAC", "no MAC"):
        assert HOME_SAYS.search(seen[name]).groups() == ("0", "0"), name
        assert "did not issue" in seen[name], name


def test_a_database_that_stops_mid_session_gives_a_notice_and_writes_what_waited_when_back(page, postgres):
    name = "stopped_mid_session"
    admin = sa.create_engine(postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = postgres.url.rsplit("/", 1)[0] + f"/{name}"
    server = AppServer({"NN_GROUND_UP_DATABASE_URL": url, "NN_GROUND_UP_SLOTS": "1"})  # it trains nothing
    try:
        tab = page
        assert kept_on_home(tab, server.url) == (0, 0)
        postgres.stop()
        try:
            tab.get_by_test_id("stSidebarNav").get_by_role("link", name="Linear regression").click()  # no reload
            expect(tab.get_by_text(re.compile(r"^1 kept\."))).to_be_visible(timeout=120_000)  # the lesson goes on
            notice = tab.get_by_text("Your work is not being saved")
            expect(notice).to_be_visible()
            expect(notice).to_contain_text("1 change(s) will be written")
            screenshot(tab, "store-down")
            assert tab.get_by_test_id("stException").count() == 0
        finally:
            postgres.start()
        control = tab.get_by_label("epochs", exact=True)  # any rerun writes what waited
        control.fill("2")
        control.press("Enter")
        expect(tab.get_by_text(re.compile(r"^2 kept\."))).to_be_visible(timeout=60_000)
        expect(tab.get_by_text("Your work is not being saved")).to_have_count(0, timeout=30_000)
        kept = store.Store(url)
        learner_runs = kept.load(next(iter(_learners(kept)))).runs
        assert [r.settings["num_epochs"] for r in learner_runs["linear_regression"]] == [3, 2]  # both, in order
        kept.dispose()
        assert kept_on_home(tab, server.url) == (2, 0)
    finally:
        page.context.clear_cookies()  # the other tests' server did not sign it
        server.stop()


def _learners(kept: store.Store) -> list[str]:
    with kept.engine.connect() as c:
        return list(c.execute(sa.select(store.learners.c.id)).scalars())


def test_a_run_that_ends_after_its_tab_was_closed_is_kept(app_url):
    """The learner presses Train on lesson 7 and closes the tab at once (the bench's websocket client): the server
    keeps the run when it ends."""
    real_data_or_skip()

    async def scenario():
        tab = Learner(app_url, "mlp", "num_hiddens=64&num_epochs=1")
        await tab.open()
        await tab.click("Train")
        await tab.poll_until("scratch: epoch", "Waiting", "Starting", timeout=120)
        await tab.close()  # the tab is gone: no page of this learner will land the run
        return http.cookies.SimpleCookie(tab.cookie)["nn_learner"].value

    cookie = in_thread(scenario())
    kept = store.shared()
    learner = kept.learner_for_key(store.verify(cookie, kept.secret()))
    for _ in range(120):  # one epoch of 64 hidden units: seconds; a busy machine's line: more
        found = kept.load(learner).runs.get("mlp", [])
        if found:
            break
        time.sleep(1)
    assert [(r.status, r.settings["num_hiddens"]) for r in found] == [("finished", 64)]
    assert found[0].curves["scratch"].num_epochs == 1
