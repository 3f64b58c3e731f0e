"""A lesson's history of runs: kept, pinned, compared, exported to JSON and CSV, and imported back.

A run is its settings, its curves (one Curves per version, implementation or optimizer), one status and a few
final numbers. Importing checks every field of the file; a file that is not a valid export changes nothing.
"""

import csv
import io
import json
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from core.curves import Curves
from core.i18n import N_, _
from core.settings import SHARED, Table

FORMAT, VERSION, APP_VERSION = "nn-ground-up runs", 1, "0.2.0"
MAX_RUNS = 40  # unpinned runs kept per lesson; the oldest goes first
MAX_FILE_BYTES = 20_000_000
MAX_POINTS = 2_000_000  # numbers in one imported file
STATUSES = ("finished", "stopped", "diverged", "failed")
STATUS_TEXTS = {"finished": N_("Finished"), "stopped": N_("Stopped"), "failed": N_("Failed")}
METRIC_NAMES = {"final loss": N_("final loss"), "test acc": N_("test acc")}
STEPS = ("iteration", "step", "epoch", "batch")


@dataclass
class Run:
    number: int  # 1, 2, 3 ... within its lesson's history
    lesson: str
    settings: dict[str, Any]  # the lesson's run settings, the seed and the device
    curves: dict[str, Curves]
    status: str = "finished"  # one of STATUSES
    message: str = ""  # where it diverged, or why it failed
    seconds: float = 0.0  # wall time
    device: str = "cpu"  # where it ran
    pinned: bool = False
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S"))

    def status_text(self) -> str:
        """Finished, Stopped, Failed, or 'Diverged at epoch 1, batch 14' (with the curve's name if several), in the
        language on screen (the kept message is in the language of the page that kept it)."""
        if self.status == "diverged":
            where = status_of(self.curves)[1] or self.message
            return where[:1].upper() + where[1:]
        return _(STATUS_TEXTS[self.status])

    def metrics(self, shown: bool = False) -> dict[str, float]:
        """The last value of each curve's loss, and per-epoch values where there are any (test accuracy); named in
        the page's language when `shown` (an export keeps the English names)."""
        found = {}
        for name, c in self.curves.items():
            label = f" ({name})" if len(self.curves) > 1 else ""
            said = {k: _(v) if shown else k for k, v in METRIC_NAMES.items()}
            if c.losses:
                found[said["final loss"] + label] = c.losses[-1]
            if c.epoch_values.get("test acc"):
                found[said["test acc"] + label] = c.epoch_values["test acc"][-1]
        return found


def status_of(curves: dict[str, Curves]) -> tuple[str, str]:
    """'diverged' and where, if any curve diverged; else 'finished'."""
    for name, c in curves.items():
        if c.diverged_at is not None:
            return "diverged", (f"{name} " if len(curves) > 1 else "") + c.divergence()
    return "finished", ""


class RunHistory:
    """One lesson's runs in one session, oldest first."""

    def __init__(self, lesson: str):
        self.lesson = lesson
        self.runs: list[Run] = []
        self.next_number = 1

    def add(self, settings: dict[str, Any], curves: dict[str, Curves], status: str | None = None,
            message: str = "", seconds: float = 0.0, device: str = "cpu", distinct: bool = False) -> Run:
        """Keep a new run (never replacing one), or with `distinct` return the kept run with equal settings."""
        if distinct:
            for run in self.runs:
                if run.settings == settings:
                    return run
        if status is None:
            status, message = status_of(curves)
        curves = {k: replace(c, outputs={}) for k, c in curves.items()}  # weights stay out: a class shares memory
        run = Run(self.next_number, self.lesson, dict(settings), curves, status, message, seconds, device)
        self.next_number += 1
        self.runs.append(run)
        unpinned = [r for r in self.runs if not r.pinned]
        for old in unpinned[:max(0, len(unpinned) - MAX_RUNS)]:
            self.runs.remove(old)
        return run

    def get(self, number: int) -> Run | None:
        return next((r for r in self.runs if r.number == number), None)

    def delete(self, number: int) -> None:
        self.runs = [r for r in self.runs if r.number != number]

    def import_runs(self, runs: list[Run]) -> list[Run]:
        """Add imported runs under new numbers, keeping them as they were otherwise."""
        added = []
        for run in runs:
            run.number, self.next_number = self.next_number, self.next_number + 1
            self.runs.append(run)
            added.append(run)
        return added


# ---- export ---------------------------------------------------------------------------------------------

def curves_to_dict(c: Curves) -> dict[str, Any]:
    return {"step": c.step, "values": c.values, "diverged_at": c.diverged_at, "steps_per_epoch": c.steps_per_epoch,
            "epoch_values": c.epoch_values}


def to_json(runs: list[Run], progress: dict[str, dict[str, bool]] | None = None,
            record: dict[str, list[dict]] | None = None) -> str:
    """The runs as a JSON document: settings, curves, status, metrics, the versions that produced them, the
    learner's progress (checkpoints and exercises done, by lesson) and their predictions and exercise attempts on
    the lesson (`record`) when given. An import reads the runs and the progress."""
    return json.dumps({
        "format": FORMAT, "version": VERSION, "app_version": APP_VERSION, "torch_version": torch.__version__,
        **({"progress": progress} if progress is not None else {}), **(record or {}),
        "runs": [{"lesson": r.lesson, "number": r.number, "settings": r.settings, "status": r.status,
                  "message": r.message, "seconds": r.seconds, "device": r.device, "pinned": r.pinned,
                  "created": r.created,
                  "metrics": r.metrics(), "curves": {k: curves_to_dict(c) for k, c in r.curves.items()}}
                 for r in runs]}, indent=1)


def to_csv(runs: list[Run]) -> str:
    """One row per point: run, curve, series, step, value (per-epoch values have step 'epoch N')."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["run", "curve", "series", "step", "value"])
    for r in runs:
        for name, c in r.curves.items():
            for series, values in c.values.items():
                writer.writerows([r.number, name, series, i, v] for i, v in enumerate(values))
            for series, values in c.epoch_values.items():
                writer.writerows([r.number, name, series, f"epoch {i + 1}", v] for i, v in enumerate(values))
    return out.getvalue()


# ---- import ---------------------------------------------------------------------------------------------

class ImportRefused(ValueError):
    """The file is not a valid export; the message says what is wrong. Nothing was imported."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ImportRefused(message)


def _numbers(values: Any, where: str, budget: list[int]) -> list[float]:
    _expect(isinstance(values, list), _("{where} is not a list of numbers").format(where=where))
    budget[0] -= len(values)
    _expect(budget[0] >= 0, _("the file holds more than {limit:,} numbers").format(limit=MAX_POINTS))
    for v in values:
        _expect(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
                _("{where} holds something that is not a finite number").format(where=where))
    return [float(v) for v in values]


def _series(raw: Any, where: str, budget: list[int]) -> dict[str, list[float]]:
    _expect(isinstance(raw, dict) and len(raw) <= 20, _("{where} is not a table of curves").format(where=where))
    for name in raw:
        _expect(isinstance(name, str) and 0 < len(name) <= 60,
                _("{where} has a curve with a bad name").format(where=where))
    return {name: _numbers(v, f"{where} › {name[:60]}", budget) for name, v in raw.items()}


def _curves(raw: Any, where: str, budget: list[int]) -> Curves:
    _expect(isinstance(raw, dict), _("{where} is not a curve").format(where=where))
    values = _series(raw.get("values"), where, budget)
    _expect("loss" in values, _("{where} has no loss curve").format(where=where))
    step = raw.get("step")
    _expect(step in STEPS, _("{where}: unknown step {step}").format(where=where, step=repr(str(step)[:20])))
    diverged_at, per_epoch = raw.get("diverged_at"), raw.get("steps_per_epoch")
    for name, v in (("diverged_at", diverged_at), ("steps_per_epoch", per_epoch)):
        _expect(v is None or (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10**9),
                _("{where}: {name} is not a step number").format(where=where, name=name))
    return Curves(values, diverged_at, step, per_epoch or None,
                  _series(raw.get("epoch_values", {}), where, budget))


def _document(data: bytes | str) -> dict:
    """The parsed export, checked to be one: format, version, and a size that is safe to read."""
    _expect(len(data) <= MAX_FILE_BYTES, _("the file is larger than {megabytes} MB").format(
        megabytes=MAX_FILE_BYTES // 1_000_000))

    def no_constants(name: str):
        raise ImportRefused(_("the file holds {name}, which is not a number JSON allows").format(name=name))

    try:
        doc = json.loads(data, parse_constant=no_constants)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ImportRefused(_("the file is not valid JSON ({error})").format(error=str(err)[:80])) from None
    except RecursionError:
        raise ImportRefused(_("the file is nested too deeply")) from None
    _expect(isinstance(doc, dict) and doc.get("format") == FORMAT,
            _("this is not a runs file exported by the explorer"))
    _expect(doc.get("version") == VERSION, _("this runs file has version {version}; this explorer reads version "
                                             "{ours}").format(version=str(doc.get("version"))[:10], ours=VERSION))
    return doc


def from_json(data: bytes | str, lesson: str, table: Table) -> tuple[list[Run], list[str]]:
    """Read an export: the runs of `lesson` it holds, and notices about what was left out or changed.

    Raise ImportRefused with a message when the file is not a valid export; then nothing is imported.
    """
    doc = _document(data)
    raw_runs = doc.get("runs")
    _expect(isinstance(raw_runs, list) and len(raw_runs) <= 200,
            _("the file's 'runs' is not a list of at most 200"))
    runs, notices, budget = [], [], [MAX_POINTS]
    for i, raw in enumerate(raw_runs, start=1):
        where = _("run {number} in the file").format(number=i)
        _expect(isinstance(raw, dict), _("{where} is not a run").format(where=where))
        if raw.get("lesson") != lesson:
            notices.append(_("{where} belongs to another lesson ({lesson}): left out").format(
                where=where, lesson=str(raw.get("lesson"))[:30]))
            continue
        settings = raw.get("settings")
        _expect(isinstance(settings, dict), _("{where} has no settings").format(where=where))
        own = {k: v for k, v in settings.items() if k not in SHARED.names}
        values, problems = table.from_values(own)
        shared, shared_problems = SHARED.from_values({k: v for k, v in settings.items() if k in SHARED.names})
        for problem in problems + shared_problems:
            notices.append(f"{where}: {problem}")
        kept = {k: values[k] for k in table.run_names()} | {k: shared[k] for k in SHARED.run_names()}
        curves = raw.get("curves")
        _expect(isinstance(curves, dict) and 0 < len(curves) <= 20, _("{where} has no curves").format(where=where))
        status = raw.get("status")
        _expect(status in STATUSES, _("{where}: unknown status {status}").format(where=where,
                                                                                 status=repr(str(status)[:20])))
        seconds = raw.get("seconds", 0.0)
        _expect(isinstance(seconds, (int, float)) and math.isfinite(seconds),
                _("{where}: seconds is not a number").format(where=where))
        device = raw.get("device", "cpu")
        _expect(isinstance(device, str) and len(device) <= 40,
                _("{where}: the device is not a short text").format(where=where))
        message = raw.get("message", "")
        _expect(isinstance(message, str) and len(message) <= 300,
                _("{where}: the message is not a short text").format(where=where))
        runs.append(Run(0, lesson, kept, {str(k)[:60]: _curves(c, f"{where} › {str(k)[:60]}", budget)
                                           for k, c in curves.items()},
                        status, message, float(seconds), device, bool(raw.get("pinned", False))))
    return runs, notices


def progress_from_json(data: bytes | str, known: dict[str, set[str]]) -> tuple[dict[str, dict[str, bool]], list[str]]:
    """Read the progress an export holds (none: empty), keeping the `known` items of each lesson, with notices.

    Raise ImportRefused when it is malformed: anything but lessons mapping item ids to true or false.
    """
    raw = _document(data).get("progress", {})
    _expect(isinstance(raw, dict) and len(raw) <= 50, _("the file's progress is not a table of lessons"))
    found, notices = {}, []
    for slug, items in raw.items():
        _expect(isinstance(slug, str) and len(slug) <= 60, _("the file's progress names a lesson with a bad name"))
        _expect(isinstance(items, dict) and len(items) <= 200,
                _("the progress of {lesson} is not a table of items").format(lesson=slug[:60]))
        for item, done in items.items():
            _expect(isinstance(item, str) and len(item) <= 100,
                    _("the progress of {lesson} has a bad item name").format(lesson=slug[:60]))
            _expect(isinstance(done, bool), _("the progress of {lesson} › {item} is not true or false").format(
                lesson=slug[:60], item=item[:100]))
        kept = {item: done for item, done in items.items() if item in known.get(slug, ())}
        if len(kept) < len(items):
            notices.append(_("progress: {count} item(s) of {lesson} this explorer does not have were left out").format(
                count=len(items) - len(kept), lesson=slug[:60]))
        if kept:
            found[slug] = kept
    return found, notices
