"""Signing in (Streamlit's st.login, OpenID Connect) end to end in Chromium, against an OpenID Connect provider on
loopback (oidc-provider-mock): the work is the account's, found again from a fresh browser; what the browser did
before signing in joins the account; after signing out, the browser shows none of it."""

import secrets

import pytest
from conftest import AppServer, free_port
from playwright.sync_api import expect
from test_kept_work import keep_a_run_on_lesson_5, kept_on_home

from core import store
from core.curves import Curves
from core.runs import Run
from helpers import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider():
    oidc = pytest.importorskip("oidc_provider_mock", reason="oidc-provider-mock is not installed "
                               "(pip install -r requirements-dev.txt)")
    with oidc.run_server_in_thread(port=free_port()) as running:
        yield f"http://127.0.0.1:{running.server_port}"


@pytest.fixture
def server(provider, tmp_path):
    """A server whose secrets configure sign-in with the provider, on a database of its own."""
    port = free_port()
    configured = tmp_path / "secrets.toml"
    configured.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{secrets.token_hex(16)}"
client_id = "explorer"
client_secret = "{secrets.token_hex(8)}"
server_metadata_url = "{provider}/.well-known/openid-configuration"
""")
    own = AppServer({"NN_GROUND_UP_DATABASE_URL": f"sqlite:///{tmp_path / 'explorer.sqlite3'}"},
                    ("--secrets.files", str(configured)), port)
    yield own
    own.stop()


def sign_in(tab, url: str, subject: str) -> None:
    tab.goto(url)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_placeholder("sub").fill(subject)  # the provider's own form
    tab.get_by_role("button", name="Authorize").click()
    expect(tab.get_by_text(f"Signed in as {subject}")).to_be_visible(timeout=60_000)


def test_sign_in_keeps_the_work_in_the_account_from_any_browser(context, stranger, server):
    context.clear_cookies()
    stranger.clear_cookies()
    tab = context.new_page()
    assert kept_on_home(tab, server.url) == (0, 0)
    [cookie] = [c for c in context.cookies() if c["name"] == "nn_learner"]
    own = store.Store(server.env["NN_GROUND_UP_DATABASE_URL"])  # before signing in, this browser kept a run
    browser_learner = own.learner_for_key(store.verify(cookie["value"], own.secret()))
    own.save_run(browser_learner, Run(0, "torch_nn", {"lr": 0.1}, {"x": Curves({"loss": [1.0]})}))
    own.mark(browser_learner, "torch_nn", "checkpoint:x", True)
    own.dispose()

    sign_in(tab, server.url, "alice")
    assert kept_on_home(tab, server.url) == (1, 1)  # what the browser did joined the account
    expect(tab.get_by_text("kept in your account")).to_be_visible()
    screenshot(tab, "signed-in")
    keep_a_run_on_lesson_5(tab, server.url)  # signed in: a run of the account's
    assert kept_on_home(tab, server.url) == (2, 1)

    tab.get_by_role("button", name="Sign out").click()
    tab.get_by_role("button", name="End session").click()  # the provider's own page (RP-initiated logout)
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)
    assert kept_on_home(tab, server.url) == (0, 0)  # a shared computer shows none of the account's work

    other = stranger.new_page()  # a fresh browser
    sign_in(other, server.url, "alice")
    assert kept_on_home(other, server.url) == (2, 1)
    assert other.get_by_test_id("stException").count() == 0
    tab.close()
    other.close()
    context.clear_cookies()
    stranger.clear_cookies()
