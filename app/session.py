"""The learner's session: one typed object per browser session that holds everything this learner has done and
has running, and the only module of the app that reads or writes `st.session_state`.

Each change to the learner's work is a method here (`add_run`, `pin_run`, `delete_run`, `import_runs`,
`commit_prediction`, `judge_prediction`, `record_attempt`, `restore_progress`): the store that keeps a learner's
work beyond one tab writes each of them through at this one place. What a page keeps only for the screen (the step
shown, the hints opened, the runner's tickets) is a field here too, so that no module reads another's keys. A
widget's own value stays where Streamlit keeps it, under the widget's key: `widget` and `set_widget` reach it.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from core import runs
from core.curves import Curves

KEY = "learner"  # the session's one key of ours; every other key is a widget's
MAX_SHOWN = 6  # runs on a lesson's comparison chart at once


@dataclass
class Prediction:
    """A learner's answer to one checkpoint, as the question was asked with the settings on screen then."""
    answer: Any  # None: skipped ("just show me")
    asked: str  # the question's English wording and what its truth depends on: a kept answer belongs to it
    truth: str | None = None  # repr of the truth it was last shown against, once known
    correct: bool | None = None  # the verdict, once judged (a skipped or unjudgeable one has none)
    stale: bool = False  # the settings changed since: the learner is asked again


@dataclass
class Attempt:
    """The latest check of a learner's code for one exercise."""
    code: str
    outcome: Any  # core.exercises.check.Outcome: the verdict per tensor and the likely mistake in words
    trained: Any = None  # when it passed: (your curve, the reference's), or why it could not train


@dataclass(eq=False)
class Learner:
    """Everything of one browser session."""
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)  # its name in the pool's line
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # "shared" or a lesson's slug -> values
    notices: dict[str, tuple] = field(default_factory=dict)  # scope -> a link's values that could not be used
    page: str = ""  # the slug of the page on screen ("" for Home)
    histories: dict[str, runs.RunHistory] = field(default_factory=dict)
    shown: dict[str, list[int]] = field(default_factory=dict)  # slug -> the runs on its comparison chart
    last_recorded: dict[str, dict] = field(default_factory=dict)  # slug -> the settings of its last automatic run
    imported: dict[str, tuple] = field(default_factory=dict)  # upload widget -> the file imported from it last
    predictions: dict[str, dict[str, Prediction]] = field(default_factory=dict)  # slug -> checkpoint id -> it
    progress: dict[str, dict[str, bool]] = field(default_factory=dict)  # slug -> item -> done right (False: tried)
    attempts: dict[str, dict[str, Attempt]] = field(default_factory=dict)  # slug -> exercise id -> the latest
    hints: dict[str, int] = field(default_factory=dict)  # exercise -> hints opened
    tickets: dict[str, Any] = field(default_factory=dict)  # the runner's runs in the pool, by task key
    results: dict[str, tuple] = field(default_factory=dict)  # the runner's ended runs: key -> (arguments, result,
    # seconds, message)
    waiting: dict[str, tuple] = field(default_factory=dict)  # the runner's waited work: kind -> (its key, job)
    live: dict[str, Any] = field(default_factory=dict)  # lessons 6 and 7: the latest ended run shown, by prefix
    drift: tuple | None = None  # lesson 7: the drift measured last, (its settings, its curves)
    tutorial_shown: bool = False  # lesson 6: the tutorial's one-epoch run was asked for
    step: int = 0  # lesson 1: the step of the step-through on screen

    # ---- runs ----------------------------------------------------------------------------------------------------

    def history(self, slug: str) -> runs.RunHistory:
        """The runs kept on one lesson."""
        return self.histories.setdefault(slug, runs.RunHistory(slug))

    def add_run(self, slug: str, settings: dict[str, Any], curves: dict[str, Curves], seconds: float, device: str,
                **status) -> runs.Run:
        """Keep a run that ended (finished, stopped, diverged or failed); a new one joins the comparison chart,
        which drops its oldest unpinned run beyond MAX_SHOWN."""
        history = self.history(slug)
        run = history.add(settings, curves, seconds=seconds, device=device, **status)
        if run in history.runs:
            shown = self.shown_runs(slug)
            shown.append(run.number)
            while len(shown) > MAX_SHOWN:
                shown.remove(next((n for n in shown if not history.get(n).pinned), shown[0]))
        return run

    def pin_run(self, slug: str, number: int) -> None:
        """Pin a run (it stays on the chart, never dropped to make room), or unpin a pinned one."""
        run = self.history(slug).get(number)
        if run is not None:
            run.pinned = not run.pinned

    def delete_run(self, slug: str, number: int) -> None:
        self.history(slug).delete(number)

    def import_runs(self, slug: str, found: list[runs.Run]) -> list[runs.Run]:
        """Add runs read from a file, renumbered after this session's; the latest join the chart."""
        added = self.history(slug).import_runs(found)
        shown = self.shown_runs(slug)
        shown.extend(r.number for r in added[-MAX_SHOWN:])
        del shown[:-MAX_SHOWN]
        return added

    def shown_runs(self, slug: str) -> list[int]:
        """The runs on the lesson's comparison chart (those deleted since are left out)."""
        history = self.history(slug)
        shown = self.shown.setdefault(slug, [])
        shown[:] = [n for n in shown if history.get(n) is not None]
        return shown

    def compare(self, slug: str, numbers: list[int]) -> None:
        """Put these runs on the comparison chart."""
        self.shown_runs(slug)[:] = list(numbers)[:MAX_SHOWN]

    def first_time(self, slug: str, settings: dict[str, Any]) -> bool:
        """Whether a lesson without Train should keep a run with `settings`: not kept before, and not the last it
        kept (a run deleted while its settings are on screen stays deleted until they change)."""
        if self.last_recorded.get(slug) == settings or any(r.settings == settings for r in self.history(slug).runs):
            return False
        self.last_recorded[slug] = settings
        return True

    # ---- predictions and exercises ------------------------------------------------------------------------------

    def prediction(self, slug: str, checkpoint: str) -> Prediction | None:
        return self.predictions.get(slug, {}).get(checkpoint)

    def commit_prediction(self, slug: str, checkpoint: str, answer: Any, asked: str) -> Prediction:
        """Keep a prediction (None: the learner skipped to the answer) of the question `asked`."""
        kept = self.predictions.setdefault(slug, {})[checkpoint] = Prediction(answer, asked)
        return kept

    def retract_prediction(self, slug: str, checkpoint: str) -> None:
        """The question or its truth changed since the prediction: it no longer counts, and is asked again."""
        self.predictions.setdefault(slug, {})[checkpoint] = Prediction(None, "", stale=True)

    def judge_prediction(self, slug: str, checkpoint: str, truth: str, correct: bool | None) -> None:
        """Note the truth a prediction was shown against and its verdict; the first verdict goes to the progress
        (`correct` None: skipped, or it could not be judged)."""
        kept = self.predictions[slug][checkpoint]
        kept.truth = truth
        if correct is not None and kept.correct is None:
            kept.correct = correct
            self.mark(slug, f"checkpoint:{checkpoint}", correct)

    def record_attempt(self, slug: str, exercise: str, code: str, outcome: Any, trained: Any = None) -> None:
        """Keep the latest check of the learner's code; a pass marks the exercise done."""
        self.attempts.setdefault(slug, {})[exercise] = Attempt(code, outcome, trained)
        self.mark(slug, f"exercise:{exercise}", outcome.passed)

    def attempt(self, slug: str, exercise: str) -> Attempt | None:
        return self.attempts.get(slug, {}).get(exercise)

    def open_hint(self, exercise: str) -> None:
        self.hints[exercise] = self.hints.get(exercise, 0) + 1

    # ---- progress --------------------------------------------------------------------------------------------------

    def mark(self, slug: str, item: str, correct: bool) -> None:
        """An attempt at `item` ("checkpoint:<id>" or "exercise:<id>"): a success stays a success."""
        items = self.progress.setdefault(slug, {})
        items[item] = items.get(item, False) or correct

    def restore_progress(self, imported: dict[str, dict[str, bool]]) -> None:
        """Add progress read from a file to this session's (a success stays a success, on either side)."""
        for slug, items in imported.items():
            for item, correct in items.items():
                self.mark(slug, item, correct)


def learner() -> Learner:
    """This browser session's learner."""
    return st.session_state.setdefault(KEY, Learner())


def widget(key: str, default: Any = None) -> Any:
    """The value of the widget drawn with `key` (default: not drawn yet in this session)."""
    return st.session_state.get(key, default)


def has_widget(key: str) -> bool:
    return key in st.session_state


def set_widget(key: str, value: Any) -> None:
    """Give the widget drawn with `key` this value (before it is drawn in this script run, or in its callback)."""
    st.session_state[key] = value
