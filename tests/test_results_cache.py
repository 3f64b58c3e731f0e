"""Results kept on disk for every process of the machine (core.results_cache), and a page that takes them."""

import functools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import streamlit as st
import torch

from core import results_cache
from core.torch_optim import six_points as sp
from helpers import chart_traces, open_page

ROOT = Path(__file__).resolve().parents[1]
TARGET = "core.torch_optim.six_points:both_runs"
KWARGS = {"seed": 3, "lr": 0.05, "num_epochs": 20}


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    where = tmp_path / "results"
    monkeypatch.setenv("NN_GROUND_UP_CACHE_DIR", str(where))
    return where


def test_a_result_kept_by_one_process_is_read_whole_by_another(folder):
    manual, auto = sp.both_runs(**KWARGS)
    results_cache.save(TARGET, KWARGS, (manual, auto))
    assert len(list(folder.glob("*.pickle"))) == 1
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from core import results_cache
        from core.pool import threads_per_worker
        from core.worker import use_threads
        use_threads(threads_per_worker())  # as the tests' own process does (conftest)
        manual, auto = results_cache.load({TARGET!r}, {KWARGS!r})
        print(repr(manual.losses[-1]), repr(auto.values["accuracy"][-1]))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "NN_GROUND_UP_CACHE_DIR": str(folder)}).stdout.split()
    assert out == [repr(manual.losses[-1]), repr(auto.values["accuracy"][-1])]


def test_a_result_is_kept_apart_for_other_code_other_arguments_and_another_thread_count(folder, monkeypatch):
    results_cache.save(TARGET, KWARGS, "kept")
    assert results_cache.load(TARGET, dict(KWARGS)) == "kept"
    assert results_cache.load(TARGET, {**KWARGS, "lr": 0.06}) is results_cache.MISSING
    assert results_cache.load("core.torch_optim.six_points:train_optim", KWARGS) is results_cache.MISSING
    threads = torch.get_num_threads()
    torch.set_num_threads(threads + 1)  # another order of the sums: other last digits
    try:
        assert results_cache.load(TARGET, KWARGS) is results_cache.MISSING
    finally:
        torch.set_num_threads(threads)
    monkeypatch.setattr(results_cache, "code_version", lambda: "a core module changed")
    assert results_cache.load(TARGET, KWARGS) is results_cache.MISSING


def test_the_code_version_changes_with_any_core_module(monkeypatch, tmp_path):
    before = results_cache.code_version()
    (tmp_path / "core").mkdir()
    for path in results_cache.CORE.rglob("*.py"):
        copy = tmp_path / "core" / path.relative_to(results_cache.CORE)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(path.read_bytes())
    monkeypatch.setattr(results_cache, "CORE", tmp_path / "core")
    results_cache.code_version.cache_clear()
    try:
        assert results_cache.code_version() == before  # the same files, elsewhere
        results_cache.code_version.cache_clear()
        with (tmp_path / "core" / "curves.py").open("a") as file:
            file.write("\n# one more line\n")
        assert results_cache.code_version() != before
    finally:
        results_cache.code_version.cache_clear()


@pytest.mark.parametrize("kwargs", [{"x": torch.ones(2)}, {"f": functools.partial(max, 1)}, {1: "a"},
                                    {"x": {"nested": object()}}], ids=["tensor", "partial", "key", "object"])
def test_arguments_that_are_not_plain_data_are_never_kept(folder, kwargs):
    assert results_cache.key(TARGET, kwargs) is None
    results_cache.save(TARGET, kwargs, "kept")
    assert results_cache.load(TARGET, kwargs) is results_cache.MISSING
    assert not list(folder.glob("*"))


def test_a_damaged_file_is_computed_again_and_removed(folder):
    results_cache.save(TARGET, KWARGS, list(range(1000)))
    path, = folder.glob("*.pickle")
    path.write_bytes(path.read_bytes()[:100])  # cut short, as by a full disk
    assert results_cache.load(TARGET, KWARGS) is results_cache.MISSING
    assert not path.exists()


def test_a_folder_others_could_write_is_not_used_and_off_turns_it_off(folder, monkeypatch):
    assert results_cache.folder() == folder and folder.stat().st_mode & 0o777 == 0o700  # made private
    folder.chmod(0o777)
    assert results_cache.folder() is None
    results_cache.save(TARGET, KWARGS, "kept")
    assert not list(folder.glob("*"))
    folder.chmod(0o700)
    monkeypatch.setenv("NN_GROUND_UP_CACHE_DIR", "off")
    assert results_cache.folder() is None


def test_at_most_max_entries_are_kept_the_least_recently_used_removed_first(folder, monkeypatch):
    monkeypatch.setattr(results_cache, "MAX_ENTRIES", 3)
    for n in range(3):
        results_cache.save(TARGET, {"n": n}, n)
        os.utime(folder / f"{results_cache.key(TARGET, {'n': n})}.pickle", (1000 + n, 1000 + n))
    assert results_cache.load(TARGET, {"n": 0}) == 0  # read: now the most recently used
    results_cache.save(TARGET, {"n": 3}, 3)
    assert [results_cache.load(TARGET, {"n": n}) for n in range(4)] == [0, results_cache.MISSING, 2, 3]


def test_a_page_opened_in_a_new_process_takes_its_results_from_disk(folder, monkeypatch):
    import runner

    st.cache_data.clear()  # what earlier tests of this process computed is in memory, not in this folder
    runner.forget_computed()
    first = open_page("torch_optim")
    assert list(folder.glob("*.pickle"))
    st.cache_data.clear()  # as in a server that has just started: nothing in memory
    runner.forget_computed()
    calls = []

    def not_again(*args, **kwargs):
        calls.append(kwargs)
        raise AssertionError("computed again")

    monkeypatch.setattr(sp, "train_manual", not_again)  # what both_runs calls first
    second = open_page("torch_optim")
    assert calls == []
    assert chart_traces(second, "op_six_loss") == chart_traces(first, "op_six_loss")

    with pytest.raises(AssertionError, match="computed again"):  # computing them would have gone through it
        sp.both_runs(seed=0, lr=0.01, num_epochs=2)
