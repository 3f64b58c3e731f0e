"""Entry point: `streamlit run app/Home.py`. Owns the shared sidebar settings and the navigation.

`streamlit run` imports this file once to find the server it runs (the `app` below, an `st.App` that gives each
browser its learner key, see browser_key), then runs it as the app's script (`__name__ == "__main__"`) on every
rerun: `main`."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so that pages can import the `core` package
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from your_work import saving_notice, your_work  # noqa: E402

import controls  # noqa: E402
import live_training  # noqa: E402
import progress  # noqa: E402
import runner  # noqa: E402
import session  # noqa: E402
import ui  # noqa: E402
from core import i18n  # noqa: E402
from core.device import available_devices, describe_device  # noqa: E402
from core.i18n import _  # noqa: E402
from registry import LESSONS  # noqa: E402


def home() -> None:
    intro = ui.prose("home")
    st.title(_("Neural networks from the ground up"))
    st.markdown(intro[""])
    st.subheader(_("The ladder"))
    for step, lesson in enumerate(LESSONS, start=1):
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(f"**{step}. {_(lesson.title)}**  \n{_(lesson.summary)}")
            right.page_link(lesson.page, label=_("Open"), icon=":material/arrow_forward:")
            done, total = progress.counts(lesson.slug)
            right.caption(_("Your progress: {done} of {total}").format(done=done, total=total))
    st.subheader(intro.title("How to use it"))
    st.markdown(intro["How to use it"])
    your_work()


def main() -> None:
    first_visit = "shared" not in controls.store()
    sidebar = controls.shared()
    if first_visit and "lang" not in st.query_params:  # no link chose: the browser's preferred language decides
        sidebar.values["lang"] = i18n.from_locale(st.context.locale)
    i18n.use(sidebar.values["lang"])
    st.set_page_config(page_title=_("Neural networks from the ground up"), page_icon=":material/neurology:",
                       layout="wide")
    ui.style()

    with st.sidebar:
        sidebar.widget("lang", horizontal=True, label_visibility="collapsed")
        st.header(_("Settings"))
        sidebar.notices()
        present = available_devices()
        asked = sidebar.values["device"]  # from a link, it may name a device this machine lacks: offer it, marked
        sidebar.widget("device", choices=present + ([asked] if asked not in present else []),
                       format_func=lambda d: d if d in present else _("{device} (not on this machine)").format(
                           device=d))
        in_use = ui.device()
        if in_use is not None:
            st.caption(_("In use: **{device}**").format(device=describe_device(in_use)))
        sidebar.widget("seed")
        live_training.data_dir_field()

    pages = [st.Page(home, title=_("Home"), icon=":material/home:", default=True)]
    pages += [st.Page(lesson.page, title=_(lesson.title), icon=lesson.icon, url_path=lesson.slug) for lesson in LESSONS]
    pages.append(st.Page("glossary.py", title=_("Glossary"), icon=":material/translate:", url_path="glossary"))
    current = st.navigation(pages)

    with st.sidebar:
        runner.pool()  # started with the server's first page, so its workers are ready by the first Train
        runner.sidebar(current.url_path)
        notice = st.container()  # filled after the page has run, so it says whether the page's writes were kept
        link = st.container()  # filled after the page has run, so the link holds its settings
    learner = session.learner()
    learner.page = ""
    if learner.unsaved:
        learner.flush()  # what the store refused before, now that it may answer again
    current.run()
    with notice:
        saving_notice()
    with link:
        controls.share_link()


if __name__ == "__main__":
    main()
else:  # imported by `streamlit run` to find its server
    from browser_key import LearnerKeyMiddleware  # noqa: E402
    from starlette.middleware import Middleware  # noqa: E402

    app = st.App(__file__, middleware=[Middleware(LearnerKeyMiddleware)])
