"""Two replicas behind haproxy (scripts/serve_replicas.sh): learners are spread, and each stays on one replica."""

import asyncio
import concurrent.futures
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from streamlit_client import Learner  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed "
                                "(Debian: apt-get install haproxy; scripts/setup.sh --dev installs it)")


@pytest.fixture(scope="module")
def proxy():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([str(ROOT / "scripts" / "serve_replicas.sh"), "2", str(port)], cwd=ROOT,
                               env={**os.environ, "NN_GROUND_UP_SLOTS": "1"}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        for line in process.stdout:
            if line.startswith("Serving"):
                break
        else:
            pytest.fail("the replicas did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


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
