"""The sandbox: a normal submission returns its arrays; every hostile one gets a clear message, the tests live on."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.sandbox import CALL_SECONDS, Sandbox, SandboxError, run_once

ROOT = Path(__file__).resolve().parents[1]


def run(body: str, **arrays):
    """Run `def f(a):` with this body on a = [0, 1, 2] (or the given arrays)."""
    code = "def f(a):\n" + "\n".join("    " + line for line in body.splitlines())
    return run_once(code, "f", ["a"], ["b"], **(arrays or {"a": np.arange(3.0)}))


def test_a_normal_submission_returns_its_arrays_and_what_it_printed():
    reply = run("print('shape', a.shape)\nreturn np.maximum(a - 1, 0) @ np.ones((3, 2))")
    np.testing.assert_array_equal(reply.outputs["b"], np.maximum(np.arange(3.0) - 1, 0) @ np.ones((3, 2)))
    assert reply.printed == "shape (3,)\n"


def test_one_sandbox_serves_many_calls_and_starts_fast():
    with Sandbox("def f(a):\n    return a * 2", "f", ["a"], ["b"]) as sandbox:
        for k in range(3):
            np.testing.assert_array_equal(sandbox.call(a=np.full(4, k)).outputs["b"], np.full(4, 2 * k))
        assert sandbox.startup_seconds < 3  # NumPy only: about 0.2 s on an idle machine


HOSTILE = [
    ("import os\nreturn a", "`import os` is not allowed"),
    ("return open('/etc/passwd').read()", "`open` is not available here"),
    ("return ().__class__.__base__.__subclasses__()", '"__class__" is an invalid attribute name'),
    ("return a.tofile('/tmp/sandbox-escape')", "`.tofile` is not available"),
    ("return np.zeros((100_000, 125_000))", "more than the 768 MB of memory"),  # 100 GB of float64
    ("x = [0] * 10**11\nreturn a", "more than the 768 MB of memory"),
    ("print('x' * 100_000_000)\nreturn a", "printed more than 10,000 characters"),
    ("import os\nos.fork()\nreturn a", "`import os` is not allowed"),
    ("return 'not an array'", "b should be an array, but your code gave a str"),
]


@pytest.mark.parametrize("body, message", HOSTILE, ids=[h[1][:30] for h in HOSTILE])
def test_a_hostile_submission_gets_a_clear_message(body, message):
    with pytest.raises(SandboxError) as caught:
        run(body)
    assert message in str(caught.value)
    assert not os.path.exists("/tmp/sandbox-escape")


# Routes that read a '_' name without writing one: format strings walk attributes ('{0.__globals__}') with no
# attribute access in the code. Each was open with a guard that refused only "...".format.
FORMAT_ROUTES = [
    ("def g():\n    pass\nreturn '{g.__globals__}'.format_map({'g': g})", "format_map"),
    ("def g():\n    pass\nreturn str.format('{0.__globals__}', g)", "format"),
    ("return str.format_map('{x.__class__.__mro__}', {'x': a})", "format_map"),
    ("return a.astype(str)[0].format_map({'a': a})", "format_map"),  # NumPy's str_ is a str too
    ("return '{0.gi_frame.f_globals}'.format(x for x in a)", "format"),
]


@pytest.mark.parametrize("body, name", FORMAT_ROUTES, ids=[r[0].splitlines()[-1][7:40] for r in FORMAT_ROUTES])
def test_no_format_string_reads_a_hidden_attribute(body, name):
    with pytest.raises(SandboxError, match=f"`.{name}` is not available in exercises"):
        run(body)


def test_the_attribute_guard_is_restricted_pythons_with_this_sandboxs_additions():
    from core.sandbox_worker import DENIED_ATTRIBUTES, SandboxRefusal, guarded_getattr
    generator = (x for x in range(2))
    for obj, name in [(str, "format"), ("{}", "format_map"), (generator, "gi_frame"), (generator, "gi_code"),
                      (print, "__self__"), (np.ones(2), "__array_interface__")]:  # the library's refusals
        with pytest.raises(SandboxRefusal, match=f"`.{name}` is not available"):
            guarded_getattr(obj, name)
    for name in DENIED_ATTRIBUTES:  # this sandbox's own: NumPy's files, raw memory and the class tree
        with pytest.raises(SandboxRefusal):
            guarded_getattr(np.float64 if name == "mro" else np.ones(2), name)
    with pytest.raises(AttributeError, match="has no attribute 'nonexistent'") as missing:
        guarded_getattr(np.ones(2), "nonexistent")  # a plain mistake keeps Python's own words
    assert not isinstance(missing.value, SandboxRefusal)
    assert guarded_getattr(np.ones((2, 3)), "shape") == (2, 3) and guarded_getattr("a b", "split")() == ["a", "b"]


def test_an_endless_loop_is_stopped_at_the_time_limit():
    start = time.perf_counter()
    with pytest.raises(SandboxError, match="took longer than"):
        run("while True:\n    pass")
    assert time.perf_counter() - start < CALL_SECONDS + 3


def test_the_test_process_is_unharmed_after_every_hostile_case():
    for body, _ in HOSTILE[:3]:
        with pytest.raises(SandboxError):
            run(body)
    assert run("return a + 1").outputs["b"].tolist() == [1.0, 2.0, 3.0]


def test_the_child_cannot_fork_even_when_the_server_runs_as_root():
    # the language already refuses `import os`; this is the wall beneath it, the worker's own limits
    code = ("import os, sys; sys.path.insert(0, sys.argv[1]); from sandbox_worker import limit; limit(768, 10); "
            "print(os.getuid()); os.fork()")
    result = subprocess.run([sys.executable, "-I", "-c", code, str(ROOT / "core")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0 and "BlockingIOError" in result.stderr, result.stderr
    assert result.stdout.strip() != "0"  # not root any more


def test_code_longer_than_the_limit_is_refused_before_any_process_starts():
    from core.sandbox import MAX_CODE_CHARS, Sandbox, SandboxError
    box = Sandbox("x = 1\n" * (MAX_CODE_CHARS // 6 + 1), "f", [], [])
    with pytest.raises(SandboxError, match="at most 20,000"):
        box.__enter__()
    assert box.process is None
