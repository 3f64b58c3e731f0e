"""English and Simplified Chinese: gettext catalogs for interface strings, and the language of the current run.

Interface strings are written in English and marked `_("...")` where they are shown, or `N_("...")` where they are
declared (a settings table, a checkpoint) and translated when shown. Babel extracts them into
locales/messages.pot and keeps locales/zh/LC_MESSAGES/messages.po up to date (scripts/i18n.sh); a test fails when
one lacks a translation. The language is a context variable: each script run (and each pool job) sets its own, so
learners reading different languages on one server never see each other's.
"""

import contextvars
import functools
import gettext
import io
import math
from datetime import datetime
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = {"en": "English", "zh": "中文"}  # code -> its own name, as the switch shows it
BABEL_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}
_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="en")


def use(language: str) -> None:
    """Make `language` the language of this thread's run (an unknown one means English)."""
    _current.set(language if language in LANGUAGES else "en")


def current() -> str:
    return _current.get()


def from_locale(locale: str | None) -> str:
    """The language for a browser's preferred locale ('zh-CN', 'zh-Hans-TW' -> 'zh'; anything else 'en')."""
    return "zh" if (locale or "").lower().replace("_", "-").split("-")[0] == "zh" else "en"


@functools.cache
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of `language`; compiled here from its .po file when the .mo is missing or older."""
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    with po.open("rb") as f:
        messages = read_po(f, locale=BABEL_LOCALES[language])
    buffer = io.BytesIO()
    write_mo(buffer, messages)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """`message` in the current language."""
    return catalog(current()).gettext(message) if current() != "en" else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language."""
    return catalog(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for translation where it is declared; `_` translates it where it is shown."""
    return message


# ---- numbers, dates and units ----------------------------------------------------------------------------------

def number(value: float, digits: int | None = None) -> str:
    """A number with the language's grouping and decimal marks; `digits` after the point if given."""
    if isinstance(value, float) and (not math.isfinite(value) or abs(value) >= 1e15):
        return format(value, ".4g")  # grouping digits would spell out a huge number
    pattern = "#,##0" + ("." + "0" * digits if digits else "") if digits is not None else None
    return format_decimal(value, format=pattern, locale=BABEL_LOCALES[current()])


def percent(fraction: float, digits: int = 0) -> str:
    """'87%' / '87.5%' in the language's style."""
    return format_percent(fraction, format="#,##0" + ("." + "0" * digits if digits else "") + "%",
                          locale=BABEL_LOCALES[current()])


def moment(when: datetime) -> str:
    """A date and time as the language writes it: 'Nov 25, 2026, 1:11 AM' / '2026年11月25日 01:11'."""
    return format_datetime(when, "medium" if current() == "en" else "yyyy年M月d日 HH:mm",
                           locale=BABEL_LOCALES[current()])


def duration(seconds: float) -> str:
    """'40 s', '3 min 20 s', '1 h 5 min' (秒, 分钟, 小时 in Chinese)."""
    s, m, h = (("秒", "分钟", "小时") if current() == "zh" else (" s", " min", " h"))
    seconds = round(seconds)
    if seconds < 60:
        return f"{max(seconds, 1)}{s}"
    if seconds < 3600:
        return f"{seconds // 60}{m}" + (f" {seconds % 60}{s}" if seconds < 600 and seconds % 60 else "")
    return f"{seconds // 3600}{h} {seconds % 3600 // 60}{m}"

