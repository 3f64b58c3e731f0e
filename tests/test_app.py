"""Run the real pages with streamlit.testing and compare what they draw with what core computes."""

import pytest
from streamlit.testing.v1 import AppTest

from core import backprop_numpy as bp
from core.device import available_devices
from helpers import HOME, chart_traces, open_page
from registry import LESSONS


@pytest.fixture
def lesson() -> AppTest:
    return open_page("backprop_numpy")


def test_home_lists_every_lesson_and_links_each():
    at = AppTest.from_file(HOME, default_timeout=60).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for lesson in LESSONS:
        assert lesson.title in text
    assert at.selectbox(key="device").options == available_devices()
    assert any("In use:" in c.value for c in at.caption)


def test_lesson_chart_is_the_core_result(lesson):
    expected = bp.train(seed=0)
    traces = chart_traces(lesson, "bp_loss")
    assert traces[0]["y"] == pytest.approx(expected.losses, rel=1e-12)
    held_out = chart_traces(lesson, "bp_heldout")
    assert held_out[1]["y"] == pytest.approx(expected.val_losses, rel=1e-12)
    assert any("Gradient check passed" in s.value for s in lesson.success)
    assert not lesson.error


def test_hidden_size_control_changes_the_result(lesson):
    before = chart_traces(lesson, "bp_loss")[0]["y"]
    lesson.number_input(key="bp_H").set_value(50).run()
    after = chart_traces(lesson, "bp_loss")[0]["y"]
    assert after != before
    assert after == pytest.approx(bp.train(H=50).losses, rel=1e-12)
    table = lesson.table[0].value
    assert dict(zip(table["array"], table["shape"]))["W1"] == "1000 × 50"


def test_large_learning_rate_reports_divergence(lesson):
    lesson.select_slider(key="bp_lr").set_value(1e-4).run()
    assert not lesson.exception
    k = bp.train(lr=1e-4).diverged_at
    assert [e.value for e in lesson.error if f"diverged at iteration {k}" in e.value]
    assert len(chart_traces(lesson, "bp_loss")[0]["y"]) == k


def test_breaking_the_backward_pass_fails_the_check(lesson):
    lesson.toggle(key="bp_broken").set_value(True).run()
    assert any("Gradient check failed" in e.value for e in lesson.error)
    lesson.toggle(key="bp_broken").set_value(False).run()
    assert any("Gradient check passed" in s.value for s in lesson.success)


def test_sidebar_seed_changes_the_data(lesson):
    lesson.number_input(key="seed").set_value(7).run()
    assert chart_traces(lesson, "bp_loss")[0]["y"] == pytest.approx(bp.train(seed=7).losses, rel=1e-12)


def test_page_shows_the_source_of_the_functions_that_ran(lesson):
    shown = "\n".join(c.value for c in lesson.code)
    assert "def train(" in shown and "def backward(" in shown and "def check_gradients(" in shown
    assert "grad_h[h < 0] = 0" in shown
