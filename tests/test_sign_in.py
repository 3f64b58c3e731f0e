"""Signing in (Streamlit's st.login, OpenID Connect) end to end in Chromium, against an OpenID Connect provider on
loopback (oidc-provider-mock): the work is the account's, found again from a fresh browser; what the browser did
before signing in joins the account; after signing out, the browser shows none of it."""

import re
import secrets

import pytest
from conftest import AppServer, free_port
from playwright.sync_api import expect
from test_kept_work import kept_on_home, predict_on_lesson_1

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
    predict_on_lesson_1(tab, server.url)  # before signing in: this browser's own work
    assert kept_on_home(tab, server.url) == (1, 1)

    sign_in(tab, server.url, "alice")
    assert kept_on_home(tab, server.url) == (1, 1)  # what the browser did joined the account
    expect(tab.get_by_text("kept in your account")).to_be_visible()
    screenshot(tab, "signed-in")
    tab.goto(f"{server.url}/backprop_numpy")  # a second run, signed in
    hidden = tab.get_by_label("H (hidden units)")
    hidden.fill("40")
    hidden.press("Enter")
    expect(tab.get_by_text("1000 × 40").first).to_be_visible(timeout=60_000)
    assert kept_on_home(tab, server.url) == (2, 1)

    tab.get_by_role("button", name="Sign out").click()
    tab.get_by_role("button", name="End session").click()  # the provider's own page (RP-initiated logout)
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)
    assert kept_on_home(tab, server.url) == (0, 0)  # a shared computer shows none of the account's work

    other = stranger.new_page()  # a fresh browser
    assert kept_on_home(other, server.url) == (0, 0)
    sign_in(other, server.url, "alice")
    assert kept_on_home(other, server.url) == (2, 1)
    sign_in(tab, server.url, "bob")  # another account sees none of it
    assert kept_on_home(tab, server.url) == (0, 0)
    expect(tab.get_by_text(re.compile("Signed in as bob"))).to_be_visible()
    assert tab.get_by_test_id("stException").count() == 0
    tab.close()
    other.close()
    context.clear_cookies()
    stranger.clear_cookies()
