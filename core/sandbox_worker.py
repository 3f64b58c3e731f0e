"""The child process of core/sandbox.py: runs one learner function under RestrictedPython and OS limits.

Run as `python -I core/sandbox_worker.py MEMORY_MB CPU_SECONDS`; it imports nothing from the project. Messages in
both directions are length-prefixed .npz archives read with allow_pickle=False; "meta.json" holds the JSON part.
"""

import io
import json
import operator
import os
import resource
import struct
import sys
import traceback

import numpy as np
from RestrictedPython import compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr

FILENAME = "<your code>"
PRINT_LIMIT = 10_000  # characters of print() output kept per call
# Refused on top of RestrictedPython's safer_getattr, which knows nothing of NumPy: arrays' files and pickles
# (tofile, dump, dumps), raw memory (ctypes), and the class tree from a type or an array (mro, base).
DENIED_ATTRIBUTES = {"ctypes", "tofile", "dump", "dumps", "mro", "base"}
NUMPY_NAMES = ("abs", "arange", "clip", "dot", "exp", "eye", "log", "matmul", "max", "maximum", "mean", "min",
               "minimum", "ones", "ones_like", "outer", "sign", "sqrt", "square", "sum", "tanh", "where", "zeros",
               "zeros_like")


def N_(message: str) -> str:
    """Mark a sentence for translation (Babel extracts it); this process knows no language and imports no project."""
    return message


# What the sandbox says to the learner, by key. The server sends them translated in the first message (see
# core/sandbox.py), so a refusal reads in the learner's language; until then they are English.
SENTENCES = {
    "attribute": N_("`.{name}` is not available in exercises."),
    "write": N_("a {kind} cannot be changed here."),
    "import": N_("`import {name}` is not allowed: use only the names you are given (np, torch, ...)."),
    "name": N_("`{name}` is not available here: use only the names you are given (np, torch, ...)."),
    "printed": N_("it printed more than {limit:,} characters; print only small things."),
    "not_array": N_("{name} should be an array, but your code gave a {kind}."),
    "no_function": N_("define a function called `{function}`."),
    "returns": N_("`{function}` should return {count} values ({names}); yours returned {returned}."),
    "memory": N_("it needed more than the {mb} MB of memory it may use."),
    "recursion": N_("it called itself too deeply."),
}
said = dict(SENTENCES)  # replaced by the server's translations


def say(key: str, **values) -> str:
    """Return the sentence `key` in the learner's language, its {names} filled in."""
    return said[key].format(**values)


class SandboxRefusal(Exception):
    """Something the sandbox will not do: say(key, **values) is the sentence to show."""

    def __init__(self, key: str, **values):
        super().__init__(say(key, **values))


# ---- torch-like tensors over NumPy (torch itself takes 3 s to import; see core/sandbox.py) ------------------

GRAD_ENABLED = [True]


def unwrap(x):
    """Return the NumPy array inside a Tensor (index tuples too), or x itself."""
    if isinstance(x, tuple):
        return tuple(unwrap(v) for v in x)
    return x._a if isinstance(x, Tensor) else x


class Tensor:
    """The part of torch.Tensor the exercises need, always float64 (int64 for labels); no autograd."""

    def __init__(self, a, requires_grad: bool = False):
        self._a = np.asarray(unwrap(a))
        self.requires_grad = requires_grad
        self.grad = None

    def _check_inplace(self):
        if self.requires_grad and GRAD_ENABLED[0]:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")

    def _inplace(self, fn, other):
        self._check_inplace()
        self._a[...] = fn(self._a, unwrap(other))
        return self

    def __repr__(self):
        return f"tensor({self._a!r})"

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (Tensor(row) for row in self._a)

    def __getitem__(self, index):
        return Tensor(self._a[unwrap(index)])

    def __setitem__(self, index, value):
        self._check_inplace()
        self._a[unwrap(index)] = unwrap(value)

    @property
    def shape(self):
        return self._a.shape

    @property
    def T(self):
        return Tensor(self._a.T)

    def size(self, dim=None):
        return self._a.shape if dim is None else self._a.shape[dim]

    def dim(self):
        return self._a.ndim

    def numel(self):
        return self._a.size

    def item(self):
        return self._a.item()

    def clone(self):
        return Tensor(self._a.copy())

    def detach(self):
        return Tensor(self._a)

    def t(self):
        return Tensor(self._a.T)

    def mm(self, other):
        return Tensor(self._a @ unwrap(other))

    matmul = mm

    def sum(self, dim=None, keepdim=False):
        return Tensor(self._a.sum(axis=dim, keepdims=keepdim))

    def mean(self, dim=None, keepdim=False):
        return Tensor(self._a.mean(axis=dim, keepdims=keepdim))

    def exp(self):
        return Tensor(np.exp(self._a))

    def log(self):
        return Tensor(np.log(self._a))

    def tanh(self):
        return Tensor(np.tanh(self._a))

    def sigmoid(self):
        return Tensor(1 / (1 + np.exp(-self._a)))

    def pow(self, p):
        return Tensor(self._a ** unwrap(p))

    def abs(self):
        return Tensor(np.abs(self._a))

    def clamp(self, min=None, max=None):
        return Tensor(np.clip(self._a, min, max))

    def float(self):
        return Tensor(self._a.astype(np.float64))  # float64 here, so the check is exact

    double = float

    def reshape(self, *shape):
        return Tensor(self._a.reshape(*shape))

    view = reshape

    def zero_(self):
        return self._inplace(lambda a, _: 0, None)

    def add_(self, other):
        return self._inplace(operator.add, other)

    def sub_(self, other):
        return self._inplace(operator.sub, other)

    def mul_(self, other):
        return self._inplace(operator.mul, other)


def _binary(fn, reflected=False):
    if reflected:
        return lambda self, other: Tensor(fn(unwrap(other), self._a))
    return lambda self, other: Tensor(fn(self._a, unwrap(other)))


for _name, _fn in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                   ("truediv", operator.truediv), ("matmul", operator.matmul), ("pow", operator.pow)]:
    setattr(Tensor, f"__{_name}__", _binary(_fn))
    setattr(Tensor, f"__r{_name}__", _binary(_fn, reflected=True))
    setattr(Tensor, f"__i{_name}__", lambda self, other, fn=_fn: self._inplace(fn, other))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(Tensor, f"__{_name}__", _binary(getattr(operator, _name)))
Tensor.__neg__ = lambda self: Tensor(-self._a)
Tensor.__hash__ = object.__hash__


class NoGrad:
    """torch.no_grad(): in-place changes of parameters are allowed inside it."""

    def __enter__(self):
        GRAD_ENABLED[0] = False

    def __exit__(self, *exc):
        GRAD_ENABLED[0] = True


class Ctx:
    """What an autograd Function's backward receives as ctx."""

    def __init__(self, saved_tensors):
        self.saved_tensors = tuple(saved_tensors)


class Namespace:
    """A module-like object holding only the functions it is given."""

    def __init__(self, **functions):
        self.__dict__.update(functions)


def tensor_function(fn):
    """Wrap a NumPy function to take and return Tensors."""
    return lambda *args, **kwargs: Tensor(fn(*(unwrap(a) for a in args), **kwargs))


NUMPY = Namespace(**{name: getattr(np, name) for name in NUMPY_NAMES})
TORCH = Namespace(no_grad=NoGrad, tensor=Tensor, arange=tensor_function(np.arange),
                  exp=tensor_function(np.exp), log=tensor_function(np.log), tanh=tensor_function(np.tanh),
                  sigmoid=tensor_function(lambda a: 1 / (1 + np.exp(-a))), where=tensor_function(np.where),
                  zeros_like=tensor_function(np.zeros_like), ones_like=tensor_function(np.ones_like),
                  clamp=tensor_function(np.clip), maximum=tensor_function(np.maximum),
                  mm=tensor_function(np.matmul), matmul=tensor_function(np.matmul))

# ---- the restricted language ---------------------------------------------------------------------------------


MISSING = object()


def guarded_getattr(obj, name):
    """Return obj.name through RestrictedPython's safer_getattr (no '_' names, no format() or format_map() of str or
    of the str type, no string.Formatter, no frame or code attributes), refusing DENIED_ATTRIBUTES too."""
    if name in DENIED_ATTRIBUTES:
        raise SandboxRefusal("attribute", name=name)
    try:  # given a default, the library raises only when it refuses the name: a missing one comes back as MISSING
        value = safer_getattr(obj, name, MISSING)
    except (AttributeError, NotImplementedError):
        raise SandboxRefusal("attribute", name=name) from None  # said in the learner's language
    return getattr(obj, name) if value is MISSING else value  # a missing attribute is Python's AttributeError


def guarded_write(obj):
    """Allow item and attribute writes only on arrays, tensors, lists and dicts the code holds."""
    if isinstance(obj, (np.ndarray, Tensor, list, dict)):
        return obj
    raise SandboxRefusal("write", kind=type(obj).__name__)


def refuse_import(name, globals=None, locals=None, fromlist=None, level=0):
    """Refuse every import statement; give NumPy's C code the submodules it looks up (it passes fromlist=[])."""
    if fromlist == [] and name.startswith("numpy.") and name in sys.modules:
        return sys.modules[name]
    raise SandboxRefusal("import", name=name)


INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
           "@=": operator.imatmul, "**=": operator.ipow}


def inplace(op, x, y):
    """Apply an augmented assignment `x op y` in place, as Python would."""
    return INPLACE[op](x, y)


class Printed:
    """Collects print() output of one call, refusing more than PRINT_LIMIT characters."""

    def __init__(self):
        self.parts, self.size = [], 0

    def collector(self, _getattr_=None):
        printed = self

        class Collector:
            def write(self, text):
                printed.size += len(text)
                if printed.size > PRINT_LIMIT:
                    raise SandboxRefusal("printed", limit=PRINT_LIMIT)
                printed.parts.append(text)

            def _call_print(self, *objects, **kwargs):
                kwargs["file"] = self
                print(*objects, **kwargs)

            def __call__(self):
                return "".join(printed.parts)
        return Collector()


def builtins() -> dict:
    """Return RestrictedPython's safe builtins without classes or setattr, plus harmless iteration helpers."""
    allowed = {k: v for k, v in safe_builtins.items() if k not in ("__build_class__", "setattr", "delattr")}
    allowed.update(min=min, max=max, sum=sum, zip=zip, enumerate=enumerate, list=list, tuple=tuple, dict=dict,
                   sorted=sorted, reversed=reversed, any=any, all=all, map=map, __import__=refuse_import)
    return allowed


# ---- one call ------------------------------------------------------------------------------------------------


def to_array(name: str, value) -> np.ndarray:
    """Return a returned value as a numeric array, or refuse it with a sentence."""
    value = unwrap(value)
    if isinstance(value, (int, float, np.ndarray, np.number)) and not isinstance(value, bool):
        array = np.asarray(value)
        if array.dtype.kind in "biuf":
            return array
    raise SandboxRefusal("not_array", name=name, kind=type(value).__name__)


def run_call(code, meta: dict, arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], str]:
    """Run the learner's function on the inputs; return the named outputs and what it printed."""
    torch_like = meta["flavour"] == "torch"
    inputs = {k: v for k, v in arrays.items() if not k.endswith(".grad")}
    if torch_like:
        inputs = {k: Tensor(v, requires_grad=f"{k}.grad" in arrays) if v.ndim else v for k, v in inputs.items()}
        for k, t in inputs.items():
            if isinstance(t, Tensor) and t.requires_grad:
                t.grad = Tensor(arrays[f"{k}.grad"].copy())
    values = {k: v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v for k, v in inputs.items()}  # lr
    for group, names in meta.get("groups", {}).items():  # e.g. params = [W1, W2]; ctx.saved_tensors = (input,)
        members = [inputs[n] for n in names]
        values[group] = Ctx(members) if group == "ctx" else members
    printed = Printed()
    scope = {"__builtins__": builtins(), "np": NUMPY, "torch": TORCH, "_getattr_": guarded_getattr,
             "_getitem_": default_guarded_getitem, "_getiter_": iter, "_write_": guarded_write,
             "_inplacevar_": inplace, "_print_": printed.collector, "_unpack_sequence_": guarded_unpack_sequence,
             "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "__name__": "exercise"}
    GRAD_ENABLED[0] = True
    exec(code, scope)
    function = scope.get(meta["function"])
    if not callable(function):
        raise SandboxRefusal("no_function", function=meta["function"])
    result = function(*(values[a] for a in meta["arguments"]))
    names = meta["returns"]
    if len(names) > 1:
        if not isinstance(result, (tuple, list)) or len(result) != len(names):
            count = len(result) if isinstance(result, (tuple, list)) else 1
            raise SandboxRefusal("returns", function=meta["function"], count=len(names), names=", ".join(names),
                                 returned=count)
    else:
        result = [result] if names else []
    outputs = {name: to_array(name, value) for name, value in zip(names, result)}
    for name in meta.get("state", []):  # inputs changed in place (an SGD step), read back from our own objects
        base, _, grad = name.partition(".")
        tensor = inputs[base]
        value = tensor.grad if grad else tensor
        outputs[name] = np.zeros(0) if value is None else to_array(name, value)
    return outputs, "".join(printed.parts)


def learner_error(error: BaseException) -> dict:
    """Return the error as one sentence, and the line of the learner's code it came from (None when unknown)."""
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == FILENAME]
    line = lines[-1] if lines else None
    if isinstance(error, SandboxRefusal):
        return {"error": str(error), "line": line}
    if isinstance(error, NameError):
        name = str(error).split("'")[1] if "'" in str(error) else str(error)
        return {"error": say("name", name=name), "line": line}
    return {"error": f"{type(error).__name__}: {error}", "line": line}  # Python's own words, as Python wrote them


# ---- messages ------------------------------------------------------------------------------------------------


def read_message(stream) -> tuple[dict, dict[str, np.ndarray]] | None:
    """Return (meta, arrays) of the next message, or None at the end of input."""
    header = stream.read(8)
    if len(header) < 8:
        return None
    (size,) = struct.unpack(">Q", header)
    with np.load(io.BytesIO(stream.read(size)), allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(arrays.pop("meta.json").tobytes().decode())
    return meta, arrays


def write_message(stream, meta: dict, arrays: dict[str, np.ndarray] | None = None) -> None:
    """Write one length-prefixed message."""
    buffer = io.BytesIO()
    np.savez(buffer, **(arrays or {}), **{"meta.json": np.frombuffer(json.dumps(meta).encode(), np.uint8)})
    payload = buffer.getvalue()
    stream.write(struct.pack(">Q", len(payload)) + payload)
    stream.flush()


NOBODY = 65534  # the unprivileged user and group of Debian and most Linux systems


def limit(memory_mb: int, cpu_seconds: int) -> None:
    """Cap memory, CPU time, file size, open files and child processes, for good (hard limits too)."""
    if os.getuid() == 0:  # root ignores the process limit: a server run as root hands the child to nobody first
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))  # no fork, whatever the language lets through
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))  # stdin, stdout, stderr and nothing more


def warm_up() -> None:
    """Import everything a call needs now: once the limits are set, no module file can be opened."""
    buffer = io.BytesIO()
    write_message(buffer, {}, {"a": np.ones(2)})
    buffer.seek(0)
    read_message(buffer)
    code = compile_restricted_exec("def f(a):\n    print(a)\n    return a.sum()", FILENAME).code
    for flavour in ("numpy", "torch"):
        run_call(code, {"flavour": flavour, "function": "f", "arguments": ["a"], "returns": ["s"]}, {"a": np.ones(2)})


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    warm_up()
    limit(int(sys.argv[1]), int(sys.argv[2]))
    setup = read_message(stdin)
    if setup is None:
        return
    meta, _ = setup
    said.update({key: text for key, text in meta.get("sentences", {}).items() if key in said})
    compiled = compile_restricted_exec(meta["code"], FILENAME)
    if compiled.errors:
        write_message(stdout, {"error": "; ".join(compiled.errors)})
        return
    write_message(stdout, {"ok": True})
    while (message := read_message(stdin)) is not None:
        call, arrays = message
        try:
            outputs, printed = run_call(compiled.code, {**meta, **call}, arrays)
        except MemoryError:
            write_message(stdout, {"error": say("memory", mb=sys.argv[1])})
            continue
        except RecursionError:
            write_message(stdout, {"error": say("recursion")})
            continue
        except Exception as error:  # any mistake in the learner's code becomes a sentence
            write_message(stdout, learner_error(error))
            continue
        write_message(stdout, {"printed": printed}, outputs)


if __name__ == "__main__":
    main()
