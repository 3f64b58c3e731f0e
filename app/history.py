"""The runs a learner kept on one lesson: a table, one chart to compare up to six, restore, pin, delete, export."""

import pandas as pd
import streamlit as st

import progress
import session
import ui
from controls import Controls, shared
from core import charts, runs
from core.curves import Curves
from core.i18n import _
from core.settings import SHARED, Table


def of(slug: str) -> runs.RunHistory:
    """This session's history of one lesson."""
    return session.learner().history(slug)


def run_settings(controls: Controls) -> dict:
    """What a run records: the lesson's run settings, the seed and the device chosen in the sidebar."""
    chosen = shared().values
    return controls.run_settings() | {name: chosen[name] for name in SHARED.run_names()}


def record(slug: str, controls: Controls, curves: dict[str, Curves], seconds: float, device: str,
           settings: dict | None = None, **status) -> runs.Run | None:
    """Keep a run started with Train (`settings`: what it was started with).

    Lessons without a Train button (no `settings`) keep a run each time the learner moves to settings not yet
    kept; a run deleted while its settings are on screen stays deleted until the settings change.
    """
    if settings is None:
        settings = run_settings(controls)
        if not session.learner().first_time(slug, settings):
            return None
    return keep(slug, controls.table, curves, seconds, device, settings, **status)


def kept_settings(table: Table, settings: dict) -> dict:
    """What a run's record holds of the settings it ran with: the lesson's run settings, the seed and the device."""
    return {k: settings[k] for k in [*table.run_names(), *SHARED.run_names()] if k in settings}


def keep(slug: str, table: Table, curves: dict[str, Curves], seconds: float, device: str, settings: dict,
         origin: str | None = None, **status) -> runs.Run:
    """Keep a run started with Train, from any page (a run that ends while its learner is elsewhere); `origin`:
    the Train press, which the server may have kept already (see runner.Task.record)."""
    return session.learner().add_run(slug, kept_settings(table, settings), curves, seconds, device, origin=origin,
                                     **status)


def label(run: runs.Run, differing: list[str], controls: Controls) -> str:
    """'run 3 · lr = 1e-04': the run's number and what differs between the kept runs."""
    table = controls.table
    own = [n for n in differing if n in table.names]
    parts = [table.describe(run.settings, own)] + [f"{n} = {run.settings.get(n)}" for n in differing
                                                    if n in SHARED.run_names()]
    return _("run {number}").format(number=run.number) + "".join(f" · {p}" for p in parts if p)


def show(slug: str, controls: Controls) -> None:
    """The 'Your runs' section."""
    history, key = of(slug), f"{controls.prefix}_runs"
    st.subheader(_("Your runs"))
    if not history.runs:
        st.caption(_("Runs appear here as you train; import a file of runs below."))
        _import(slug, controls, key)
        return
    differing = controls.table.differing([r.settings for r in history.runs] + [controls.values])
    differing += [n for n in SHARED.run_names() if len({repr(r.settings.get(n)) for r in history.runs}) > 1]
    names = {r.number: label(r, differing, controls) for r in history.runs}
    st.caption(_("{count} kept. Settings that differ between runs are highlighted; pick up to six to "
                 "compare on one chart.").format(count=len(history.runs)))
    _table(history, differing, controls, key)  # the downloads below build their files only when clicked
    done, learner = progress.store(), session.learner()  # read here: a download builds its file outside this
    # script run

    shown = session.learner().shown_runs(slug)  # kept outside the widget, so new runs can join it
    session.set_widget(f"{key}_compare", list(shown))
    picked = st.multiselect(_("Compare on one chart"), list(names), format_func=names.get, key=f"{key}_compare",
                            max_selections=session.MAX_SHOWN, on_change=_picked, args=(slug, f"{key}_compare"))
    if picked:
        traces = {}
        for number in picked:
            run = history.get(number)
            for curve, c in run.curves.items():
                traces[names[number] + (f" · {curve}" if len(run.curves) > 1 else "")] = c
        ui.chart(charts.overlay_figure(traces, title=_("Your runs, loss")), key=f"{key}_overlay")

    cols = st.columns([2, 1, 1, 1, 1])
    number = cols[0].selectbox(_("Run"), list(names), index=len(names) - 1, format_func=names.get, key=f"{key}_pick")
    run = history.get(number)
    cols[1].button(_("Unpin") if run.pinned else _("Pin"), key=f"{key}_pin", on_click=session.learner().pin_run,
                   args=(slug, number),
                   help=_("Pinned runs stay on the chart and are never dropped to make room."))
    cols[2].button(_("Restore settings"), key=f"{key}_restore", on_click=_restore, args=(controls, run),
                   help=_("Put this run's settings back into the controls (and the sidebar's seed and device)."))
    cols[3].button(_("Delete"), key=f"{key}_delete", on_click=session.learner().delete_run, args=(slug, number))
    cols[4].download_button(_("This run (JSON)"), lambda: runs.to_json([run], done, learner.lesson_record(slug)),
                            f"{slug}-run-{number}.json",
                            "application/json", key=f"{key}_one_json", on_click="ignore")
    cols = st.columns(3)
    cols[0].download_button(_("All runs (JSON)"), lambda: runs.to_json(history.runs, done, learner.lesson_record(slug)),
                            f"{slug}-runs.json",
                            "application/json", key=f"{key}_json", on_click="ignore")
    cols[1].download_button(_("All curves (CSV)"), lambda: runs.to_csv(history.runs), f"{slug}-curves.csv", "text/csv",
                            key=f"{key}_csv", on_click="ignore")
    _import(slug, controls, key)


def _table(history: runs.RunHistory, differing: list[str], controls: Controls, key: str) -> None:
    rows = []
    for r in history.runs:
        row = {_("run"): r.number, _("status"): r.status_text(), _("pinned"): "📌" if r.pinned else ""}
        row |= {n: controls.table[n].show(r.settings[n]) if n in controls.table.names else str(r.settings.get(n))
                for n in [*controls.table.run_names(), *SHARED.run_names()] if n in r.settings}
        row |= {k: float(f"{v:.4g}") for k, v in r.metrics(shown=True).items()}
        row[_("seconds")] = round(r.seconds, 2)
        row[_("ran on")] = r.device
        rows.append(row)
    frame = pd.DataFrame(rows)

    def highlight(column: pd.Series) -> list[str]:
        return ["background-color: rgba(255, 200, 0, 0.35)" if column.name in differing else ""] * len(column)

    st.dataframe(frame.style.apply(highlight).format(precision=4), hide_index=True, key=f"{key}_table",
                 height=min(300, 38 + 35 * len(rows)))


def _picked(slug: str, widget: str) -> None:
    session.learner().compare(slug, session.widget(widget))


def _restore(controls: Controls, run: runs.Run) -> None:
    controls.set(run.settings)
    shared().set({k: v for k, v in run.settings.items() if k in SHARED.run_names()})


def _import(slug: str, controls: Controls, key: str) -> None:
    upload = st.file_uploader(_("Import runs (a JSON file exported here)"), type=["json"], key=f"{key}_upload",
                              max_upload_size=20)
    if upload is None:
        return
    token = (upload.name, upload.size, getattr(upload, "file_id", ""))
    learner = session.learner()
    if learner.imported.get(key) == token:  # each upload is imported once, not on every rerun
        return
    learner.imported[key] = token
    try:
        found, notices = runs.from_json(upload.getvalue(), slug, controls.table)
        done, progress_notices = runs.progress_from_json(upload.getvalue(), progress.known())
    except runs.ImportRefused as err:
        st.error(_("Nothing was imported: {reason}.").format(reason=err))
        return
    learner.restore_progress(done)
    added = learner.import_runs(slug, found)
    if added:
        numbers = ", ".join(_("run {number}").format(number=r.number) for r in added)
        st.success(_("Imported {count} run(s) as {runs}.").format(count=len(added), runs=numbers))
    else:
        st.success(_("The file holds no runs of this lesson."))
    if done:
        st.success(_("Restored your progress from the file (checkpoints and exercises of {count} lesson(s)); what "
                     "you had done here stays done.").format(count=len(done)))
    for notice in notices + progress_notices:
        st.warning(notice)

