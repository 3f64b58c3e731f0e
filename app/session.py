"""The learner's session: one typed object per browser session that holds everything this learner has done and
has running, and the only module of the app that reads or writes `st.session_state`.

Each change to the learner's work is a method here (`add_run`, `pin_run`, `delete_run`, `import_runs`,
`commit_prediction`, `judge_prediction`, `record_attempt`, `restore_progress`): the store that keeps a learner's
work beyond one tab writes each of them through at this one place. What a page keeps only for the screen (the step
shown, the hints opened, the runner's tickets) is a field here too, so that no module reads another's keys. A
widget's own value stays where Streamlit keeps it, under the widget's key: `widget` and `set_widget` reach it.

The learner's work is kept in the store (core.store): a session finds its learner from the browser's key
(browser_key) when it starts, loads what the store has, and writes each change through. A write the store refuses
(the database is down, full or read-only) waits in `unsaved`, in order, and is written when the store answers
again; until then every page says that the work is not being saved, and why. A session without a key (a browser
that refuses cookies, or AppTest) keeps its work in the tab only, and Home says so.
"""

import functools
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import browser_key
import streamlit as st

from core import runs, store
from core.curves import Curves
from core.exercises.check import Outcome, TensorCheck

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
    id: str | None = None  # the store's learner; None: this session's work is kept in this tab only
    key: str | None = None  # the browser's learner key (never shown, never logged)
    subject: str | None = None  # signed in: "<issuer> <subject>" of the account (its work is the learner's)
    key_replaced: bool = False  # the browser sent a key this deployment did not sign: it was given a new one
    unsaved: list[tuple[str, tuple]] = field(default_factory=list)  # writes the store refused, oldest first
    not_saved: str = ""  # why the store refused the latest write ("" while everything is written)
    wrong_codes: list[float] = field(default_factory=list)  # when wrong resume codes were typed
    news: str = ""  # what Home says once, on the run after a change of learner (resumed, forgotten)

    # ---- the store -----------------------------------------------------------------------------------------------

    def attach(self, learner: str, kept: store.Kept) -> None:
        """Become the store's `learner`, with what the store keeps of them."""
        self.id = learner
        self.histories, self.shown, self.predictions, self.attempts = {}, {}, {}, {}
        self.progress = {slug: dict(items) for slug, items in kept.progress.items()}
        for slug, found in kept.runs.items():
            history = self.history(slug)
            history.runs = list(found)
            history.next_number = max(r.number for r in found) + 1
            pinned = [r.number for r in found if r.pinned]
            self.shown[slug] = (pinned + [r.number for r in found if not r.pinned][::-1])[:MAX_SHOWN]
        for slug, rows in kept.predictions.items():
            self.predictions[slug] = {checkpoint: Prediction(row["answer"], row["asked"], row["truth"],
                                                             row["correct"], row["stale"])
                                      for checkpoint, row in rows.items()}
        for slug, rows in kept.attempts.items():
            self.attempts[slug] = {exercise: _attempt(row) for exercise, row in rows.items()}

    def _write(self, method: str, *args) -> bool:
        """Write a change through to the store (in order after any that wait); False when it could not be."""
        if self.id is None:
            return False
        self.unsaved.append((method, args))
        return self.flush()

    def flush(self) -> bool:
        """Write what waits; True once nothing does."""
        kept = store.shared()
        while self.unsaved:
            method, args = self.unsaved[0]
            try:
                getattr(kept, method)(self.id, *args)
            except store.Unavailable as err:
                self.not_saved = str(err)
                return False
            self.unsaved.pop(0)
        self.not_saved = ""
        return True

    # ---- runs ----------------------------------------------------------------------------------------------------

    def history(self, slug: str) -> runs.RunHistory:
        """The runs kept on one lesson."""
        return self.histories.setdefault(slug, runs.RunHistory(slug))

    def add_run(self, slug: str, settings: dict[str, Any], curves: dict[str, Curves], seconds: float, device: str,
                origin: str | None = None, **status) -> runs.Run:
        """Keep a run that ended (finished, stopped, diverged or failed); a new one joins the comparison chart,
        which drops its oldest unpinned run beyond MAX_SHOWN."""
        history = self.history(slug)
        before = {r.number for r in history.runs}
        run = history.add(settings, curves, seconds=seconds, device=device, **status)
        self._write("save_run", run, origin)  # the store may number it after runs another tab of this learner
        # kept, or as the server kept it already (a Train press's `origin`)
        history.next_number = max(history.next_number, run.number + 1)
        for dropped in before - {r.number for r in history.runs}:  # beyond MAX_RUNS unpinned
            self._write("delete_run", slug, dropped)
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
            self._write("pin_run", slug, number, run.pinned)

    def delete_run(self, slug: str, number: int) -> None:
        self.history(slug).delete(number)
        self._write("delete_run", slug, number)

    def import_runs(self, slug: str, found: list[runs.Run]) -> list[runs.Run]:
        """Add runs read from a file, renumbered after this session's; the latest join the chart."""
        history = self.history(slug)
        added = history.import_runs(found)
        for run in added:
            self._write("save_run", run)
            history.next_number = max(history.next_number, run.number + 1)
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

    def lesson_record(self, slug: str) -> dict[str, list[dict]]:
        """Every prediction and exercise attempt of this learner on a lesson, for an export: all the store has,
        or (kept in this tab only, or the store down) the latest of each this session holds."""
        if self.id is not None:
            try:
                return store.shared().lesson_record(self.id, slug)
            except store.Unavailable:
                pass
        return {"predictions": [{"checkpoint": c, "answer": p.answer, "asked": p.asked, "truth": p.truth,
                                 "correct": p.correct, "stale": p.stale}
                                for c, p in self.predictions.get(slug, {}).items()],
                "attempts": [{"exercise": e, "code": a.code, "passed": a.outcome.passed, "message": a.outcome.message,
                              "checks": [asdict(c) for c in a.outcome.checks]}
                             for e, a in self.attempts.get(slug, {}).items()]}

    # ---- predictions and exercises ------------------------------------------------------------------------------

    def prediction(self, slug: str, checkpoint: str) -> Prediction | None:
        return self.predictions.get(slug, {}).get(checkpoint)

    def commit_prediction(self, slug: str, checkpoint: str, answer: Any, asked: str) -> Prediction:
        """Keep a prediction (None: the learner skipped to the answer) of the question `asked`."""
        kept = self.predictions.setdefault(slug, {})[checkpoint] = Prediction(answer, asked)
        self._write("add_prediction", slug, checkpoint, answer, asked)
        return kept

    def retract_prediction(self, slug: str, checkpoint: str) -> None:
        """The question or its truth changed since the prediction: it no longer counts, and is asked again."""
        self.predictions.setdefault(slug, {})[checkpoint] = Prediction(None, "", stale=True)
        self._write("add_prediction", slug, checkpoint, None, "", True)

    def judge_prediction(self, slug: str, checkpoint: str, truth: str, correct: bool | None) -> None:
        """Note the truth a prediction was shown against and its verdict; the first verdict goes to the progress
        (`correct` None: skipped, or it could not be judged)."""
        kept = self.predictions[slug][checkpoint]
        if kept.truth == truth and (correct is None or kept.correct is not None):
            return  # judged so before: a page drawn again writes nothing
        kept.truth = truth
        self._write("judge_prediction", slug, checkpoint, truth, correct)
        if correct is not None and kept.correct is None:
            kept.correct = correct
            self.mark(slug, f"checkpoint:{checkpoint}", correct)

    def record_attempt(self, slug: str, exercise: str, code: str, outcome: Any, trained: Any = None) -> None:
        """Keep the latest check of the learner's code; a pass marks the exercise done."""
        self.attempts.setdefault(slug, {})[exercise] = Attempt(code, outcome, trained)
        self._write("add_attempt", slug, exercise, code, outcome, trained)
        self.mark(slug, f"exercise:{exercise}", outcome.passed)

    def attempt(self, slug: str, exercise: str) -> Attempt | None:
        return self.attempts.get(slug, {}).get(exercise)

    def open_hint(self, exercise: str) -> None:
        self.hints[exercise] = self.hints.get(exercise, 0) + 1

    # ---- progress --------------------------------------------------------------------------------------------------

    def mark(self, slug: str, item: str, correct: bool) -> None:
        """An attempt at `item` ("checkpoint:<id>" or "exercise:<id>"): a success stays a success."""
        items = self.progress.setdefault(slug, {})
        if item in items and (items[item] or not correct):
            return  # nothing changes
        items[item] = items.get(item, False) or correct
        self._write("mark", slug, item, correct)

    def restore_progress(self, imported: dict[str, dict[str, bool]]) -> None:
        """Add progress read from a file to this session's (a success stays a success, on either side)."""
        for slug, items in imported.items():
            for item, correct in items.items():
                self.mark(slug, item, correct)


def _attempt(row: dict) -> Attempt:
    """An exercise attempt as the store keeps it."""
    outcome = Outcome(row["passed"], row["message"], [TensorCheck(**c) for c in row["checks"]], row["printed"])
    trained = row["trained"]
    if isinstance(trained, list):
        trained = tuple(store.curves_from_dict(c) for c in trained)
    return Attempt(row["code"], outcome, trained)


def learner() -> Learner:
    """This browser session's learner: the signed-in account's, else the one the browser's key names, with the
    work the store keeps for them (or, when the store cannot be read, none yet, and a notice). Found on the
    session's first call, and again when the learner signs in or out."""
    found = st.session_state.get(KEY)
    subject = signed_in()
    if found is None or found.subject != subject:
        key, replaced = browser_key.key(st.context.cookies.to_dict())
        found = st.session_state[KEY] = Learner(key=key, key_replaced=replaced, subject=subject)
        if subject is not None or key is not None:
            _attach(found)
    return found


def _attach(found: Learner) -> None:
    try:
        kept = store.shared()
        if found.subject is not None:  # what this browser did before signing in joins the account
            learner_id = kept.learner_for_subject(found.subject, found.key)
        else:
            learner_id = kept.learner_for_key(found.key)
        found.attach(learner_id, kept.load(learner_id))
    except store.Unavailable as err:
        found.not_saved = str(err)


@functools.cache  # read once per server process: every call of learner() asks, and without a secrets file
# Streamlit looks for one on every read
def sign_in_providers() -> list[str] | None:
    """The sign-in providers the server's secrets configure (`[auth.<name>]`; [""]: one, in `[auth]` itself),
    or None when sign-in is not configured."""
    try:
        auth = st.secrets.get("auth")
    except Exception:  # no secrets file, or one that does not parse: no sign-in  # noqa: BLE001
        return None
    if not auth:
        return None
    named = [name for name, value in auth.items() if hasattr(value, "items")]
    return named or [""]


def signed_in() -> str | None:
    """The signed-in account as "<issuer> <subject>" (never the e-mail, which can change hands), or None."""
    if sign_in_providers() is None or not st.user.is_logged_in:
        return None
    issuer, subject = st.user.get("iss"), st.user.get("sub")
    return f"{issuer} {subject}" if issuer and subject else None


def account_name() -> str:
    """What the signed-in account calls itself (to show literally)."""
    return str(st.user.get("name") or st.user.get("email") or st.user.get("sub") or "")


def new_resume_code() -> str | None:
    """A new resume code for this learner (None, with a notice, when the store is unavailable)."""
    found = learner()
    try:
        return store.shared().new_resume_code(found.id)
    except store.Unavailable as err:
        found.not_saved = str(err)
        return None


def resume(typed: str) -> bool:
    """Make this browser the learner a typed resume code names, their work joined by this browser's; False when
    it names no one."""
    found = learner()
    kept = store.shared()
    learner_id = kept.resume(typed, found.key)
    if learner_id is None:
        return False
    found.flush()
    found.attach(learner_id, kept.load(learner_id))
    return True


def forget() -> None:
    """Delete every row of this learner and start afresh (the browser keeps its key, which then names a new,
    empty learner)."""
    found = learner()
    store.shared().forget(found.id)
    fresh = st.session_state[KEY] = Learner(key=found.key, subject=found.subject)
    _attach(fresh)


def widget(key: str, default: Any = None) -> Any:
    """The value of the widget drawn with `key` (default: not drawn yet in this session)."""
    return st.session_state.get(key, default)


def has_widget(key: str) -> bool:
    return key in st.session_state


def set_widget(key: str, value: Any) -> None:
    """Give the widget drawn with `key` this value (before it is drawn in this script run, or in its callback)."""
    st.session_state[key] = value
