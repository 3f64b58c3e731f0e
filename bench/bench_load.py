"""A class on one server (or on replicas behind haproxy): page opens while every training slot is busy, and the
epochs per second of many runs against one run alone. Loopback only; bounded in learners and time; stops itself.

    python bench/bench_load.py                  # 20 learners: 8 press Train, 12 open pages and move controls
    python bench/bench_load.py --replicas 2     # the same class behind scripts/serve_replicas.sh 2
    python bench/bench_load.py --short          # 5 learners, one epoch each, cold, no speed ratios: what CI runs
    python bench/bench_load.py --check          # exit 1 if a target is missed

Targets (issue 22): with every slot busy, opening each page takes at most 1.5x its time on the same server
without training, at the median and at the 95th percentile; the runs together achieve at least 0.95x the epochs
per second of one run alone. Both are measured side by side in one run, after a warm-up: first one run alone
(twice, back to back), then the readers alone, then the same readers while the trainers, whose pages are already
open, press Train at once. Each reader goes round every page in its own seeded order, reading a while after each
open, the same way in both phases: without training for as long as the training is expected to last (from the
run alone) and at least twice round every page, then for as long as it lasts; only opens that start while runs are
still going count as loaded.
"""

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from streamlit_client import Learner  # noqa: E402

PAGES = ["", "backprop_numpy", "tensors_autograd", "torch_nn", "torch_optim", "linear_regression",
         "softmax_regression", "mlp"]
NUMBER = {"backprop_numpy": ("H (hidden units)", 60), "torch_nn": ("iterations", 100),
          "linear_regression": ("epochs", 2), "mlp": ("epochs", 2)}  # a control to move on some pages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(replicas: int) -> tuple[subprocess.Popen, str, list[str]]:
    """The server (or the replicas and their proxy): the process, the URL learners use, and each replica's URL."""
    port = free_port()
    env = {**os.environ, "NN_GROUND_UP_HOSTED": "1"}
    if replicas:
        process = subprocess.Popen([str(ROOT / "scripts" / "serve_replicas.sh"), str(replicas), str(port)],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True, text=True)
        for line in process.stdout:
            if line.startswith("Serving"):
                break
        else:
            raise RuntimeError("the replicas did not start")
        return process, f"http://127.0.0.1:{port}", [f"http://127.0.0.1:{port + i}" for i in range(1, replicas + 1)]
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "streamlit"), "run", "app/Home.py", "--server.headless", "true",
         "--server.fileWatcherType", "none", "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:  # ready when it answers its health check
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5):
                return process, url, [url]
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.3)


def server_memory(group: int) -> float:
    """MiB resident in the Streamlit server processes of a process group (not their training workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or os.getpgid(int(entry.name)) != group:
                continue
            if b"streamlit" not in (entry / "cmdline").read_bytes():
                continue
            total += next(int(line.split()[1]) for line in (entry / "status").read_text().splitlines()
                          if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue  # it ended meanwhile, or has no memory of its own
    return total / 1024


def say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


class Class:
    def __init__(self, url: str, args: argparse.Namespace):
        self.url, self.args = url, args
        self.query = f"num_epochs={args.epochs}&num_hiddens={args.hidden}&batch_size=256&versions=scratch"
        self.errors: list[str] = []

    async def ready(self, url: str | None = None) -> Learner:
        """A learner on the MLP page, its settings from the link, about to press Train."""
        learner = Learner(url or self.url, "mlp", self.query)
        await learner.open()
        return learner

    async def train(self, learner: Learner) -> dict[str, float]:
        """Press Train and follow the run to its end: when it was pressed, started training and finished."""
        pressed = time.perf_counter()
        await learner.click("Train")
        await learner.poll_until("scratch: epoch", ": Finished.", timeout=self.args.timeout)
        started = time.perf_counter()  # its progress showed: it has left the line (or it is already over)
        await learner.poll_until(": Finished.", timeout=self.args.timeout)
        ended = time.perf_counter()
        self.errors += learner.errors
        await learner.close()
        return {"pressed": pressed, "started": started, "ended": ended}

    async def browse(self, seed: int, done: Callable[[int], bool], pages: list[str] = PAGES
                     ) -> list[tuple[float, float, str]]:
        """One reader: each of `pages` in turn, in an order of its own, reading after each open and sometimes
        moving a control, until done(opens so far); (start, seconds, page) per open."""
        rng = random.Random(seed)
        order = rng.sample(pages, len(pages))
        opens = []
        while not done(len(opens)):
            page = order[len(opens) % len(order)]
            learner = Learner(self.url, page)
            begun = time.perf_counter()
            opens.append((begun, await learner.open(), page or "home"))
            if page in NUMBER and rng.random() < 0.5:
                label, value = NUMBER[page]
                await learner.set_number(label, value)
            self.errors += learner.errors
            await learner.close()
            await asyncio.sleep(rng.uniform(*self.args.think))
        return opens


async def measure(args: argparse.Namespace) -> dict:
    process, url, replicas = start(args.replicas)
    try:
        group = Class(url, args)
        # --short checks that a class works, not how fast: no warm-up (its first opens compute the pages' results)
        # and no run alone, so no ratio of speeds
        alone_rate = None
        if not args.short:
            say("warming every page and every worker")
            for replica in replicas:  # warm each server: its caches, the data set, and every worker's copy of it
                for page in PAGES:
                    await Learner(replica, page).open()
                learners = [await group.ready(replica) for _ in range(args.slots_per_server)]
                await asyncio.gather(*(group.train(learner) for learner in learners))
        memory = [server_memory(process.pid)]  # warm (but with --short): every page's caches and the data set loaded
        if not args.short:
            say("one run alone, twice")
            alone = [await group.train(await group.ready(replicas[0])) for _ in range(2)]
            alone_rate = 2 * args.epochs / (alone[-1]["ended"] - alone[0]["pressed"])

        readers = range(args.learners - args.trainers)
        if args.short:  # each page opened once, the readers sharing them out
            say("reading without training: every page once")
            shares = [PAGES[i::len(readers)] for i in readers]
            reads = [group.browse(i, lambda n, share=share: n >= len(share), share)
                     for i, share in zip(readers, shares)]
        else:  # as long as the training below should last
            # and each reader round every page at least --idle-rounds times: a short training would otherwise
            # leave a handful of idle opens per page, and a median of five is noise
            lasting = args.trainers * args.epochs / (args.slots_per_server * max(1, args.replicas) * alone_rate)
            least = args.idle_rounds * len(PAGES)
            say(f"reading without training for {lasting:.0f} s and at least {least} opens per reader")
            until = time.perf_counter() + lasting
            reads = [group.browse(i, lambda n: n >= least and time.perf_counter() > until) for i in readers]
        idle = [o for opens in await asyncio.gather(*reads) for o in opens]

        end_of_training: list[float] = []

        learners = await asyncio.gather(*(group.ready() for _ in range(args.trainers)))  # not timed: their pages
        await asyncio.sleep(2.0)  # are open before the first Train, as a class's would be

        async def trainers() -> list[dict[str, float]]:
            runs = await asyncio.gather(*(group.train(learner) for learner in learners))
            end_of_training.append(max(r["ended"] for r in runs))
            return runs

        say("reading while the trainers train")
        runs, *opens = await asyncio.gather(trainers(), *(group.browse(i, lambda n: bool(end_of_training))
                                                          for i in readers))
        first_press, last_end = min(r["pressed"] for r in runs), max(r["ended"] for r in runs)
        loaded = [o for per in opens for o in per if first_press <= o[0] <= last_end]
        rate = args.trainers * args.epochs / (last_end - first_press)

        memory.append(server_memory(process.pid))
        return {"memory": memory, "idle": [(page, s) for _, s, page in idle],
                "loaded": [(page, s) for _, s, page in loaded],
                "alone_rate": alone_rate, "rate": rate, "waits": [r["started"] - r["pressed"] for r in runs],
                "times": [r["ended"] - r["pressed"] for r in runs], "errors": group.errors,
                "runs": len(runs), "slots": args.slots_per_server * max(1, args.replicas)}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def report(m: dict, args: argparse.Namespace) -> list[str]:
    """Print the figures beside their targets; return the targets missed."""
    where = f"{args.replicas} replicas behind haproxy" if args.replicas else "one server"
    print(f"{where}: {args.learners} learners, {args.trainers} train the MLP ({args.hidden} hidden units, "
          f"{args.epochs} epoch(s)) on {m['slots']} training slots, {args.learners - args.trainers} open pages and "
          f"move controls, reading {args.think[0]:g}-{args.think[1]:g} s between actions")
    idle, loaded = m["idle"], m["loaded"]
    print(f"{'page open (s)':20} {'p50 idle':>9} {'loaded':>7} {'ratio':>6}   {'p95 idle':>9} {'loaded':>7} "
          f"{'ratio':>6}   {'opens':>9}")
    missed = []
    for page in ["home", *PAGES[1:], "all pages"]:
        without = [s for p, s in idle if p == page or page == "all pages"]
        under = [s for p, s in loaded if p == page or page == "all pages"]
        if not without or not under:
            print(f"{page:20} {'(no open ' + ('while training)' if without else 'without training)'):>60}")
            continue
        ratios = statistics.median(under) / statistics.median(without), p95(under) / p95(without)
        print(f"{page:20} {statistics.median(without):9.2f} {statistics.median(under):7.2f} {ratios[0]:6.2f}   "
              f"{p95(without):9.2f} {p95(under):7.2f} {ratios[1]:6.2f}   {len(without):4} {len(under):4}")
        if page != "all pages" and max(ratios) > 1.5 and not args.short:  # --short: cold, a few opens
            missed.append(f"{page} open")
    print(f"{'target':20} {'':17} {'<= 1.5':>6}   {'':17} {'<= 1.5':>6}")
    if m["alone_rate"] is not None:
        print(f"epochs per second, all runs: {m['rate']:.3f} against {m['alone_rate']:.3f} for one run alone: "
              f"{m['rate'] / m['alone_rate']:.2f} (target >= 0.95)")
    else:
        print(f"epochs per second, all runs: {m['rate']:.3f} (--short runs no run alone)")
    print(f"page opens: {len(idle)} without training, {len(loaded)} while runs went on")
    print(f"queue wait (s): median {statistics.median(m['waits']):.1f}, max {max(m['waits']):.1f}; run time from "
          f"Train (s): median {statistics.median(m['times']):.1f}, max {max(m['times']):.1f}; "
          f"errors: {len(m['errors'])}")
    print(f"server memory (MiB, training workers aside): {m['memory'][0]:.0f} "
          f"{'at the start (--short)' if args.short else 'once warm'}, {m['memory'][1]:.0f} at the end")
    for error in m["errors"][:5]:
        print("  error:", error)
    if m["alone_rate"] is not None and m["rate"] < 0.95 * m["alone_rate"]:
        missed.append("epochs per second")
    if m["errors"]:
        missed.append("errors")
    if missed:
        print("missed:", ", ".join(missed))
    return missed


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--trainers", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=6,
                        help="per run: 8 runs of 6 keep 2 slots busy about as long as the browsing goes on")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--replicas", type=int, default=0)
    parser.add_argument("--think-min", type=float, default=2.0, help="seconds a reader reads a page, at least")
    parser.add_argument("--think-max", type=float, default=6.0, help="and at most")
    parser.add_argument("--short", action="store_true", help="5 learners, 3 train one epoch, on a cold server (no "
                        "warm-up) and without the run-alone baseline: it checks that a class works, not its speed; "
                        "CI's version")
    parser.add_argument("--idle-rounds", type=int, default=2,
                        help="each reader opens every page at least this many times without training")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    if args.short:
        args.learners, args.trainers, args.epochs, args.hidden = 5, 3, 1, 128
        args.think_min, args.think_max = 0.5, 1.5
    args.think = (args.think_min, args.think_max)
    cores = len(os.sched_getaffinity(0))
    args.slots_per_server = max(1, cores // args.replicas) if args.replicas else cores
    return args


if __name__ == "__main__":
    arguments = parse()
    sys.exit(1 if report(asyncio.run(measure(arguments)), arguments) and arguments.check else 0)
