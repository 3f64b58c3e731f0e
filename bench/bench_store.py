"""What keeping the learners' work costs (issue 23): page opens with the store against without it, side by side in
one run, and a class's runs ending at once. Loopback only; stops itself.

    python bench/bench_store.py            # 6 readers, every page 6 times on each server, then 40 writes at once
    python bench/bench_store.py --check    # exit 1 if a target is missed

Two servers of this checkout run side by side: one keeps every learner's work in a SQLite store (the default),
the other keeps none (NN_GROUND_UP_DATABASE_URL=off). Each reader is a browser with its own learner key; it goes
round every page in its own order, on both servers in turn (A then B for one page, B then A for the next, so that
neither server has the quieter moments). Its first visit of a lesson keeps the lesson's default run (a write to
the store); later visits find the learner and their runs in the store (reads). The readers move no control: a
page then shows the same on both servers (one run in "Your runs"), and the ratio is the store's own cost, not that
of drawing a longer history, which a learner who kept more runs sees with or without a database. Target: the 95th
percentile of page opens with the store at most 1.1x without it.

Then 40 learners end a run at the same instant, from 4 processes of 10 threads each, as 4 server processes of a
class would: every run must be kept (none lost, no "database is locked"), on SQLite and on a PostgreSQL server the
bench starts on loopback (Debian's postgresql package, as the tests do; --no-postgres skips it).
"""

import argparse
import asyncio
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT), str(ROOT / "tests")]

from bench_load import free_port, p95, say  # noqa: E402
from streamlit_client import Learner  # noqa: E402

PAGES = ["", "backprop_numpy", "tensors_autograd", "torch_nn", "torch_optim", "linear_regression",
         "softmax_regression", "mlp"]


def start(database: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "NN_GROUND_UP_DATABASE_URL": database, "NN_GROUND_UP_HOSTED": "1"}
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "streamlit"), "run", "app/Home.py", "--server.headless", "true",
         "--server.fileWatcherType", "none", "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5):
                return process, url
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.3)


async def reader(seed: int, urls: dict[str, str], rounds: int, opens: dict[str, list], errors: list) -> None:
    """One browser on both servers (its own learner key on each): every page `rounds` times, in its own order."""
    rng = random.Random(seed)
    cookies = dict.fromkeys(urls, "")
    order = rng.sample(PAGES, len(PAGES))
    for visit in range(rounds * len(PAGES)):
        page = order[visit % len(order)]
        for which in (list(urls) if visit % 2 == 0 else list(urls)[::-1]):
            learner = Learner(urls[which], page, cookie=cookies[which])
            opens[which].append((page or "home", await learner.open()))
            cookies[which] = learner.cookie  # the learner key the server gave this browser
            errors.extend(learner.errors)
            await learner.close()
        await asyncio.sleep(rng.uniform(0.5, 1.5))


def _end_runs(url: str, learners: list[str], start_at: float, out) -> None:
    """In one process: a thread per learner, each keeping one run at the same instant; the errors."""
    from core import store
    from core.curves import Curves
    from core.runs import Run

    kept, errors, seconds = store.Store(url), [], []

    def end(learner: str) -> None:
        run = Run(0, "mlp", {"lr": 0.1, "num_epochs": 6}, {"scratch": Curves({"loss": [2.3] * 1400},
                                                                             step="batch")}, seconds=30.0)
        time.sleep(max(0.0, start_at - time.time()))
        begun = time.perf_counter()
        try:
            kept.save_run(learner, run)
        except Exception as err:  # noqa: BLE001 - every failure is a finding
            errors.append(repr(err)[:200])
        seconds.append(time.perf_counter() - begun)

    threads = [threading.Thread(target=end, args=(learner,)) for learner in learners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((errors, seconds))


def class_ends_runs(url: str, learners: int = 40, processes: int = 4) -> dict:
    """`learners` runs kept at once from `processes` processes; how many were kept, errors, seconds per write."""
    import sqlalchemy as sa

    from core import store

    kept = store.Store(url)
    ids = [kept.learner_for_key(f"{i:032d}") for i in range(learners)]
    with kept.engine.begin() as c:
        before = c.execute(sa.select(sa.func.count()).select_from(store.runs)).scalar()
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start_at = time.time() + 3.0  # every process started and connected first
    workers = [context.Process(target=_end_runs, args=(url, ids[i::processes], start_at, out))
               for i in range(processes)]
    for w in workers:
        w.start()
    results = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join()
    with kept.engine.begin() as c:
        after = c.execute(sa.select(sa.func.count()).select_from(store.runs)).scalar()
    kept.dispose()
    seconds = [s for _, per in results for s in per]
    return {"kept": after - before, "errors": [e for errors, _ in results for e in errors],
            "median": statistics.median(seconds), "max": max(seconds)}


async def measure(args: argparse.Namespace) -> dict:
    folder = tempfile.mkdtemp(prefix="bench-store-")
    database = f"sqlite:///{folder}/explorer.sqlite3"
    servers = {"store": start(database), "none": start("off")}
    urls = {name: url for name, (_, url) in servers.items()}
    try:
        say("warming both servers: every page once")
        for url in urls.values():
            for page in PAGES:
                learner = Learner(url, page)
                await learner.open()
                await learner.close()
        say(f"{args.readers} readers, every page {args.rounds} times on each server")
        opens = {name: [] for name in urls}
        errors: list[str] = []
        await asyncio.gather(*(reader(i, urls, args.rounds, opens, errors) for i in range(args.readers)))
    finally:
        for process, _ in servers.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    say("40 learners end a run at once (SQLite)")
    writes = {"SQLite": class_ends_runs(database)}
    if not args.no_postgres:
        import postgres  # tests/postgres.py: an initdb cluster in a temporary folder, on loopback

        if postgres.binaries() is None:
            say("PostgreSQL is not installed: its 40 writes are left out")
        else:
            say("40 learners end a run at once (PostgreSQL)")
            with postgres.cluster() as server:
                writes["PostgreSQL"] = class_ends_runs(server.url)
    return {"opens": opens, "errors": errors, "writes": writes}


def report(m: dict, args: argparse.Namespace) -> list[str]:
    print(f"{args.readers} readers, each page {args.rounds} times per server (the first visit of each keeps its "
          f"default run), the two servers side by side")
    print(f"{'page open (s)':20} {'p50 none':>9} {'store':>7} {'ratio':>6}   {'p95 none':>9} {'store':>7} {'ratio':>6}"
          f"   {'opens':>5}")
    missed = []
    for page in ["home", *PAGES[1:], "all pages"]:
        with_store = [s for p, s in m["opens"]["store"] if p == page or page == "all pages"]
        without = [s for p, s in m["opens"]["none"] if p == page or page == "all pages"]
        ratios = statistics.median(with_store) / statistics.median(without), p95(with_store) / p95(without)
        print(f"{page:20} {statistics.median(without):9.2f} {statistics.median(with_store):7.2f} {ratios[0]:6.2f}   "
              f"{p95(without):9.2f} {p95(with_store):7.2f} {ratios[1]:6.2f}   {len(with_store):5}")
        if page == "all pages" and ratios[1] > 1.1:
            missed.append("p95 page open with the store")
    print(f"{'target':20} {'':17} {'':6}   {'':17} {'<= 1.1':>6}  (all pages)")
    for name, w in m["writes"].items():
        print(f"{name}: 40 runs ended at once from 4 processes: {w['kept']} kept, {len(w['errors'])} errors; seconds "
              f"per write median {w['median']:.3f}, max {w['max']:.3f}")
        if w["kept"] != 40 or w["errors"]:
            missed.append(f"40 writes on {name}")
        for error in w["errors"][:3]:
            print("  error:", error)
    print(f"page errors: {len(m['errors'])}")
    if m["errors"]:
        missed.append("page errors")
    if missed:
        print("missed:", ", ".join(missed))
    return missed


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--no-postgres", action="store_true", help="leave out the 40 writes on PostgreSQL")
    parser.add_argument("--check", action="store_true")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    sys.exit(1 if report(asyncio.run(measure(arguments)), arguments) and arguments.check else 0)
