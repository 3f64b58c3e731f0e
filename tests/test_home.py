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
