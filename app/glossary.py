"""The glossary page: every term English ↔ 中文, what it means, and the lessons that use it (each lesson links here)."""

import pandas as pd
import streamlit as st

from core import glossary
from core.i18n import _
from registry import LESSONS

st.title(_("Glossary"))
st.markdown(_("The terms these lessons use, in English and in Chinese as the Chinese edition of *Dive into Deep "
              "Learning* and the original tutorials write them."))

titles = {lesson.slug: _(lesson.title) for lesson in LESSONS}
uses = {t.english: glossary.lessons_using(t, list(titles)) for t in glossary.TERMS}
asked = st.query_params.get("lesson")
if asked is not None and asked not in titles:
    st.warning(_("The link names no lesson of this course: all terms are shown."), icon=":material/link_off:")
    asked = None
left, right = st.columns([2, 1])
lesson = right.selectbox(_("Terms of one lesson"), [None, *titles], index=[None, *titles].index(asked),
                         format_func=lambda s: _("All lessons") if s is None else titles[s], key="glossary_lesson")
query = left.text_input(_("Search a term, in either language"), max_chars=60, key="glossary_search")

rows = [t for t in glossary.TERMS if (lesson is None or lesson in uses[t.english])
        and (not query or query.strip().lower() in f"{t.english} {t.chinese}".lower())]
if not rows:
    st.info(_("No term matches this search."))
else:
    st.table(pd.DataFrame({
        _("English"): [t.english for t in rows],
        _("Chinese"): [t.chinese for t in rows],
        _("Meaning"): [_(t.meaning) for t in rows],
        _("Lessons"): [", ".join(str(list(titles).index(s) + 1) for s in uses[t.english]) or "–" for t in rows],
    }).set_index(_("English")))
    st.caption(_("Lessons are numbered as on the home page: 1 is {first}, 7 is {last}.").format(
        first=titles[LESSONS[0].slug], last=titles[LESSONS[-1].slug]))
