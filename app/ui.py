"""Small helpers shared by the pages: shared settings, lesson prose, and showing the code that ran."""

import functools
import html
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import plotly.graph_objects as go
import streamlit as st
import torch

import controls
from core import figure_text, i18n
from core.curves import Curves
from core.device import DeviceUnavailableError, resolve_device
from core.i18n import _
from core.source import getsource
from registry import LESSONS

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
T = TypeVar("T")


def seed() -> int:
    """Return the seed chosen in the sidebar."""
    return int(controls.shared().values["seed"])


def literal(text: str) -> str:
    """`text` to be shown as it is inside Markdown: every character Markdown or HTML would read is escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])", r"\\\1", text)


def device() -> torch.device | None:
    """Return the device chosen in the sidebar, or show why it is absent and return None (never another one)."""
    try:
        return resolve_device(controls.shared().values["device"])
    except DeviceUnavailableError as err:
        st.error(_("Device not available: {reason}. Pick one of this machine's devices in the sidebar.").format(
            reason=err))
        return None


def require_device() -> torch.device:
    """Return the sidebar's device; if it is absent, say so and stop this page (other pages are unaffected)."""
    chosen = device()
    if chosen is None:
        st.stop()
    return chosen


def lesson_intro(slug: str, jump_to_train: bool = False) -> "Sections":
    """Show the lesson's title (from the registry), the prose before its first section and a link to its terms in
    the glossary (and, on a page with Train, a link that jumps to it: a keyboard reaches it in a few presses);
    return all sections."""
    text = prose(slug)
    st.title(_(next(lesson.title for lesson in LESSONS if lesson.slug == slug)))
    st.markdown(text[""])
    with st.container(horizontal=True, gap="large"):
        st.page_link("glossary.py", label=_("This lesson's terms in English and Chinese"),
                     icon=":material/translate:", query_params={"lesson": slug})
        if jump_to_train:
            st.markdown(f"[{_('Jump to Train')}](#{TRAIN_ANCHOR})")
    return text


TRAIN_ANCHOR = "train"


def train_anchor() -> None:
    """Where the 'Jump to Train' link lands: the next element is Train. The mark takes the focus when the link is
    followed (tabindex -1: focusable, but not a Tab stop of its own), so the next Tab goes to Train for certain;
    without it Chromium only moves the starting point of the next Tab, and a Tab pressed before it does so (or a
    redraw of the page in between) went on from the link itself. Its scroll margin keeps Train below Streamlit's
    header, which would otherwise cover it once the page has scrolled there."""
    st.html(f'<span id="{TRAIN_ANCHOR}" tabindex="-1" style="outline: none; scroll-margin-top: 6rem"></span>')


class Sections(dict):
    """A lesson's prose sections by English key, with each section's heading in its own language (`titles`)."""

    titles: dict[str, str]

    def title(self, key: str) -> str:
        return self.titles.get(key, key)


def prose(slug: str, language: str | None = None) -> Sections:
    """Return the sections of the lesson's prose in the current language (lessons/<slug>.md, or
    lessons/zh/<slug>.md), keyed by their English '## ' heading ('' for the text before the first).

    A Chinese heading carries its English key: '## 激活函数 {#Activations}'."""
    language = language or i18n.current()
    path = LESSONS_DIR / f"{slug}.md" if language == "en" else LESSONS_DIR / language / f"{slug}.md"
    parts = re.split(r"^## (.+)$", path.read_text(encoding="utf-8"), flags=re.M)
    sections = Sections({"": parts[0].strip()})
    sections.titles = {}
    for title, body in zip(parts[1::2], parts[2::2]):
        key = re.search(r"\s*\{#(.+)\}\s*$", title)
        name = key.group(1) if key else title.strip()
        sections[name] = body.strip()
        sections.titles[name] = title[:key.start()].strip() if key else name
    return sections


def call_text(function: Callable, *args: object, **kwargs: object) -> str:
    """'train(N=64, lr=0.0001)': a call as it ran, with its real arguments (reprs, long ones shortened)."""
    def show(value: object) -> str:
        if isinstance(value, functools.partial):  # its repr holds a memory address: write it as it was made
            inner = call_text(value.func, *value.args, **value.keywords)[len(value.func.__name__) + 1:-1]
            return f"partial({value.func.__name__}" + (f", {inner})" if inner else ")")
        text = repr(value)
        return text if len(text) <= 240 else text[:237] + "..."  # a dict of five learning rates fits whole
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{function.__name__}({', '.join(parts)})"


def show_source(*functions: Callable, height: int = 480, calls: Sequence[str] = ()) -> None:
    """Show the calls that ran with their real arguments, then the exact source of the functions, one tab each."""
    if calls:
        st.caption(_("The call that ran, with its arguments (the defaults in a signature below may differ):"))
        st.code("\n".join(calls), language="python", wrap_lines=True)
    modules = dict.fromkeys(f.__module__ for f in functions)  # in order, without repeats
    st.caption(_("The code that ran, from {modules}:").format(modules=", ".join(f"`{m}`" for m in modules)))
    for tab, f in zip(st.tabs([f"{f.__name__}()" for f in functions]), functions):
        tab.code(getsource(f), language="python", height=height, wrap_lines=True)


CHART_CONFIG = {"displaylogo": False}  # its toolbar shows on hover only, out of the tab order (see STYLE below)


def chart(figure: go.Figure, key: str | None = None, where: object = None, **options: object) -> None:
    """Draw a plotly figure with its text alternative (a one-line summary of what it shows, for screen readers)."""
    where = where or st
    where.plotly_chart(figure, key=key, config=CHART_CONFIG, **options)
    where.markdown(f'<div class="sr-only" role="note">{html.escape(figure_text.describe(figure))}</div>',
                   unsafe_allow_html=True)


# Page-wide style: a chart's toolbar exists only while the pointer is on the chart (hidden, it is out of the tab
# order, so Tab reaches Train in a few presses); text for screen readers only; display maths that scrolls on its
# own on a narrow screen instead of being cut off or pushing the page sideways; captions dark enough to read
# (Streamlit's grey has a contrast of 3.8:1 on the sidebar, under the 4.5:1 that WCAG AA asks of small text), and
# so are the code's colours; a code block scrolls in its own frame, the one a keyboard can focus (not the <pre>).
STYLE = """<style>
.js-plotly-plot .modebar-container { display: none; }
.js-plotly-plot:hover .modebar-container { display: block; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
           clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
.katex-display { overflow-x: auto; overflow-y: hidden; max-width: 100%; padding: 0.2em 0; }
[data-testid="stCaptionContainer"] { color: #5c5b5a; opacity: 1; }
[data-testid="stCode"] { max-height: 480px; overflow: auto; }
[data-testid="stCode"] > pre { height: auto !important; max-height: none !important; overflow: visible !important; }
[data-testid="stCode"] .token:is(.string, .char, .triple-quoted-string) { color: #0a7a2a; }
[data-testid="stCode"] .token:is(.number, .boolean, .constant) { color: #0b6b5f; }
[data-testid="stCode"] .token:is(.keyword, .function, .builtin, .class-name, .decorator) { color: #1a5fb4; }
[data-testid="stCode"] .token.comment { color: #5c5b5a; }
</style>"""


def style() -> None:
    """Add the page-wide style (once per run, from the entry file)."""
    st.html(STYLE)


def run_each(names: Sequence[str], run: Callable[[str], T], what: str | None = None) -> dict[str, T]:
    """Run `run(name)` for each name with a progress bar saying `what` ("Training" if None), and return the
    results by name."""
    bar = st.progress(0.0)
    results = {}
    for i, name in enumerate(names):
        bar.progress(i / len(names), text=_("{what}: {name} ({number} of {count})").format(
            what=_("Training") if what is None else what, name=name, number=i + 1, count=len(names)))
        results[name] = run(name)
    bar.empty()
    return results


def metrics(*items: tuple[str, str] | tuple[str, str, str]) -> None:
    """(label, value[, help]) metrics side by side, each as wide as its value: a row that does not fit wraps onto
    the next line instead of cutting a value off ("3.79e…")."""
    with st.container(horizontal=True, gap="large"):
        for label, value, *help_text in items:
            st.metric(label, value, help=help_text[0] if help_text else None, width="content")


def report_divergence(name: str, curves: Curves) -> None:
    """Say where a run diverged, if it did."""
    if curves.diverged_at is not None:
        st.error(_("**{name} {diverged}**: the loss overflowed. The curve stops there; try a smaller learning "
                   "rate.").format(name=name, diverged=curves.divergence()))


def lesson_controls(slug: str) -> controls.Controls:
    """The lesson's settings, drawn from its table, kept across pages and in the URL."""
    lesson = next(lesson for lesson in LESSONS if lesson.slug == slug)
    return controls.lesson(slug, lesson.settings(), lesson.prefix)
