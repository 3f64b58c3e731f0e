"""The learner's key, kept in the browser: a signed, HttpOnly, SameSite=Lax cookie that the page's first response
sets, so that the session finds the learner's work again after a reload, in a new tab, next week or on a
restarted server.

Streamlit has no Python call that writes a cookie, and `st.context.cookies` is what the browser sent when the
page's websocket connected. So this is a Starlette middleware of the app's server (`st.App(middleware=...)` in
Home.py, which `streamlit run` picks up): it gives the HTML page a cookie when the browser has none that this
deployment signed, and the websocket that the page then opens carries it to `st.context.cookies`, in the same
visit, with no component and no extra rerun. No script can read it (HttpOnly), it is never in the address bar or
a shared link, and it is never logged. The third-party cookie components need a second render before the value
is there.

A cookie that is present but not one this deployment signed (forged, malformed, from another server) is replaced,
and a short-lived second cookie tells the page, which says so.
"""

import asyncio
import functools
import logging
from http.cookies import SimpleCookie

from core import store

COOKIE = "nn_learner"
REPLACED = "nn_learner_replaced"  # set for a minute when a cookie this deployment did not sign was replaced
MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chromium caps it at 400 days)
ASSETS = ("/_stcore/", "/static/", "/component/", "/media/", "/app/static/", "/favicon")
log = logging.getLogger(__name__)


@functools.cache
def _secret() -> bytes:
    return store.shared().secret()


def secret() -> bytes | None:
    """This deployment's signing key (from the store, shared by its replicas); None while the store is down."""
    try:
        return _secret()
    except store.Unavailable as err:
        log.warning("no learner keys are given out while the store is unavailable: %s", err)
        return None


def key(cookies: dict[str, str]) -> tuple[str | None, bool]:
    """The learner key the browser's cookies hold (None: none that this deployment signed), and whether the
    browser's previous cookie was replaced because it was not this deployment's."""
    cookie, found = cookies.get(COOKIE), None
    if cookie and store.enabled():
        signing = secret()
        found = store.verify(cookie, signing) if signing is not None else None
    return found, REPLACED in cookies


class LearnerKeyMiddleware:
    """Gives every page response a signed learner key when the browser has none that verifies."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(ASSETS)
                or not store.enabled()):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if b"text/html" not in headers.get(b"accept", b""):
            return await self.app(scope, receive, send)  # not a page a browser navigates to
        jar = SimpleCookie()
        try:
            jar.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # a cookie header that does not parse is no key
            jar = SimpleCookie()
        cookies = {name: morsel.value for name, morsel in jar.items()}
        signing = await asyncio.to_thread(secret)
        if signing is None or (COOKIE in cookies and store.verify(cookies[COOKIE], signing)):
            return await self.app(scope, receive, send)
        forwarded = headers.get(b"x-forwarded-proto", b"").decode("latin-1")
        secure = "; Secure" if scope.get("scheme") == "https" or forwarded == "https" else ""
        value = store.sign(store.new_key(), signing)
        extra = [(b"set-cookie", f"{COOKIE}={value}; Max-Age={MAX_AGE}; Path=/; HttpOnly; SameSite=Lax{secure}"
                  .encode())]
        if COOKIE in cookies:
            extra.append((b"set-cookie", f"{REPLACED}=1; Max-Age=60; Path=/; HttpOnly; SameSite=Lax{secure}"
                          .encode()))

        async def sending(message):
            if message["type"] == "http.response.start" and message.get("status") in (200, 304):
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, sending)
