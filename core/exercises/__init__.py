"""'Write it yourself' exercises: the learner writes a missing piece, the sandbox runs it, autograd checks it.

The mechanism is here (check.py); each lesson's exercise is in its own package, core/<slug>/exercise.py.
"""

import importlib.util


def of(slug: str) -> tuple[str, ...]:
    """The ids of a lesson's exercises, in the order its page shows them (none if it has no exercise module)."""
    if importlib.util.find_spec(f"core.{slug}.exercise") is None:
        return ()
    from core.exercises.check import exercise  # the checker's imports (torch, the sandbox) only when needed

    return (exercise(slug).id,)
