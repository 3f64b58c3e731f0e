"""A learner without a browser: Streamlit's own websocket protocol, spoken the way its frontend speaks it.

Each `Learner` is one browser tab: it opens a page (one session), presses buttons and polls fragments when the
server asks for it (auto_rerun), and records how long each script run took. It costs the machine a few
milliseconds per message instead of a Chromium renderer per tab, so a class of them measures the server, not the
load generator. Used by bench/bench_load.py and tests/test_replicas.py.
"""

import asyncio
import http.cookies
import time
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {0: "ok", 1: "compile error", 2: "rerun", 3: "fragment ok"}


@dataclass
class Learner:
    base: str  # http://127.0.0.1:8501
    page: str = ""  # the page's url path: "" for Home, "mlp"
    query: str = ""  # the link's query string: "num_epochs=1&num_hiddens=128"
    cookie: str = ""  # sent with every request, as a browser sends its cookies: "name=value; name=value"
    # (a sticky proxy's, the learner key the server gave this browser)
    texts: list[str] = field(default_factory=list)  # every markdown, caption, error and exception text seen
    buttons: dict[str, str] = field(default_factory=dict)  # label -> widget id
    numbers: dict[str, tuple[str, bool]] = field(default_factory=dict)  # label -> (widget id, holds integers)
    errors: list[str] = field(default_factory=list)
    replica: str = ""  # the X-Replica header of the page's first response, behind the proxy
    page_hash: str = ""  # the page's script hash, as the server named it: reruns must name it too
    _ws: object = None
    _fragments: dict[str, float] = field(default_factory=dict)  # fragment id -> seconds between reruns

    async def open(self, timeout: float = 120.0) -> float:
        """Load the page as a new tab does (its HTML, then its websocket and first script run): the seconds."""
        start = time.perf_counter()
        await asyncio.to_thread(self._get_html)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self._ws = await websockets.connect(self.base.replace("http", "ws", 1) + "/_stcore/stream",
                                            subprotocols=["streamlit"], additional_headers=headers,
                                            max_size=2 ** 26, open_timeout=timeout)
        await self._rerun()
        await self._until_finished(timeout)
        return time.perf_counter() - start

    def _get_html(self) -> None:
        headers = {"Accept": "text/html"} | ({"Cookie": self.cookie} if self.cookie else {})  # as a browser asks
        request = urllib.request.Request(f"{self.base}/{self.page}", headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            self.replica = response.headers.get("X-Replica", "")
            jar = http.cookies.SimpleCookie(self.cookie)
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in http.cookies.SimpleCookie(header).items():
                    if not name.startswith("_streamlit"):
                        jar[name] = morsel.value
            self.cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())

    async def click(self, label: str, timeout: float = 120.0) -> float:
        """Press the button labelled `label`; the seconds the rerun took. A page that has not drawn it yet (a busy
        server may end a first run early) is run again, as a learner would reload it, up to three times."""
        for _ in range(3):
            if label in self.buttons:
                break
            await self._rerun()
            await self._until_finished(timeout)
        if label not in self.buttons:
            raise LookupError(f"no {label!r} button on {self.page or 'home'} after three runs; it drew "
                              f"{sorted(self.buttons)} and said {self.texts[-3:]}; errors {self.errors}")
        start = time.perf_counter()
        await self._rerun([WidgetState(id=self.buttons[label], trigger_value=True)])
        await self._until_finished(timeout)
        return time.perf_counter() - start

    async def set_number(self, label: str, value: float, timeout: float = 120.0) -> float:
        """Type `value` into the number input labelled `label`; the seconds the rerun took."""
        start = time.perf_counter()
        widget_id, integer = self.numbers[label]
        state = WidgetState(id=widget_id, int_value=int(value)) if integer else WidgetState(id=widget_id,
                                                                                          double_value=value)
        await self._rerun([state])
        await self._until_finished(timeout)
        return time.perf_counter() - start

    async def poll_until(self, *texts: str, timeout: float = 300.0) -> float:
        """Run the page's fragments whenever the server asks (as the frontend's timers do) until one of `texts`
        shows."""
        start = time.perf_counter()
        due = {fid: time.perf_counter() + every for fid, every in self._fragments.items()}
        while not any(text in t for t in self.texts for text in texts):
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"none of {texts} appeared within {timeout} s")
            if not self._fragments:
                await asyncio.sleep(0.2)
                await self._rerun()
                await self._until_finished(timeout)
                continue
            fid, at = min(due.items(), key=lambda item: item[1])
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            await self._rerun(fragment_id=fid)
            await self._until_finished(timeout)
            due = {f: due.get(f, time.perf_counter()) for f in self._fragments}
            if fid in due:
                due[fid] = time.perf_counter() + self._fragments[fid]
        return time.perf_counter() - start

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def _rerun(self, widgets: list | None = None, fragment_id: str = "") -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_name = self.page
        state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend(widgets or [])
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        await self._ws.send(msg.SerializeToString())

    async def _until_finished(self, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        this_run: dict[str, float] = {}
        while True:
            raw = await asyncio.wait_for(self._ws.recv(), max(0.1, deadline - time.perf_counter()))
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._read(msg.delta)
            elif kind == "navigation" and msg.navigation.page_script_hash:
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "new_session":
                this_run = {}
            elif kind == "auto_rerun":  # a fragment drawn in this run asks to be rerun every `interval` seconds
                this_run[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
                self._fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "script_finished":
                if msg.script_finished == 1:
                    self.errors.append("compile error")
                if msg.script_finished == 0:  # a whole run: only the fragments it drew go on polling
                    self._fragments = this_run
                if msg.script_finished != 2:
                    return

    def _read(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "markdown":
            self.texts.append(element.markdown.body)
        elif kind == "alert":
            self.texts.append(element.alert.body)
        elif kind == "exception":
            self.errors.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "number_input":
            self.numbers[element.number_input.label] = (element.number_input.id,
                                                        element.number_input.data_type == 0)  # INT
        elif kind == "button":
            self.buttons[element.button.label] = element.button.id
        elif kind == "progress":
            self.texts.append(element.progress.text)
