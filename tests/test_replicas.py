"""Two replicas behind haproxy (scripts/serve_replicas.sh): learners are spread, and each stays on one replica."""

import asyncio
import concurrent.futures
import http.cookies
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import postgres
import pytest

from core import store
from fashion_fixtures import real_data_or_skip

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from streamlit_client import Learner  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed "
                                "(Debian: apt-get install haproxy; scripts/setup.sh --dev installs it)")


@dataclass
class Replicas:
    url: str  # the proxy's
    processes: dict[str, int]  # replica name -> its server's process id
    database: str  # the PostgreSQL the script started, which the replicas share


@pytest.fixture(scope="module")
def replicas():
    """scripts/serve_replicas.sh 2, with the PostgreSQL it starts itself (not the tests' own database)."""
    if postgres.binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed")
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "NN_GROUND_UP_DATABASE_URL"} | {"NN_GROUND_UP_SLOTS": "1"}
    process = subprocess.Popen([str(ROOT / "scripts" / "serve_replicas.sh"), "2", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    processes, database = {}, ""
    try:
        for line in process.stdout:
            if found := re.match(r"Replica (r\d+): process (\d+)", line):
                processes[found[1]] = int(found[2])
            elif line.startswith("Learners' work: "):
                database = line.split(": ", 1)[1].strip()
            elif line.startswith("Serving"):
                break
        else:
            pytest.fail("the replicas did not start")
        yield Replicas(f"http://127.0.0.1:{port}", processes, database)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def proxy(replicas):
    return replicas.url


def in_thread(coroutine):
    """Run a coroutine to its end in a thread of its own: the browser tests' Playwright keeps an event loop running
    in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_two_learners_are_spread_and_each_stays_on_its_replica(proxy):
    async def scenario():
        first = Learner(proxy, "linear_regression")
        await first.open()
        second = Learner(proxy, "linear_regression")
        await second.open()  # the first learner's websocket is still open: the other replica has fewer
        found = {"first": first.replica, "second": second.replica,
                 "first websocket": first._ws.response.headers.get("X-Replica")}
        again = []
        for _ in range(4):  # the same learner, coming back (a reload, a reconnect): the cookie decides
            tab = Learner(proxy, "torch_nn", cookie=first.cookie)
            await tab.open()
            again.append((tab.replica, tab._ws.response.headers.get("X-Replica")))
            assert not tab.errors and any("nn.Module" in t for t in tab.texts), tab.errors
            await tab.close()
        assert not first.errors and not second.errors
        await first.close()
        await second.close()
        return found, again

    found, again = in_thread(scenario())
    assert {found["first"], found["second"]} == {"r1", "r2"}
    assert found["first websocket"] == found["first"]  # the page's websocket reached the replica that served it
    assert again == [(found["first"], found["first"])] * 4


def test_a_learner_whose_replica_dies_finds_their_work_on_the_other(replicas):
    """Kill the replica a learner is on, mid-run: on the other, every finished run is there, and the run that was
    training shows as Failed with the epochs it had learned. Last in this file: it kills a replica of the module's
    servers (xdist runs a module's tests in file order on each process, each with servers of its own)."""
    real_data_or_skip()
    kept = store.Store(replicas.database)

    async def scenario():
        first = Learner(replicas.url, "backprop_numpy")  # lesson 1 keeps its default run
        await first.open()
        await first.close()
        training = Learner(replicas.url, "mlp", "num_epochs=30&num_hiddens=256&batch_size=256&versions=scratch",
                           cookie=first.cookie)  # about a minute: it is still training when its replica dies
        await training.open()
        await training.click("Train")
        try:
            await training.poll_until("scratch: epoch", timeout=120)
        except TimeoutError as err:
            raise AssertionError(f"{err}; the page said {training.texts[-8:]}, errors {training.errors}") from None
        key = store.verify(http.cookies.SimpleCookie(first.cookie)["nn_learner"].value, kept.secret())
        learner = kept.learner_for_key(key)
        for _ in range(90):  # its record so far is kept every few seconds while it trains
            so_far = kept.load(learner).runs.get("mlp")
            if so_far and so_far[0].curves.get("scratch") and so_far[0].curves["scratch"].num_epochs >= 1:
                break
            await asyncio.sleep(1)
        os.kill(replicas.processes[training.replica], signal.SIGKILL)  # the replica dies, its run with it
        await asyncio.sleep(3)  # the proxy's health check finds it gone
        back = Learner(replicas.url, "", cookie=training.cookie)
        await back.open()
        await back.close()
        return first.replica, back.replica, back.texts, kept.load(learner)

    dead, alive, texts, found = in_thread(scenario())
    assert alive != dead
    assert any("(2 run(s)" in t for t in texts), texts  # Home on the other replica: both runs
    [lost] = found.runs["mlp"]
    assert lost.status == "failed" and "stopped before the run ended" in lost.message
    assert lost.curves["scratch"].num_epochs >= 1  # what it had learned
    assert [r.status for r in found.runs["backprop_numpy"]] == ["finished"]
