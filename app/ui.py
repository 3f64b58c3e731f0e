"""Small helpers shared by the pages: shared settings, lesson prose, and showing the code that ran."""

import inspect
import re
from collections.abc import Callable
from pathlib import Path

import streamlit as st
import torch

from core.device import DeviceUnavailableError, resolve_device

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
DEFAULT_SEED = 0


def seed() -> int:
    """Return the seed chosen in the sidebar."""
    return int(st.session_state.get("seed", DEFAULT_SEED))


def device() -> torch.device | None:
    """Return the device chosen in the sidebar, or show why it is absent and return None."""
    try:
        return resolve_device(st.session_state.get("device", "auto"))
    except DeviceUnavailableError as err:
        st.error(f"Device not available: {err}")
        return None


def prose(slug: str) -> dict[str, str]:
    """Return the sections of lessons/<slug>.md keyed by their '## ' heading ('' for the text before the first)."""
    parts = re.split(r"^## (.+)$", (LESSONS_DIR / f"{slug}.md").read_text(encoding="utf-8"), flags=re.M)
    sections = {"": parts[0].strip()}
    sections.update({title.strip(): body.strip() for title, body in zip(parts[1::2], parts[2::2])})
    return sections


def show_source(*functions: Callable, height: int = 480) -> None:
    """Show the exact source of the functions that produced the result beside it, one tab per function."""
    st.caption(f"The code that ran, from `{functions[0].__module__}`:")
    for tab, f in zip(st.tabs([f"{f.__name__}()" for f in functions]), functions):
        tab.code(inspect.getsource(f), language="python", height=height, wrap_lines=True)
