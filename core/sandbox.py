"""Run a learner's function in a separate, limited process, so no submission can touch the server.

Two walls. The language: the child compiles the code with RestrictedPython (no imports, no names or attributes
starting with "_", no file, class or frame access), reads every attribute through RestrictedPython's own
safer_getattr (which also refuses the format strings that would walk to a "_" name) plus a few NumPy refusals of
its own, and gives it only the arrays of the call plus `np` and
`torch` namespaces holding a short list of array functions, never a real module (numpy's submodules reach `os`).
The operating system: the child is a fresh `python -I core/sandbox_worker.py` (not a fork of the server, which
would share its memory and state) in its own process group, with hard limits on address space, CPU time, file
size (0), open files (the three pipes) and processes (0: no fork; a server running as root first hands the child
to the unprivileged user nobody, as root ignores that limit); the parent kills the group at a wall-clock
deadline and refuses an oversized reply. Messages are .npz archives read with allow_pickle=False, so a reply
cannot run code in the server. The child knows no language: the first message carries its sentences
(sandbox_worker.SENTENCES) translated here, and it sends back each error's line apart from its sentence.

Why NumPy only: measured on the 2-core CI machine, a child that imports NumPy is ready in about 0.2 s and 25 MB,
one that imports torch needs 2.7-5 s and 640 MB, longer than the time limit itself. The torch exercises therefore
get `Tensor`, a torch-like class over NumPy in the worker that whitelists the operations they need (clone, mm,
t, sum(dim=...), indexing, zero_, torch.no_grad(), ...) and refuses an in-place change of a parameter outside
`torch.no_grad()` with torch's own message. The answer key stays real torch autograd, in the server.
"""

import io
import json
import os
import selectors
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.i18n import _
from core.sandbox_worker import SENTENCES

WORKER = Path(__file__).with_name("sandbox_worker.py")
MEMORY_MB = 768  # address space of the child: NumPy and its libraries take about 400 MB of it
CPU_SECONDS = 10  # of CPU time over the child's life (a training run makes many calls)
CALL_SECONDS = 3.0  # wall-clock time for one call
START_SECONDS = 10.0  # wall-clock time to start (a loaded 2-core machine can be slow)
REPLY_LIMIT = 32 << 20  # bytes of one reply
MAX_CODE_CHARS = 20_000  # a learner's code: an exercise's solution is under 2,000
ENV = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class SandboxError(Exception):
    """The learner's code failed or was stopped; str() is the sentence to show."""


@dataclass
class Reply:
    """What one call of the learner's function gave back."""

    outputs: dict[str, np.ndarray]
    printed: str


def encode(meta: dict, arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """Return one length-prefixed message."""
    buffer = io.BytesIO()
    np.savez(buffer, **(arrays or {}), **{"meta.json": np.frombuffer(json.dumps(meta).encode(), np.uint8)})
    return struct.pack(">Q", buffer.tell()) + buffer.getvalue()


def decode(payload: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """Return (meta, arrays) of a message body, never unpickling anything."""
    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    return json.loads(arrays.pop("meta.json").tobytes().decode()), arrays


class Sandbox:
    """A child process holding one compiled learner function; call it with arrays, close it when done."""

    def __init__(self, code: str, function: str, arguments: list[str], returns: list[str],
                 flavour: str = "numpy", groups: dict[str, list[str]] | None = None, state: list[str] = ()):
        self.meta = {"code": code, "function": function, "arguments": arguments, "returns": returns,
                     "flavour": flavour, "groups": groups or {}, "state": list(state),
                     "sentences": {key: _(text) for key, text in SENTENCES.items()}}  # the child knows no language
        self.process: subprocess.Popen | None = None
        self.startup_seconds = 0.0

    def __enter__(self) -> "Sandbox":
        if len(self.meta["code"]) > MAX_CODE_CHARS:
            raise SandboxError(_("Your code is {length:,} characters long; at most {limit:,} are accepted.").format(
                length=len(self.meta["code"]), limit=MAX_CODE_CHARS))
        start = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(WORKER), str(MEMORY_MB), str(CPU_SECONDS)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV, cwd="/", start_new_session=True)
        meta = self.exchange(encode(self.meta), START_SECONDS)[0]
        self.startup_seconds = time.perf_counter() - start
        if "error" in meta:
            self.close()
            raise SandboxError(_("Your code cannot run here: {error}").format(error=meta["error"]))
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Kill the child and everything it started."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                stream.close()

    def call(self, **arrays: np.ndarray) -> Reply:
        """Run the function once on these inputs ("W.grad" gives tensor W its gradient)."""
        message = encode({}, {k: np.asarray(v) for k, v in arrays.items()})
        meta, outputs = self.exchange(message, CALL_SECONDS)
        if "error" in meta:
            sentence = (_("Your code failed: {error}") if meta.get("line") is None
                        else _("Your code stopped at line {line}: {error}"))
            raise SandboxError(sentence.format(line=meta.get("line"), error=meta["error"]))
        return Reply(outputs, meta.get("printed", ""))

    def exchange(self, message: bytes, seconds: float) -> tuple[dict, dict[str, np.ndarray]]:
        """Send one message and return the reply, within `seconds` and REPLY_LIMIT bytes, or raise SandboxError."""
        deadline = time.monotonic() + seconds
        process = self.process
        if process.poll() is not None:
            raise SandboxError(self.death_sentence(timed_out=False))
        os.set_blocking(process.stdin.fileno(), False)
        reply, expected = bytearray(), None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if message:
                selector.register(process.stdin, selectors.EVENT_WRITE)
            view = memoryview(message)
            while expected is None or len(reply) < expected + 8:
                remaining = deadline - time.monotonic()
                events = selector.select(remaining) if remaining > 0 else []
                if not events:
                    self.close()
                    raise SandboxError(self.death_sentence(timed_out=True))
                for key, _mask in events:
                    if key.fileobj is process.stdin:
                        try:
                            view = view[os.write(process.stdin.fileno(), view[:1 << 16]):]
                        except BrokenPipeError:
                            view = view[:0]
                        if not view:
                            selector.unregister(process.stdin)
                        continue
                    chunk = os.read(process.stdout.fileno(), 1 << 16)
                    if not chunk:
                        self.close()
                        raise SandboxError(self.death_sentence(timed_out=False))
                    reply += chunk
                    if expected is None and len(reply) >= 8:
                        (expected,) = struct.unpack(">Q", reply[:8])
                        if expected > REPLY_LIMIT:
                            self.close()
                            raise SandboxError(_("Your code's answer was larger than {mb} MB.").format(
                                mb=REPLY_LIMIT >> 20))
        return decode(bytes(reply[8:]))

    def death_sentence(self, timed_out: bool) -> str:
        """Return why the child stopped, in words."""
        code = self.process.wait()
        if timed_out:
            return _("Your code took longer than {seconds:g} s and was stopped: is there a loop that never "
                     "ends?").format(seconds=CALL_SECONDS)
        if code == -signal.SIGXCPU:
            return _("Your code used more than {seconds} s of processor time and was stopped.").format(
                seconds=CPU_SECONDS)
        if code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
            return _("Your code was stopped: most likely it needed more than the {mb} MB of memory it may "
                     "use.").format(mb=MEMORY_MB)
        return _("Your code stopped the sandbox (exit code {code}).").format(code=code)


def run_once(code: str, function: str, arguments: list[str], returns: list[str], flavour: str = "numpy",
             groups: dict[str, list[str]] | None = None, state: list[str] = (), **arrays: np.ndarray) -> Reply:
    """Start a sandbox, call the function once on `arrays`, and stop it."""
    with Sandbox(code, function, arguments, returns, flavour, groups, state) as sandbox:
        return sandbox.call(**arrays)
