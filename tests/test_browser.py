"""End to end in a real headless Chromium: what a learner clicks and what they see."""

import os
from pathlib import Path

import pytest
from fashion_fixtures import real_data_or_skip
from playwright.sync_api import expect

from registry import LESSONS

pytestmark = pytest.mark.browser


def screenshot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def test_home_to_backprop_lesson_and_back_again(page, tmp_path):
    expect(page.get_by_role("heading", name="Neural networks from the ground up")).to_be_visible()
    expect(page.get_by_role("link", name="Open")).to_have_count(len(LESSONS))
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


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_every_lesson_page_renders_from_the_sidebar(page, lesson, tmp_path):
    expect(page.get_by_role("heading", name="Neural networks from the ground up")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=lesson.title).click()
    expect(page.get_by_role("heading", name=lesson.title, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stCode").first).to_be_visible()  # every page shows the code that ran
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=60_000)  # the run has finished
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, lesson.slug, tmp_path)


@pytest.fixture
def mlp_page(page):
    """The MLP page with one epoch set; skipped when the real data set is not installed."""
    real_data_or_skip()
    page.goto(page.url.rstrip("/") + "/mlp")
    epochs = page.get_by_label("epochs")
    epochs.fill("1")
    epochs.press("Enter")
    expect(page.get_by_text("held once on")).to_be_visible()
    return page


def test_mlp_trains_one_epoch_and_shows_the_gallery(mlp_page, tmp_path):
    mlp_page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Train").click()
    expect(mlp_page.get_by_text("Finished.")).to_be_visible(timeout=120_000)
    expect(mlp_page.get_by_text("Confusion matrix")).to_be_visible()
    expect(mlp_page.get_by_test_id("stImage").first).to_be_visible()
    assert mlp_page.get_by_test_id("stImage").count() == 24
    assert mlp_page.locator("[data-testid=stException]").count() == 0
    screenshot(mlp_page, "mlp-trained", tmp_path)


def test_stop_keeps_what_was_learned(mlp_page, tmp_path):
    epochs = mlp_page.get_by_label("epochs")
    epochs.fill("20")
    epochs.press("Enter")
    expect(epochs).to_have_value("20")
    mlp_page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Train").click()
    expect(mlp_page.get_by_text("epoch 2 of 20")).to_be_visible(timeout=120_000)  # one epoch is done
    mlp_page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop").click()
    expect(mlp_page.get_by_text("Stopped early")).to_be_visible(timeout=60_000)
    expect(mlp_page.get_by_text("Confusion matrix")).to_be_visible()
    screenshot(mlp_page, "mlp-stopped", tmp_path)
