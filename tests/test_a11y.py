"""Every page, in both languages, in a real headless Chromium: axe-core finds no serious or critical violation; at
a phone's 390×844 nothing is cut off or pushes the page sideways (a screenshot of each is kept in $SCREENSHOT_DIR);
Train is a few key presses away; navigation links and charts have names and text a screen reader can read."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import PLACEHOLDERS, laid_out, screenshot
from registry import LESSONS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [""] + [lesson.slug for lesson in LESSONS] + ["glossary"]
PHONE = {"width": 390, "height": 844}

# elements wider than the screen, other than those that scroll on their own (code, maths, tables, charts' canvases)
SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = e => { for (let p = e; p; p = p.parentElement) {
    const s = getComputedStyle(p); if (['auto', 'scroll', 'hidden'].includes(s.overflowX) && p !== e) return true; }
    return false; };
  return Array.from(document.querySelectorAll('[data-testid=stMain] *'))
    .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > width + 1 && !scrolls(e))
    .map(e => e.tagName + '.' + (e.dataset.testid || e.className || '').toString().slice(0, 40));
}"""


BUSY = """() => document.querySelector('[data-testid=stStatusWidget]') !== null
    || document.querySelector('[data-test-script-state=running], [data-test-script-state=rerunRequested]') !== null
    || document.querySelector('[data-stale=true]') !== null
    || document.querySelector('""" + PLACEHOLDERS + """') !== null
    || !Array.from(document.querySelectorAll('style')).some(s => s.textContent.includes('sr-only'))"""


def open_and_wait(page, url: str) -> None:
    """Open `url` and wait until the app has settled: no run going, nothing drawn faded as stale, no placeholder
    left where a widget's code is still loading (a busy machine showed one in the sidebar and the Train section
    still to come), the page style in; three looks in a row over half a second (a page may rerun once after it
    first appears)."""
    page.goto(url)
    expect(page.locator("[data-testid=stMain] h1").first).to_be_visible(timeout=120_000)
    quiet = 0
    for _tick in range(480):
        quiet = 0 if page.evaluate(BUSY) else quiet + 1
        if quiet == 3:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{url} did not settle within 2 minutes")


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = "axe-core is not installed (scripts/setup.sh --dev runs npm ci in tests/a11y)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("slug", PAGES, ids=[s or "home" for s in PAGES])
def test_no_serious_violation_and_nothing_cut_off_on_a_phone(page, app_url, axe_source, slug, lang):
    open_and_wait(page, f"{app_url}/{slug}?lang={lang}")
    assert page.locator("[data-testid=stException]").count() == 0
    page.add_script_tag(content=axe_source)
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}): ` +
                  v.nodes.slice(0, 3).map(n => n.html.slice(0, 120)).join(' | '))""")
    assert not violations, "\n".join(violations)

    page.set_viewport_size(PHONE)
    laid_out(page)
    assert page.evaluate(SIDEWAYS) == []
    if os.environ.get("SCREENSHOT_DIR"):  # the whole page, as it scrolls: laid out again at its full height
        height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": PHONE["width"], "height": min(height, 16_000)})
        laid_out(page)
        screenshot(page, f"phone-{slug or 'home'}-{lang}", full_page=False)


def test_train_is_a_few_key_presses_away_and_chart_toolbars_are_not_in_the_way(page, app_url):
    open_and_wait(page, f"{app_url}/mlp")
    names = []
    page.keyboard.press("Tab")  # Streamlit's own first stop: "Skip to main content"
    page.keyboard.press("Enter")
    for _press in range(12):
        page.keyboard.press("Tab")
        name = page.evaluate("() => document.activeElement.innerText || document.activeElement.ariaLabel || ''")
        names.append(name.strip()[:30])
        if "Jump to Train" in name:
            page.keyboard.press("Enter")
            # the link's target takes the focus (app/ui.train_anchor), so the next Tab goes on from there; the
            # browser moves it there a frame or more after the key press
            page.wait_for_function("() => document.activeElement.id === 'train'")
        if name.strip().endswith("Train") and page.evaluate("() => document.activeElement.tagName") == "BUTTON":
            break
    assert names[-1].endswith("Train") and len(names) <= 5, names  # Tab, Enter, then 4 Tabs and an Enter
    # and it is in sight, not under Streamlit's header (where the jump left it before the mark had a scroll margin)
    top = page.evaluate("() => document.activeElement.getBoundingClientRect().top")
    assert top >= page.get_by_test_id("stHeader").bounding_box()["height"], top
    assert page.locator(".js-plotly-plot .modebar-btn:visible").count() == 0  # shown only on hover


def test_navigation_links_read_as_titles_and_charts_have_a_text_alternative(page, app_url):
    open_and_wait(page, f"{app_url}/torch_optim")
    nav = page.get_by_test_id("stSidebarNav")
    for lesson in LESSONS:
        expect(nav.get_by_role("link", name=lesson.title, exact=True)).to_have_count(1)
    charts = page.locator(".js-plotly-plot").count()
    notes = page.locator(".sr-only[role=note]")
    assert charts >= 3 and notes.count() >= charts
    assert "points, from" in notes.first.inner_text()


def test_a_chinese_browser_gets_chinese_without_a_link(browser, app_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    try:
        tab.goto(app_url)
        expect(tab.get_by_role("heading", name="从零开始学神经网络")).to_be_visible(timeout=60_000)
        tab.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
        expect(tab.get_by_role("heading", name="Neural networks from the ground up")).to_be_visible()
        assert "lang=en" in tab.url  # kept in the link: reopened in a new session, it stays English
    finally:
        context.close()
