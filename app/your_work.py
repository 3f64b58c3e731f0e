"""Where the learner's work is kept: Home's "Your work" section (a resume code to carry it to another device, and
Forget me), and on every page the notice when it is not being saved."""

import time

import streamlit as st

import session
import ui
from core import store
from core.i18n import _

FREE_TRIES = 3  # wrong resume codes a session may type before each further try waits
MAX_WAIT = 300.0  # seconds, at most, between two tries after many wrong ones


def saving_notice() -> None:
    """In the sidebar of every page: say so when the work is not being saved."""
    found = session.learner()
    if found.not_saved:
        waiting = len(found.unsaved)
        st.warning(_("Your work is not being saved: {reason}. It stays in this tab; {count} change(s) will be "
                     "written when the database answers again.").format(reason=ui.literal(found.not_saved),
                                                                         count=waiting),
                   icon=":material/cloud_off:")


def wait_before_next_code(tried: list[float], now: float) -> float:
    """Seconds this session must wait before typing another resume code: none for the first FREE_TRIES wrong
    ones, then doubling from 2 s, at most MAX_WAIT."""
    if len(tried) < FREE_TRIES:
        return 0.0
    return max(0.0, tried[-1] + min(MAX_WAIT, 2.0 ** (len(tried) - FREE_TRIES + 1)) - now)


def your_work() -> None:
    """Home: where the work is kept, the resume code, and Forget me."""
    found = session.learner()
    st.subheader(_("Your work"))
    if found.news:
        st.success(found.news, icon=":material/check_circle:")
        found.news = ""
    if found.key_replaced:
        st.warning(_("This browser sent a learner key that this server did not issue. It was given a new one: "
                     "no one's work is shown, and yours starts afresh here."), icon=":material/gpp_maybe:")
    if found.id is None:
        if not store.enabled():
            st.info(_("Your runs, predictions and exercises are kept in this tab only: this server keeps no one's "
                      "work. Export your runs on a lesson's page to keep them."), icon=":material/tab:")
        elif found.key is None:
            st.info(_("Your runs, predictions and exercises are kept in this tab only: this browser did not send "
                      "its learner key (does it refuse cookies from this site?). Export your runs on a lesson's "
                      "page to keep them."), icon=":material/tab:")
        else:
            st.warning(_("Your work could not be loaded: {reason}. What you do now stays in this tab.").format(
                reason=ui.literal(found.not_saved)), icon=":material/cloud_off:")
        return
    _account(found)
    kept_runs = sum(len(h.runs) for h in found.histories.values())
    done = sum(sum(items.values()) for items in found.progress.values())
    if found.subject is not None:
        st.markdown(_("Your runs, predictions and exercises are kept **in your account, on this server**: sign in "
                      "from any browser to find them ({runs} run(s) and {done} checkpoint(s) and exercise(s) done so "
                      "far).").format(runs=kept_runs, done=done))
    else:
        st.markdown(_("Your runs, predictions and exercises are kept **in this browser, on this server**: a "
                      "reload, a new tab, next week or a restarted server finds them here ({runs} run(s) and "
                      "{done} checkpoint(s) and exercise(s) done so far). Another browser is another "
                      "learner.").format(runs=kept_runs, done=done))
    carry, resume, forget = st.columns(3)
    with carry.popover(_("Carry my work to another device"), icon=":material/devices:", width="stretch"):
        st.markdown(_("A resume code, typed on Home in another browser, makes that browser yours too. Keep it "
                      "private: whoever has it has your work. A new code replaces the previous one."))
        if st.button(_("Make a resume code"), key="resume_code_new"):
            code = session.new_resume_code()
            if code is not None:
                st.code(code, language=None)
    with resume.popover(_("Resume with a code"), icon=":material/key:", width="stretch"):
        with st.form("resume_form", border=False):
            typed = st.text_input(_("Resume code"), max_chars=40, placeholder="XXXX-XXXX-XXXX-XXXX",
                                  key="resume_code_typed")
            go = st.form_submit_button(_("Resume"), key="resume_code_go")
        if go:
            _resume(found, typed)
    with forget.popover(_("Forget me"), icon=":material/delete_forever:", width="stretch"):
        st.markdown(_("Deletes every run, prediction, exercise attempt and all progress of yours from this "
                      "server, for good, and starts afresh."))
        if st.button(_("Yes, delete all my work"), key="forget_me", type="primary"):
            try:
                session.forget()
            except store.Unavailable as err:
                st.error(_("Nothing was deleted: {reason}.").format(reason=ui.literal(str(err))))
            else:  # drawn again from the start: every count on the page is the new learner's
                session.learner().news = _("Done: everything of yours was deleted. You start afresh.")
                st.rerun()


def _account(found: session.Learner) -> None:
    """Sign in (one button per provider) or out, where the server's secrets configure sign-in."""
    providers = session.sign_in_providers()
    if providers is None:
        return
    if found.subject is not None:
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(_("Signed in as **{name}**.").format(name=ui.literal(session.account_name())))
        if right.button(_("Sign out"), key="sign_out", icon=":material/logout:"):
            st.logout()
        return
    st.markdown(_("Sign in to keep your work in your account and find it from any browser: what you did here "
                  "before joins it."))
    for column, provider in zip(st.columns(max(3, len(providers))), providers):
        label = _("Sign in") if not provider else _("Sign in with {provider}").format(provider=provider.title())
        if column.button(label, key=f"sign_in_{provider}", icon=":material/login:", type="primary"):
            st.login(provider or None)


def _resume(found: session.Learner, typed: str) -> None:
    wait = wait_before_next_code(found.wrong_codes, time.monotonic())
    if wait > 0:
        st.error(_("Too many wrong codes: try again in {seconds:.0f} s.").format(seconds=wait))
        return
    if store.normal_code(typed) is None:
        found.wrong_codes.append(time.monotonic())
        st.error(_("A resume code has 16 letters and digits, such as XXXX-XXXX-XXXX-XXXX."))
        return
    try:
        resumed = session.resume(typed)
    except store.Unavailable as err:
        st.error(_("The code could not be checked: {reason}.").format(reason=ui.literal(str(err))))
        return
    if not resumed:
        found.wrong_codes.append(time.monotonic())
        st.error(_("No one's work has this code: nothing changed."))
        return
    found.wrong_codes.clear()
    session.learner().news = _("Resumed: this browser now has that work, together with what it had.")
    st.rerun()  # drawn again from the start: every count on the page is the resumed learner's
