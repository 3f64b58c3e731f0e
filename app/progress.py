"""What this learner has done, per lesson: predictions judged and exercises passed (kept by the session)."""

import session
from core import checkpoints, exercises
from registry import LESSONS


def store() -> dict[str, dict[str, bool]]:
    """Return this session's progress, by lesson slug then item id ("checkpoint:<id>" or "exercise:<id>")."""
    return session.learner().progress


def known() -> dict[str, set[str]]:
    """Every lesson's items: its checkpoints and its exercises, as 'checkpoint:<id>' and 'exercise:<id>'."""
    return {lesson.slug: {f"checkpoint:{c.id}" for c in checkpoints.of(lesson.slug)}
            | {f"exercise:{e}" for e in exercises.of(lesson.slug)} for lesson in LESSONS}


def counts(slug: str) -> tuple[int, int]:
    """(done, total) for a lesson: a checkpoint is done once a prediction was judged, an exercise once it passed."""
    items, everything = store().get(slug, {}), known().get(slug, set())
    done = sum(1 for item in everything if item in items and (item.startswith("checkpoint:") or items[item]))
    return done, len(everything)
