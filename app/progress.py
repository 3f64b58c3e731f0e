"""What this learner has done, per lesson: predictions committed and exercises passed, kept in the session."""

import streamlit as st

from core.checkpoints import CHECKPOINTS
from core.exercises import EXERCISES

KEY = "progress"  # st.session_state[KEY][slug][item] = True once done right (False: tried, not yet right)


def store() -> dict[str, dict[str, bool]]:
    """Return this session's progress, by lesson slug then item id."""
    return st.session_state.setdefault(KEY, {})


def record(slug: str, item: str, correct: bool) -> None:
    """Remember an attempt at `item` ("checkpoint:<id>" or "exercise:<id>") of a lesson; a success stays a success."""
    items = store().setdefault(slug, {})
    items[item] = items.get(item, False) or correct


def known() -> dict[str, set[str]]:
    """Every lesson's items: its checkpoints and its exercises, as 'checkpoint:<id>' and 'exercise:<id>'."""
    return {slug: {f"checkpoint:{c.id}" for c in CHECKPOINTS.get(slug, ())}
            | {f"exercise:{e}" for e in EXERCISES.get(slug, ())} for slug in {*CHECKPOINTS, *EXERCISES}}


def counts(slug: str) -> tuple[int, int]:
    """(done, total) for a lesson: a checkpoint is done once a prediction was judged, an exercise once it passed."""
    items, everything = store().get(slug, {}), known().get(slug, set())
    done = sum(1 for item in everything if item in items and (item.startswith("checkpoint:") or items[item]))
    return done, len(everything)


def restore(imported: dict[str, dict[str, bool]]) -> None:
    """Add imported progress to this session's (a success stays a success, on either side)."""
    for slug, items in imported.items():
        for item, correct in items.items():
            record(slug, item, correct)
