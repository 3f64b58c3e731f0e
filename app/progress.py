"""What this learner has done, per lesson: predictions judged and exercises passed (kept by the session)."""

import functools

import session
from core import checkpoints, exercises
from registry import LESSONS


def store() -> dict[str, dict[str, bool]]:
    """Return this session's progress, by lesson slug then item id ("checkpoint:<id>" or "exercise:<id>")."""
    return session.learner().progress


@functools.cache  # the lessons' declarations do not change while the server runs (54 ms for Home's 7 counts)
def known() -> dict[str, frozenset[str]]:
    """Every lesson's items: its checkpoints and its exercises, as 'checkpoint:<id>' and 'exercise:<id>'."""
    return {lesson.slug: frozenset({f"checkpoint:{c.id}" for c in checkpoints.of(lesson.slug)}
                                   | {f"exercise:{e}" for e in exercises.of(lesson.slug)}) for lesson in LESSONS}


def counts(slug: str) -> tuple[int, int]:
    """(done, total) for a lesson: a checkpoint is done once a prediction was judged, an exercise once it passed."""
    items, everything = store().get(slug, {}), known().get(slug, frozenset())
    done = sum(1 for item in everything if item in items and (item.startswith("checkpoint:") or items[item]))
    return done, len(everything)
