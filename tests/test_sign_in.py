"""Signing in (Streamlit's st.login, OpenID Connect) end to end in Chromium, against an OpenID Connect provider on
loopback (oidc-provider-mock): the work is the account's, found again from a fresh browser; what the browser did
before signing in joins the account; after signing out, the browser shows none of it."""

import secrets

import pytest
from playwright.sync_api import expect
from test_kept_work import keep_a_run_on_lesson_5, kept_on_home

from core import store
from core.curves import Curves
from core.runs import Run
from helpers import screenshot

pytestmark = pytest.mark.browser


def sign_in(tab, url: str, subject: str) -> None:
    tab.goto(url)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_placeholder("sub").fill(subject)  # the provider's own form
    tab.get_by_role("button", name="Authorize").click()
    expect(tab.get_by_text(f"Signed in as {subject}")).to_be_visible(timeout=60_000)


def test_sign_in_keeps_the_work_in_the_account_from_any_browser(context, stranger, app_url, sign_in_provider):
    """The tests' server signs in with the provider on loopback (see conftest.app_url)."""
    if sign_in_provider is None:
        pytest.skip("oidc-provider-mock is not installed (pip install -r requirements-dev.txt)")
    alice = f"alice-{secrets.token_hex(4)}"  # an account of this test's own in the run's database
    context.clear_cookies()
    stranger.clear_cookies()
    tab = context.new_page()
    assert kept_on_home(tab, app_url) == (0, 0)
    [cookie] = [c for c in context.cookies() if c["name"] == "nn_learner"]
    kept = store.shared()  # the run's database, which the server shares: this browser kept a run before signing in
    browser_learner = kept.learner_for_key(store.verify(cookie["value"], kept.secret()))
    kept.save_run(browser_learner, Run(0, "torch_nn", {"lr": 0.1}, {"x": Curves({"loss": [1.0]})}))
    kept.mark(browser_learner, "torch_nn", "checkpoint:x", True)

    sign_in(tab, app_url, alice)
    assert kept_on_home(tab, app_url) == (1, 1)  # what the browser did joined the account
    expect(tab.get_by_text("kept in your account")).to_be_visible()
    screenshot(tab, "signed-in")
    keep_a_run_on_lesson_5(tab, app_url)  # signed in: a run of the account's
    assert kept_on_home(tab, app_url) == (2, 1)

    tab.get_by_role("button", name="Sign out").click()
    tab.get_by_role("button", name="End session").click()  # the provider's own page (RP-initiated logout)
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)
    assert kept_on_home(tab, app_url) == (0, 0)  # a shared computer shows none of the account's work

    other = stranger.new_page()  # a fresh browser
    sign_in(other, app_url, alice)
    assert kept_on_home(other, app_url) == (2, 1)
    assert other.get_by_test_id("stException").count() == 0
    tab.close()
    other.close()
    context.clear_cookies()
    stranger.clear_cookies()
