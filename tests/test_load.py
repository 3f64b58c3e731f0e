"""The short load test CI runs (bench/bench_load.py --short): a few learners on one server, training and browsing."""

import asyncio
import concurrent.futures
import sys
from pathlib import Path

from fashion_fixtures import real_data_or_skip

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench_load  # noqa: E402


def in_thread(coroutine):
    """Run a coroutine to its end in a thread of its own: the browser tests' Playwright keeps an event loop running
    in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_small_class_trains_and_browses_on_one_server_without_errors(capsys):
    real_data_or_skip()
    args = bench_load.parse(["--short", "--timeout", "240"])
    measured = in_thread(bench_load.measure(args))
    bench_load.report(measured, args)
    print(capsys.readouterr().out, file=sys.stderr)  # the figures, in the test log
    assert measured["errors"] == []
    assert measured["runs"] == args.trainers and len(measured["times"]) == args.trainers  # every run finished
    assert sorted(page for page, _ in measured["idle"]) == sorted(["home", *bench_load.PAGES[1:]])  # each once
    assert all(0 <= wait <= time for wait, time in zip(measured["waits"], measured["times"]))
