"""The Home page: every lesson listed and linked, the shared sidebar settings."""

from streamlit.testing.v1 import AppTest

from core.device import available_devices
from helpers import HOME
from registry import LESSONS


def test_home_lists_every_lesson_and_links_each():
    at = AppTest.from_file(HOME, default_timeout=60).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for lesson in LESSONS:
        assert lesson.title in text
    assert at.selectbox(key="device").options == available_devices()
    assert any("In use:" in c.value for c in at.caption)


def test_wrong_resume_codes_wait_longer_and_longer_after_three():
    from your_work import FREE_TRIES, MAX_WAIT, wait_before_next_code

    assert FREE_TRIES == 3
    assert [wait_before_next_code([100.0] * n, 100.0) for n in range(4)] == [0.0, 0.0, 0.0, 2.0]
    assert wait_before_next_code([100.0] * 5, 100.0) == 8.0  # doubling
    assert wait_before_next_code([100.0] * 5, 107.0) == 1.0  # counted from the last wrong try
    assert wait_before_next_code([100.0] * 5, 109.0) == 0.0
    assert wait_before_next_code([100.0] * 40, 100.0) == MAX_WAIT  # never more than that


def test_home_says_the_work_stays_in_the_tab_when_the_browser_sends_no_learner_key():
    """AppTest sends no cookies, as a browser that refuses them: nothing is written, and Home says so."""
    at = AppTest.from_file(HOME, default_timeout=60).run()
    assert not at.exception
    assert any("kept in this tab only" in i.value and "cookies" in i.value for i in at.info)
