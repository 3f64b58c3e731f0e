"""Shared fixtures: a real `streamlit run` server and a headless Chromium driven by Playwright."""

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from postgres import cluster as postgres_cluster

from core.pool import threads_per_worker
from core.worker import use_threads
from fashion_fixtures import write_tiny
from helpers import screenshot

# Tests compare answer keys computed here with what a page or a pool worker computed. The server computes with the
# threads of its workers (see runner.pool), and so does this process, whatever OMP_NUM_THREADS says: a sum split
# over another number of threads ends in other digits.
use_threads(threads_per_worker())

# The results every page computes at its default settings are kept on disk for the whole run (core.results_cache),
# in one folder that this process, both xdist workers (they inherit the environment) and every server the tests
# start share, as a machine's servers do; never the user's own folder. Removed by the process that made it.
if "NN_GROUND_UP_CACHE_DIR" not in os.environ:
    os.environ["NN_GROUND_UP_CACHE_DIR"] = tempfile.mkdtemp(prefix="nn-ground-up-results-")
    atexit.register(shutil.rmtree, os.environ["NN_GROUND_UP_CACHE_DIR"], ignore_errors=True)

# The learners' work goes to one SQLite file for the whole run (core.store), shared like the results above by this
# process, both xdist workers and every server the tests start; never the user's own database.
if "NN_GROUND_UP_DATABASE_URL" not in os.environ:
    _database = tempfile.mkdtemp(prefix="nn-ground-up-store-")
    os.environ["NN_GROUND_UP_DATABASE_URL"] = f"sqlite:///{_database}/explorer.sqlite3"
    atexit.register(shutil.rmtree, _database, ignore_errors=True)

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium flags for a closed network and a root user (no sandbox, no background calls home), and one renderer
# process for the app's tabs of one browser context: a tab in a new process compiles Streamlit's and plotly's
# JavaScript again: about 10 CPU-seconds for torch.nn's page against 5-6 in a process that has compiled it before
# (8% less CPU over the accessibility tests).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--process-per-site"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`streamlit run app/Home.py` exactly as a learner starts it, on a free loopback port, with `env` added."""

    def __init__(self, env: dict[str, str] | None = None, args: tuple[str, ...] = (), port: int | None = None):
        self.env, self.args, self.port = {**os.environ, **(env or {})}, args, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start()

    def start(self) -> None:
        cmd = [sys.executable, "-m", "streamlit", "run", "app/Home.py", "--server.port", str(self.port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
               *self.args]
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1).read() == b"ok":
                    return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("streamlit did not start within 60 s") from None
                time.sleep(0.25)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def sign_in_provider():
    """An OpenID Connect provider on loopback (oidc-provider-mock, in a thread of this process), which the app's
    server signs in with; None where it is not installed (outside CI: the sign-in test is then skipped)."""
    try:
        import oidc_provider_mock
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("oidc-provider-mock is not installed (pip install -r requirements-dev.txt)")
        yield None
        return
    with oidc_provider_mock.run_server_in_thread(port=free_port()) as running:
        yield f"http://127.0.0.1:{running.server_port}"


@pytest.fixture(scope="session")
def app_url(sign_in_provider, tmp_path_factory):
    """Start the app exactly as a learner does and yield its URL. Its secrets configure sign-in with the provider
    above, as a class's server would (Home then offers Sign in); its learners' work goes to the run's database."""
    port, args = free_port(), ()
    if sign_in_provider is not None:
        secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
        secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{os.urandom(16).hex()}"
client_id = "explorer"
client_secret = "{os.urandom(8).hex()}"
server_metadata_url = "{sign_in_provider}/.well-known/openid-configuration"
""")
        args = ("--secrets.files", str(secrets))
    server = AppServer(args=args, port=port)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium; skipped with a reason outside CI when it is missing, failing in CI."""
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright is not installed (pip install -r requirements-dev.txt)"
    if missing is None and not Path(CHROMIUM).exists():
        missing = "Chromium is not installed (Debian: apt-get install chromium)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # pages train on first render; a busy CI machine needs more than 5 s
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def fresh_server():
    """Each test's pages meet the pool of a server that has just started: estimates from the cost model at this
    machine's measured speed, without the per-kind factors learnt from the runs of whichever tests xdist ran before
    it in this process (one such factor sent lesson 1's default run to the pool, and its chart never came), and
    none of the results those runs left for every learner (with one, a page took its gradient check from there
    instead of sending it to the pool as its test expected)."""
    runner = sys.modules.get("runner")
    if runner is not None:
        runner.pool().factors.clear()
        runner.forget_computed()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Note on the test whether its body failed, for the page fixture's screenshot."""
    report = yield
    if report.when == "call":
        item.body_failed = report.failed
    return report


def keep_renderer(context, app_url: str) -> None:
    """Keep a tab of the app's site open in `context`, as a learner keeps one: Chromium ends a site's renderer
    process with its last tab, and each test's tab then started a new one that compiled the app's JavaScript
    again (torch.nn's page opened in a new tab in 5.5 s with no other tab open, 3.7-4.3 s with this one, on
    this 2-core machine). Its plain-text health check holds no Streamlit session. Every server the tests start
    listens on 127.0.0.1, one site whatever the port."""
    context.new_page().goto(f"{app_url}/_stcore/health")


@pytest.fixture(scope="session")
def context(browser, app_url):
    """The browser context the tests' tabs share, as a learner's tabs do: each tab is a Streamlit session of its
    own, and its renderer has the app's JavaScript compiled (see CHROMIUM_ARGS and keep_renderer). A test that
    needs a browser that has never seen the app opens a context of its own."""
    shared = browser.new_context(viewport={"width": 1400, "height": 1000})
    keep_renderer(shared, app_url)
    yield shared
    shared.close()


@pytest.fixture(scope="session")
def stranger(browser, app_url):
    """A second browser context: another learner's browser, which shares no cookies, storage or tabs with the
    tests' own. Opened once: each test that needs one opens a tab in it (a new context is a new renderer process
    that compiles the app's JavaScript again, about 5 CPU-seconds each time)."""
    other = browser.new_context(viewport={"width": 1400, "height": 1400})
    keep_renderer(other, app_url)
    yield other
    other.close()


@pytest.fixture
def page(context, app_url, request):
    """A fresh browser tab, blank: the test opens the address it needs (loading Home first would cost each test a
    page load it then throws away). Where it ended is kept as a screenshot in $SCREENSHOT_DIR, and in a temporary
    folder (named in the test's output) when the test failed. The tab is a new learner: the context's cookies,
    and with them the learner key of the tests before, are cleared first."""
    context.clear_cookies()
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    name = f"{request.node.name}-end"
    if getattr(request.node, "body_failed", False):
        path = request.config._tmp_path_factory.mktemp("screens") / f"{name}.png"
        tab.screenshot(path=path, full_page=True)
        print(f"\nscreenshot of the failed page: {path}")
    screenshot(tab, name, full_page=False)
    tab.close()


@pytest.fixture
def home(page, app_url):
    """A fresh browser tab on the app's Home."""
    page.goto(app_url)
    return page


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server on loopback for the whole run (tests/postgres.py); skipped with a reason outside
    CI when PostgreSQL is not installed, failing in CI."""
    try:
        with postgres_cluster() as running:
            yield running
    except FileNotFoundError as err:
        if os.environ.get("CI"):
            pytest.fail(str(err))
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> str:
    """A directory holding a tiny, learnable FashionMNIST-format data set (600 training, 200 test images)."""
    root = tmp_path_factory.mktemp("tiny-fashion")
    write_tiny(root, n_train=600, n_test=200)
    return str(root)
