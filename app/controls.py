"""A lesson's settings on the page: widgets drawn from its table, kept in the session and in the URL.

Each value lives in the learner's session (session.Learner.settings[slug]), outside any widget, so it survives a
page switch (which forgets widget state) and a run that does not draw the widget. The URL's query parameters
mirror the values that differ from the defaults, so a copied link reopens the page as it is; a link's values are
checked on arrival.
"""

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

import session
from core import i18n
from core.i18n import _
from core.settings import SHARED, Table

WIDGETS = {"int": "number", "float": "number", "bool": "toggle", "choice": "selectbox", "multi": "multiselect",
           "text": "text"}


def store() -> dict[str, dict[str, Any]]:
    return session.learner().settings


class Controls:
    """The settings of one page (a lesson's, or the sidebar's shared ones)."""

    def __init__(self, scope: str, table: Table, prefix: str):
        self.scope, self.table, self.prefix = scope, table, prefix
        if scope not in store():  # the first visit in this session: the link decides
            ignore = SHARED.names if table is not SHARED else None
            params = {k: st.query_params.get_all(k) for k in st.query_params}
            if ignore is None:  # the sidebar reads only its own parameters
                params = {k: v for k, v in params.items() if k in SHARED.names}
            store()[scope], notices = table.from_params(params, ignore=ignore or ())
            if notices:  # kept as the link had them: notices() words them in the language on screen then
                session.learner().notices[scope] = (params, ignore or ())
            for unknown in set(params) - set(table.names) - set(ignore or ()):
                del st.query_params[unknown]  # said in a notice; a copied link should not carry it on
        self.values: dict[str, Any] = store()[scope]

    def key(self, name: str) -> str:
        return f"{self.prefix}_{name}" if self.prefix else name

    def notices(self) -> None:
        """Say which values from the link were changed or ignored (until the learner changes a control)."""
        link = session.learner().notices.get(self.scope)
        if link is not None:
            notices = self.table.from_params(*link)[1]
            st.warning(_("Some values in this link could not be used as they were:") + "\n\n"
                       + "\n".join(f"- {n}" for n in notices), icon=":material/link_off:")

    def widget(self, name: str, container: Any = st, choices: list | None = None, **options) -> Any:
        """Draw the setting's widget (its kind decides which, or a selectbox of `choices`) and return its value."""
        s = self.table[name]
        key = self.key(name)
        if not session.has_widget(key):  # first drawing, or back after a page switch: start from the kept value
            session.set_widget(key, self.values[name])
        common = dict(key=key, help=_(s.help) if s.help else None, on_change=self._changed, args=(name,))
        label = _(s.label)
        kind = "selectbox" if choices is not None else s.widget or WIDGETS[s.kind]
        # The widget's default is the value the server keeps. Streamlit sends a value set through session_state only
        # in the run that set it; a browser that had not drawn the widget by then (the learner changed a control
        # drawn earlier while the page's first run was still going) shows the widget's default. Without this, that
        # is a number's minimum and no version chosen, while the server computes with the kept values. A keyed
        # widget's identity leaves its default out, so giving it changes nothing else (and a browser that has a
        # value of its own keeps it).
        kept = session.widget(key)
        if kind == "number":
            number = int if s.kind == "int" else float
            value = container.number_input(label, min_value=number(s.min), max_value=number(s.max), value=kept,
                                           step=number(s.step or 1), format=f"%{s.fmt}" if s.fmt else None,
                                           **common, **options)
        elif kind == "slider":
            value = container.slider(label, min_value=s.min, max_value=s.max, step=s.step, value=kept, **common,
                                     **options)
        elif kind == "toggle":
            value = container.toggle(label, value=kept, **common, **options)
        elif kind == "multiselect":
            value = container.multiselect(label, list(s.options), default=kept,
                                          **{"format_func": s.show_one, **common, **options})
        elif kind == "text":
            value = container.text_input(label, value=kept, max_chars=200, **common, **options)
        else:  # selectbox, radio, select_slider
            draw = {"selectbox": container.selectbox, "radio": container.radio,
                    "select_slider": container.select_slider}[kind]
            options.setdefault("format_func", s.show_one)
            listed = choices or list(s.options)
            if kind == "select_slider":
                options["value"] = kept
            elif kept in listed:
                options["index"] = listed.index(kept)
            value = draw(label, listed, **common, **options)
        self.values[name] = value
        self.write_url()
        return value

    def draw(self, columns: list, names: Iterable[str] | None = None) -> Any:
        """Draw the widgets of `names` (all the table's, in its order, by default), one in each of `columns`, and
        return every value of the table as one record (Table.record)."""
        for name, column in zip(self.table.names if names is None else names, columns, strict=False):
            self.widget(name, column)
        return self.table.record(self.values)

    def _changed(self, name: str) -> None:
        self.values[name] = session.widget(self.key(name))
        session.learner().notices.pop(self.scope, None)

    def set(self, values: Mapping[str, Any]) -> None:
        """Put values into the controls (a preset, a restored run). Call from a button's on_click."""
        for name, value in values.items():
            if name in self.table.names:
                self.values[name] = value
                session.set_widget(self.key(name), value)

    def write_url(self) -> None:
        """Mirror the values that differ from the defaults in the URL's query parameters."""
        wanted = self.table.to_params(self.values)
        for name in self.table.names:
            if name in wanted and st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
            elif name not in wanted and name in st.query_params:
                del st.query_params[name]

    def run_settings(self) -> dict[str, Any]:
        """The values a run records."""
        return {name: self.values[name] for name in self.table.run_names()}


def lesson(slug: str, table: Table, prefix: str) -> Controls:
    """The controls of a lesson page; also puts the sidebar's settings back in the URL after a page switch."""
    controls = Controls(slug, table, prefix)
    session.learner().page = slug
    shared().write_url()
    controls.notices()
    return controls


def share_link() -> None:
    """Show the link to what is on screen (page, settings, seed, device), with Streamlit's copy button."""
    base = urlsplit(st.context.url or "http://localhost:8501/")
    page = session.learner().page
    query = urlencode({k: st.query_params[k] for k in st.query_params})
    link = urlunsplit((base.scheme, base.netloc, f"/{page}", query, ""))
    st.caption(_("Link to these settings (copy it with the button at its right):"))
    st.code(link, language=None, wrap_lines=True)


def use_language() -> None:
    """Make the session's language this thread's: a fragment's rerun runs in a thread of its own."""
    i18n.use(store().get("shared", {}).get("lang", "en"))


def shared() -> Controls:
    """The sidebar's settings (device, seed); their widget keys are their names."""
    return Controls("shared", SHARED, "")
