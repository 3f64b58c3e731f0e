"""End to end in a real headless Chromium: what a learner clicks and what they see."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from registry import LESSONS

pytestmark = pytest.mark.browser


def screenshot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def test_home_to_backprop_lesson_and_back_again(page, tmp_path):
    expect(page.get_by_role("heading", name="Neural networks from the ground up")).to_be_visible()
    expect(page.get_by_text("coming soon").first).to_be_visible()
    screenshot(page, "home", tmp_path)

    page.get_by_role("link", name="Open").first.click()
    expect(page.get_by_role("heading", name="Backprop by hand in NumPy")).to_be_visible()
    expect(page.get_by_text("Gradient check passed")).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, "backprop", tmp_path)

    page.get_by_text("Break the backward pass: forget the ReLU mask").click()
    expect(page.get_by_text("Gradient check failed")).to_be_visible()

    hidden = page.get_by_label("H (hidden units)")
    hidden.fill("40")
    hidden.press("Enter")
    expect(page.get_by_text("1000 × 40").first).to_be_visible()
    expect(page.get_by_text("Gradient check failed")).to_be_visible()  # the toggle survives the rerun
    screenshot(page, "backprop-changed", tmp_path)


def test_diverging_learning_rate_is_a_message_not_a_trace(page):
    page.goto(page.url.rstrip("/") + "/backprop_numpy")
    expect(page.get_by_text("Gradient check passed")).to_be_visible()
    slider = page.get_by_role("slider")
    slider.focus()
    for _ in range(8):  # 1e-6 -> 2e-6 -> 3e-6 -> 5e-6 -> 1e-5 -> 2e-5 -> 3e-5 -> 5e-5 -> 1e-4
        slider.press("ArrowRight")
    expect(page.get_by_text("diverged at iteration").first).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS if lesson.available], ids=lambda lesson: lesson.slug)
def test_every_lesson_page_renders_from_the_sidebar(page, lesson, tmp_path):
    expect(page.get_by_role("heading", name="Neural networks from the ground up")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=lesson.title).click()
    expect(page.get_by_role("heading", name=lesson.title, exact=True)).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=60_000)  # the run has finished
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, lesson.slug, tmp_path)
