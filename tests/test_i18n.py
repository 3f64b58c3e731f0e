"""Two languages: every interface string has its Chinese translation, the language is chosen as documented, and
numbers and times are written as each language writes them."""

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core import glossary, i18n
from core.settings import SHARED
from helpers import open_page, open_with_data, train
from registry import LESSONS

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locales" / "zh" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def extracted() -> dict[str, tuple[str, int]]:
    """Every string marked _(), N_() or ngettext() in app/ and core/ (a plural by its singular, the catalog's key),
    with where it is."""
    found = {}
    for folder in ("app", "core"):
        method_map = [("**.py", "python")]
        for filename, lineno, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map, keywords={"_": None, "N_": None, "ngettext": (1, 2)}):
            found.setdefault(message[0] if isinstance(message, tuple) else message, (f"{folder}/{filename}", lineno))
    return found


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="zh_Hans_CN")


def test_every_interface_string_has_a_chinese_translation(catalog):
    missing = []
    for message, where in extracted().items():
        entry = catalog.get(message)
        if entry is None or not all(entry.string if isinstance(entry.string, tuple) else [entry.string]) or entry.fuzzy:
            missing.append(f"{where[0]}:{where[1]}: {message!r}")
    assert not missing, (f"{len(missing)} strings lack a translation (run scripts/i18n.sh, then translate them in "
                         f"{PO.relative_to(ROOT)}):\n" + "\n".join(missing[:40]))


def test_translations_keep_their_placeholders_and_are_chinese(catalog):
    wrong = []
    for entry in catalog:
        if not entry.id or not entry.string:
            continue
        original = entry.id if isinstance(entry.id, str) else entry.id[0]
        translated = entry.string if isinstance(entry.string, str) else entry.string[0]
        if sorted(PLACEHOLDER.findall(original)) != sorted(PLACEHOLDER.findall(translated)):
            wrong.append(f"placeholders differ: {original!r} -> {translated!r}")
        if re.search(r"[A-Za-z]{3,}\s+[a-z]{3,}\s+[a-z]{3,}", original) and not CJK.search(translated):
            wrong.append(f"not translated: {original!r} -> {translated!r}")
    assert not wrong, "\n".join(wrong[:40])


def test_a_missing_translation_is_caught(tmp_path, catalog):
    """The check above would fail on a string nobody translated: an untranslated entry is reported."""
    entry = next(e for e in catalog if e.id and e.string)
    assert catalog.get(entry.id).string
    entry.string = ""
    assert not catalog.get(entry.id).string


def test_the_language_comes_from_the_link_then_the_browser():
    assert [i18n.from_locale(x) for x in ("zh-CN", "zh-Hans-TW", "zh", "en-US", "fr", None, "")] == [
        "zh", "zh", "zh", "en", "en", "en", "en"]
    values, notices = SHARED.from_params({"lang": "zh"})
    assert values["lang"] == "zh" and not notices
    values, notices = SHARED.from_params({"lang": "<script>"})
    assert values["lang"] == "en" and notices and "Language" in notices[0]


def test_numbers_dates_and_durations_follow_the_language():
    when = datetime(2026, 11, 25, 14, 5)
    i18n.use("en")
    english = (i18n.number(12345.678, 2), i18n.percent(0.875, 1), i18n.duration(200), i18n.moment(when))
    i18n.use("zh")
    chinese = (i18n.number(12345.678, 2), i18n.percent(0.875, 1), i18n.duration(200), i18n.moment(when))
    i18n.use("en")
    assert english == ("12,345.68", "87.5%", "3 min 20 s", "Nov 25, 2026, 2:05:00\u202fPM")
    assert chinese == ("12,345.68", "87.5%", "3分钟 20秒", "2026年11月25日 14:05")


def test_the_sidebar_switch_and_the_link_choose_the_language():
    at = open_page("", query={"lang": "zh"})
    assert not at.exception, [e.message for e in at.exception]
    assert at.radio(key="lang").value == "zh"
    assert at.title[0].value == i18n.catalog("zh").gettext("Neural networks from the ground up")
    assert CJK.search(at.title[0].value)
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Neural networks from the ground up"
    assert at.query_params["lang"] in ("en", ["en"])  # kept in the link, or a Chinese browser would decide


def test_a_hostile_language_in_the_link_is_refused_with_a_notice():
    at = open_page("", query={"lang": "../../etc/passwd"})
    assert not at.exception
    assert at.radio(key="lang").value == "en"
    assert any("Language" in w.value for w in at.warning)


# ---- no English left on a Chinese page ---------------------------------------------------------------------------

ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[ ,;:]+[A-Za-z][A-Za-z'’-]+){3,}")  # four words in a row
CODE_OR_MATHS = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|https?://\S+|:material/\w+:|"
                           r":\w+\[|\]\([^)]*\)", re.S)


def english_runs(text: str) -> list[str]:
    """Runs of four or more English words in `text`, outside code, maths, links and icon names."""
    return ENGLISH_RUN.findall(CODE_OR_MATHS.sub(" ", text))


def shown_text(at) -> list[str]:
    """Every piece of text a learner reads on the page (code and maths blocks excluded)."""
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "exception", "toast"):
        texts += [e.value for e in at.get(kind) if isinstance(getattr(e, "value", None), str)]
    for kind in ("button", "checkbox", "toggle", "radio", "selectbox", "multiselect", "select_slider", "slider",
                 "number_input", "text_input", "text_area", "metric", "expander", "tab", "download_button"):
        for e in at.get(kind):
            proto = e.proto
            texts += [getattr(proto, field) for field in ("label", "help", "placeholder")
                      if isinstance(getattr(proto, field, None), str)]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        layout = spec.get("layout", {})
        for value in _strings(layout):
            texts.append(value)
        texts += [t.get("name", "") for t in spec.get("data", []) if isinstance(t.get("name"), str)]
    return texts


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for k, v in node.items() if k in ("title", "text", "annotations", "xaxis", "yaxis", "scene",
                                                      "zaxis") or k.startswith(("xaxis", "yaxis"))
                for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_the_english_detector_finds_a_sentence_but_not_code_or_maths():
    assert english_runs("损失在 epoch 3 下降。This run has not finished yet.") == ["This run has not finished yet"]
    assert not english_runs("用 `loss.backward()` 与 $\\frac{\\partial L}{\\partial w}$ 和 `nn.Sequential and nn.M`")
    assert not english_runs("Adam 与 SGD 的比较（学习率 lr = 0.1）")


SLUGS = ["", "glossary.py"] + [lesson.slug for lesson in LESSONS]


def chinese_page(slug: str, data_dir: str):
    """A page opened in Chinese, driven into the states that show most of its text (a finished run on 6 and 7)."""
    if slug in ("softmax_regression", "mlp"):
        at = open_with_data(slug, data_dir, lang="zh")
        prefix = next(lesson.prefix for lesson in LESSONS if lesson.slug == slug)
        at.number_input(key=f"{prefix}_num_epochs").set_value(1).run()
        train(at, prefix)
        return at
    return open_page(slug, lang="zh")


@pytest.mark.parametrize("slug", SLUGS, ids=[s.removesuffix(".py") or "home" for s in SLUGS])
def test_no_english_sentence_remains_on_a_chinese_page(slug, tiny_dir):
    at = chinese_page(slug, tiny_dir)
    assert not at.exception, [e.message for e in at.exception]
    found = [(text[:80], run) for text in shown_text(at) for run in english_runs(text)]
    assert not found, f"{len(found)} English runs on the Chinese page:\n" + "\n".join(map(str, found[:60]))


# ---- the glossary ----------------------------------------------------------------------------------------------

def test_each_lesson_writes_each_of_its_terms_as_the_glossary_does_in_chinese():
    slugs = [lesson.slug for lesson in LESSONS]
    wrong = [(t.english, slug) for t in glossary.TERMS for slug in glossary.lessons_using(t, slugs)
             if not t.chinese_in((ROOT / "lessons" / "zh" / f"{slug}.md").read_text(encoding="utf-8"))]
    assert not wrong, f"the Chinese prose of these lessons does not use the glossary's term: {wrong}"
    assert glossary.lessons_using(glossary.TERMS[0], slugs)  # the check reads real prose
    gradient = next(t for t in glossary.TERMS if t.english == "gradient")
    assert gradient.used_in("Gradients flow back") and not gradient.used_in("a gradual change")


def test_the_glossary_lists_a_lessons_terms_and_refuses_an_unknown_lesson():
    at = open_page("glossary.py", query={"lesson": "torch_optim"}, lang="zh")
    assert not at.exception, [e.message for e in at.exception]
    table = at.table[0].value
    slugs = [lesson.slug for lesson in LESSONS]
    expected = [t.english for t in glossary.TERMS if "torch_optim" in glossary.lessons_using(t, slugs)]
    assert list(table.index) == expected and "动量" in set(table.iloc[:, 0])
    at.text_input(key="glossary_search").set_value("学习率").run()
    assert list(at.table[0].value.index) == ["learning rate"]
    bad = open_page("glossary.py", query={"lesson": "<img src=x onerror=alert(1)>"})
    assert any("no lesson" in w.value for w in bad.warning) and len(bad.table[0].value) == len(glossary.TERMS)


def test_every_lesson_links_to_its_terms_in_the_glossary():
    for lesson in LESSONS[:4]:  # the pages without a data set (the others use the same ui.lesson_intro)
        at = open_page(lesson.slug)
        links = [p.proto for p in at.get("page_link") if p.proto.page == "glossary"]
        assert [link.query_string for link in links] == [f"lesson={lesson.slug}"]
