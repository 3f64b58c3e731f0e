"""End to end in a real headless Chromium: what a learner clicks and what they see."""

import re

import pytest
from playwright.sync_api import expect

from core.exercises.check import exercise
from fashion_fixtures import real_data_or_skip
from helpers import PLACEHOLDERS, laid_out, screenshot
from registry import LESSONS

pytestmark = pytest.mark.browser


RUNNING = re.compile(r"^(running|rerunRequested)$")  # the app's data-test-script-state while a run is under way
# text that the browser shortens with an ellipsis ("3.79e…"), on visible elements other than inputs
CUT_OFF = ("() => Array.from(document.querySelectorAll('[data-testid=stMain] *')).filter(e => e.tagName !== 'INPUT'"
           " && getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1"
           " && e.offsetParent !== null).map(e => e.textContent)")


@pytest.mark.usefixtures("home")
def test_home_to_backprop_lesson_and_back_again(page):
    expect(page.get_by_role("heading", name="Neural networks from the ground up")).to_be_visible()
    expect(page.get_by_role("link", name="Open")).to_have_count(len(LESSONS))
    screenshot(page, "home")

    page.get_by_role("link", name="Open").first.click()
    expect(page.get_by_role("heading", name="Backprop by hand in NumPy")).to_be_visible()
    # the first open of the lesson in a test run computes its default results (a loaded machine took over 30 s)
    expect(page.get_by_text("Gradient check passed")).to_be_visible(timeout=120_000)
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, "backprop")

    question = page.get_by_test_id("stForm").filter(has=page.get_by_text("only grad_W1"))  # predict, then run
    question.get_by_text("only grad_W1").click()
    question.get_by_role("button", name="Commit my prediction").click()
    expect(page.get_by_text("Right.").first).to_be_visible()
    page.get_by_text("Break the backward pass: forget the ReLU mask").click()
    expect(page.get_by_text("Gradient check failed")).to_be_visible()  # the verdict opens once predicted

    hidden = page.get_by_label("H (hidden units)")
    hidden.fill("40")
    hidden.press("Enter")
    expect(page.get_by_text("1000 × 40").first).to_be_visible()
    expect(page.get_by_text("Gradient check failed")).to_be_visible()  # the toggle survives the rerun
    screenshot(page, "backprop-changed")


def test_diverging_learning_rate_is_a_message_not_a_trace(page, app_url):
    page.goto(app_url + "/backprop_numpy")
    expect(page.get_by_text("Gradient check passed")).to_be_visible(timeout=120_000)  # may compute the defaults
    slider = page.get_by_role("slider", name="learning rate")
    slider.focus()
    slider.press("End")  # the slider's far end, 5: one rerun (a step at a time to 1e-4 was eight, each training)
    expect(slider).to_have_attribute("aria-valuetext", "5e+00")
    expect(page.get_by_text("diverged at iteration").first).to_be_visible()
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.all_inner_texts()


@pytest.fixture
def mlp_page(page, app_url):
    """The MLP page with one epoch of 64 hidden units set (the flow of a run is the same at 512, an eighth of the
    arithmetic); skipped when the real data set is not installed."""
    real_data_or_skip()
    page.goto(app_url + "/mlp?num_hiddens=64")
    epochs = page.get_by_label("epochs")
    epochs.fill("1")  # as soon as it shows: the page's first run has not drawn every control yet
    epochs.press("Enter")
    expect(page.get_by_text("held once on")).to_be_visible()
    settled(page)  # Train is pressed once the page has finished its rerun, as a learner would see it
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="versions")).to_contain_text("scratch")
    expect(page.get_by_role("slider", name="hidden units")).to_have_attribute("aria-valuetext", "64")  # not 16
    return page


def test_mlp_trains_one_epoch_and_shows_the_gallery(mlp_page):
    mlp_page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Train").click()
    expect(mlp_page.get_by_text("Finished.")).to_be_visible(timeout=120_000)
    expect(mlp_page.get_by_text("Confusion matrix")).to_be_visible()
    expect(mlp_page.get_by_test_id("stImage").first).to_be_visible()
    expect(mlp_page.get_by_test_id("stImage")).to_have_count(24)
    assert mlp_page.locator("[data-testid=stException]").count() == 0
    assert mlp_page.evaluate(CUT_OFF) == []
    screenshot(mlp_page, "mlp-trained")
    mlp_page.set_viewport_size({"width": 390, "height": 844})  # a phone: the gallery wraps, 3 or more a row
    laid_out(mlp_page)
    tops = mlp_page.evaluate("() => Array.from(document.querySelectorAll('[data-testid=stImage]'))"
                             ".map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tops) == 24 and len(set(tops)) <= 8, sorted(set(tops))


def test_stop_keeps_what_was_learned(mlp_page):
    epochs = mlp_page.get_by_label("epochs")
    epochs.fill("20")
    epochs.press("Enter")
    expect(epochs).to_have_value("20")
    mlp_page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Train").click()
    # one epoch is done (a short epoch may pass between two looks of the progress line: any later one will do)
    expect(mlp_page.get_by_text(re.compile(r"epoch ([2-9]|1[0-9]) of 20"))).to_be_visible(timeout=120_000)
    mlp_page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop").click()
    expect(mlp_page.get_by_text("Stopped early")).to_be_visible(timeout=60_000)
    expect(mlp_page.get_by_text("Confusion matrix")).to_be_visible()
    screenshot(mlp_page, "mlp-stopped")


# one number control per lesson: (its label, its query parameter, a value other than the default)
CONTROL = {"backprop_numpy": ("H (hidden units)", "H", "40"), "tensors_autograd": ("iterations", "num_iters", "200"),
           "torch_nn": ("iterations", "num_iters", "100"), "torch_optim": ("iterations", "num_iters", "100"),
           "linear_regression": ("epochs", "num_epochs", "2"), "softmax_regression": ("epochs", "num_epochs", "2"),
           "mlp": ("epochs", "num_epochs", "3")}
# the link each settings test opens first: a short run (the default-sized run at seed 3 is computed nowhere else and
# was most of the test's time), and a second setting that must survive too
START = {"backprop_numpy": "num_iters=100", "tensors_autograd": "num_iters=100", "torch_nn": "num_iters=50",
         "torch_optim": "num_iters=50", "linear_regression": "num_epochs=1", "softmax_regression": "num_epochs=1",
         "mlp": "num_epochs=2"}


def settled(page) -> None:
    """Wait until the page has finished running (its training included) and nothing stale is left on it."""
    app = page.get_by_test_id("stApp")
    try:  # a rerun just asked for (a key press) may not have begun yet: give it half a second to show
        expect(app).to_have_attribute("data-test-script-state", RUNNING, timeout=500)
    except AssertionError:
        pass  # it has ended already, or none was asked for
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=120_000)
    # the status widget shows only after a delay: the script state and the stale marks say it for certain
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=120_000)
    expect(page.locator("[data-stale=true]")).to_have_count(0, timeout=30_000)
    expect(page.locator(PLACEHOLDERS)).to_have_count(0, timeout=30_000)  # nothing still loading its code
    expect(page.get_by_test_id("stCode").first).to_be_visible()


CHARTS = ("() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(c => c.data).map(c => ["
          "(c.layout.title && c.layout.title.text) || '', c.data.map(t => Array.from(t.y || []).flat()"
          ".map(v => typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))])")  # NaN equals itself


def first_chart(page, title: str | None = None) -> tuple[str, list] | None:
    """The title and y values of the page's first drawn chart (or of the first one with `title`); None if it has
    none (a page whose only figures are images)."""
    looks = []
    for _ in range(150):  # plotly draws after Streamlit has delivered the figures: wait until three looks agree
        charts = [(t, ys) for t, ys in page.evaluate(CHARTS) if any(ys)]
        looks = [*looks[-2:], charts]
        found = [chart for chart in charts if title is None or chart[0] == title]
        if len(looks) == 3 and looks[0] == looks[1] == looks[2] and (found or title is None):
            return found[0] if found else None
        page.wait_for_timeout(150)
    raise AssertionError(f"no chart {title or ''} stopped changing within 22 s")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_settings_live_in_the_link_and_survive_leaving_the_page(page, stranger, app_url, lesson):
    if lesson.slug in ("softmax_regression", "mlp"):
        real_data_or_skip()
    label, param, value = CONTROL[lesson.slug]
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(f"{app_url}/{lesson.slug}?seed=3&{START[lesson.slug]}")
    settled(page)
    start_param, start_value = START[lesson.slug].split("=")
    expect(page.get_by_label(lesson.settings()[start_param].label, exact=True)).to_have_value(start_value)
    control = page.get_by_label(label, exact=True)
    control.fill(value)
    control.press("Enter")
    expect(page).to_have_url(re.compile(rf"[?&]{param}={value}\b"))  # the control changed the link
    settled(page)
    link, chart = page.url, first_chart(page)
    shown = page.get_by_test_id("stSidebar").get_by_test_id("stCode")  # the link to copy, beside the address bar
    expect(shown).to_contain_text(f"/{lesson.slug}?")
    expect(shown).to_contain_text(f"{param}={value}")

    other = stranger.new_page()  # another browser: the link alone must bring the settings
    other.goto(link)
    settled(other)
    expect(other.get_by_label(label, exact=True)).to_have_value(value)
    assert chart is None or first_chart(other, chart[0]) == chart
    other.close()

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Neural networks from the ground up")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=lesson.title).click()  # back, from the sidebar
    expect(page.get_by_role("heading", name=lesson.title, exact=True)).to_be_visible()
    settled(page)  # the run has finished (the optimizer race takes a few seconds, a minute on a loaded machine)
    expect(page.get_by_label(label, exact=True)).to_have_value(value)  # nothing reset
    expect(page).to_have_url(re.compile(rf"[?&]{param}={value}\b"))
    expect(page).to_have_url(re.compile(r"[?&]seed=3\b"))
    if start_param != param:
        expect(page).to_have_url(re.compile(rf"[?&]{start_param}={start_value}\b"))
    assert chart is None or first_chart(page, chart[0]) == chart
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.evaluate(CUT_OFF) == []  # no label or value is cut off
    screenshot(page, lesson.slug)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_hostile_query_parameters_render_the_page_with_a_notice(page, app_url, lesson):
    if lesson.slug in ("softmax_regression", "mlp"):
        real_data_or_skip()
    _, param, _ = CONTROL[lesson.slug]
    # below the smallest allowed, not above the largest: the page then trains its smallest run, not its longest
    # (the clamp above the largest is checked with AppTest in test_settings and test_runs)
    page.goto(f"{app_url}/{lesson.slug}?{param}=-99999999&nonsense=1&seed=abc&{param}x={'9' * 10_000}")
    settled(page)
    main, sidebar = page.get_by_test_id("stMainBlockContainer"), page.get_by_test_id("stSidebarUserContent")
    expect(main.get_by_text("could not be used as they were")).to_be_visible()
    expect(main.get_by_text("is below the smallest allowed").first).to_be_visible()
    expect(sidebar.get_by_text("is not a whole number")).to_be_visible()  # the sidebar's seed says so there
    assert page.locator("[data-testid=stException]").count() == 0


def test_a_link_to_an_absent_device_says_so_and_lets_the_learner_pick_another(page, app_url):
    page.goto(f"{app_url}/torch_nn?device=cuda:7")
    expect(page.get_by_text("Device not available").first).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator(".js-plotly-plot").count() == 0  # nothing trained on a device it was not asked for
    device = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Device")
    expect(device).to_have_value("cuda:7 (not on this machine)")
    device.click()
    page.get_by_role("option", name="cpu", exact=True).click()
    settled(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible()


def test_write_it_yourself_solves_the_backward_pass_and_draws_the_curve(page, app_url):
    page.goto(app_url + "/backprop_numpy")
    expect(page.get_by_role("heading", name="Write it yourself")).to_be_visible(timeout=60_000)
    editor = page.get_by_label("Your code")
    editor.fill(exercise("backprop_numpy").reference_source())
    editor.press("Control+Enter")  # commit the text area before the click
    page.get_by_role("button", name="Run and check").click()
    expect(page.get_by_text("Every tensor matches autograd.")).to_be_visible(timeout=60_000)
    curve = page.locator(".js-plotly-plot").filter(has_text="Training with your code and with the reference")
    expect(curve).to_be_visible(timeout=60_000)
    expect(curve.locator(".legendtext", has_text="your code")).to_have_count(1)
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, "write-it-yourself")
