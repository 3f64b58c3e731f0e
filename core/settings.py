"""Each lesson declares its settings once, as a table of typed rows (after TensorFlow Playground's State.PROPS).

The table drives the page's controls, the presets, the query parameters of a shareable link and the settings kept
with each run; and it checks every value that arrives from outside (a link, an imported file): a value out of range
is clamped, a malformed or unknown one is ignored, and each gets a notice that says so. Nothing here raises on
bad input.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, make_dataclass
from typing import Any

from core.i18n import LANGUAGES, N_, _

MAX_TEXT = 200  # longest value accepted from a link or a file, in characters
LR_CHOICES = tuple(float(f"{m}e{e}") for e in range(-9, 1) for m in (1, 2, 3, 5))  # 1e-9 ... 5, exact literals
KINDS = ("int", "float", "bool", "choice", "multi", "text")
TYPES = {"int": int, "float": float, "bool": bool, "choice": Any, "multi": list, "text": str}  # a value's, per kind


@dataclass(frozen=True)
class Setting:
    """One control: its name (a function argument and a query parameter), label, kind, range, default and help."""

    name: str
    label: str
    default: Any
    kind: str = "int"  # one of KINDS
    min: float | None = None  # for int and float
    max: float | None = None
    options: tuple = ()  # for choice and multi
    step: float | None = None
    help: str = ""
    fmt: str = ""  # format spec for showing a number, e.g. ".0e"
    labels: Callable[[Any], str] | None = None  # how to show an option, when fmt is not enough
    widget: str = ""  # number, slider, select_slider, selectbox, radio, toggle, multiselect, text ("" picks by kind)
    in_run: bool = True  # part of what a run records (False: it changes only a side experiment or the view)
    in_link: bool = False  # always in a link, even at its default (the language: else the browser's would decide)

    def show(self, value: Any) -> str:
        """The value as the page shows it."""
        if self.kind == "multi":
            return ", ".join(self.show_one(v) for v in value) or _("none")
        return self.show_one(value)

    def show_one(self, value: Any) -> str:
        if self.labels is not None:
            return self.labels(value)
        if self.kind == "bool":
            return _("on") if value else _("off")
        if self.fmt and isinstance(value, (int, float)):
            return format(value, self.fmt)
        return str(value)

    def encode(self, value: Any) -> str:
        """The value as a query parameter."""
        if self.kind == "multi":
            return ",".join(map(self.encode_one, value))
        return self.encode_one(value)

    def encode_one(self, value: Any) -> str:
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            return repr(value)  # shortest exact form: 1e-06, 0.05
        return str(value)

    def parse(self, text: str) -> tuple[Any, str | None]:
        """Turn a query-parameter value into a valid value and an optional notice; raise ValueError if unusable."""
        text = text.strip()
        if self.kind == "bool":
            if text.lower() in ("1", "true", "on", "yes"):
                return True, None
            if text.lower() in ("0", "false", "off", "no"):
                return False, None
            raise ValueError(_("is not on or off (1 or 0)"))
        if self.kind == "int":
            try:
                number = int(text)
            except ValueError:
                raise ValueError(_("is not a whole number")) from None
            return self.clamp(number)
        if self.kind == "float":
            try:
                number = float(text)
            except ValueError:  # Python's own words, in the page's language
                raise ValueError(_("could not convert string to float: {text}").format(text=repr(text))) from None
            if not math.isfinite(number):
                raise ValueError(_("is not a finite number"))
            return self.clamp(number)
        if self.kind == "choice":
            return self.choose(text)
        if self.kind == "multi":
            chosen, dropped = [], []
            for part in filter(None, (p.strip() for p in text.split(","))):
                try:
                    value = self.choose(part, snap=False)[0]
                except ValueError:
                    dropped.append(part)
                    continue
                if value not in chosen:
                    chosen.append(value)
            chosen = [o for o in self.options if o in chosen]  # in the table's order
            return chosen, (_("dropped {values}: not among the options").format(values=", ".join(map(quote, dropped)))
                            if dropped else None)
        return text, None

    def clamp(self, number: float) -> tuple[float, str | None]:
        if self.min is not None and number < self.min:
            return type(number)(self.min), _("{value} is below the smallest allowed, {limit}").format(
                value=number, limit=self.show(self.min))
        if self.max is not None and number > self.max:
            return type(number)(self.max), _("{value} is above the largest allowed, {limit}").format(
                value=number, limit=self.show(self.max))
        return number, None

    def choose(self, text: str, snap: bool = True) -> tuple[Any, str | None]:
        """The option whose query form is `text`; a number between options snaps to the nearest one."""
        for option in self.options:
            if self.encode_one(option) == text or str(option) == text:
                return option, None
        numeric = [o for o in self.options if isinstance(o, (int, float)) and not isinstance(o, bool)]
        if snap and numeric:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if math.isfinite(number):
                positive = number > 0 and all(o > 0 for o in numeric)  # compare on a log scale (learning rates)
                distance = (lambda o: abs(math.log(o / number))) if positive else (lambda o: abs(o - number))
                nearest = min(numeric, key=distance)
                return nearest, _("{value} is not one of the choices: using the nearest, {nearest}").format(
                    value=text, nearest=self.show(nearest))
        raise ValueError(_("is not one of the choices"))

    def check(self, value: Any) -> None:
        """Raise ValueError unless `value` is a valid value of this setting (for the table's own defaults)."""
        parsed, notice = self.parse(self.encode(value))
        if notice or parsed != value:
            raise ValueError(f"{self.name}: {value!r} is not a valid value ({notice or parsed!r})")


def quote(text: str, limit: int = 40) -> str:
    """Show untrusted text safely in a notice: printable characters only, shortened, in quotes."""
    clean = "".join(c if c.isprintable() and c not in "`*_[]<>\\$" else "?" for c in text)
    return f"“{clean[:limit]}{'…' if len(clean) > limit else ''}”"


def lr_setting(name: str, label: str, default: float, **kwargs) -> Setting:
    """A learning rate on a log scale: 1, 2, 3, 5 in each decade from 1e-9 to 5."""
    return Setting(name, label, default, "choice", options=LR_CHOICES, fmt=".0e", widget="select_slider", **kwargs)


@dataclass(frozen=True)
class Table:
    """A lesson's settings, in the order the page shows them, with named presets."""

    settings: tuple[Setting, ...]
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self):
        for s in self.settings:
            if s.kind not in KINDS:
                raise ValueError(f"{s.name}: unknown kind {s.kind!r}")
            s.check(s.default)
        for name, preset in self.presets.items():
            for key, value in preset.items():
                if key not in self.names:
                    raise ValueError(f"preset {name!r} sets {key!r}, which is not a setting")
                self[key].check(value)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.settings]

    def __getitem__(self, name: str) -> Setting:
        return next(s for s in self.settings if s.name == name)

    def defaults(self) -> dict[str, Any]:
        return {s.name: s.default for s in self.settings}

    def run_names(self) -> list[str]:
        """The settings a run records."""
        return [s.name for s in self.settings if s.in_run]

    def record(self, values: Mapping[str, Any]) -> Any:
        """The values as one record: a frozen dataclass with a typed field per setting, read by name (`.lr`), so
        that nothing depends on the order of the table."""
        if "_record" not in self.__dict__:  # made once per table (a frozen dataclass keeps it in its __dict__)
            fields = [(s.name, TYPES[s.kind]) for s in self.settings]
            object.__setattr__(self, "_record", make_dataclass("Settings", fields, frozen=True))
        return self.__dict__["_record"](**{name: values[name] for name in self.names})

    def from_params(self, params: Mapping[str, str | Iterable[str]], ignore: Iterable[str] = ()
                    ) -> tuple[dict[str, Any], list[str]]:
        """Values from query parameters (defaults for the rest) and a notice for each value not taken as it was, in
        the current language."""
        values, notices = self.defaults(), []
        for key, raw in params.items():
            if key in ignore:
                continue
            text = raw if isinstance(raw, str) else ",".join(raw)
            if len(key) > MAX_TEXT or key not in self.names:
                notices.append(_("{name} is not a setting of this lesson: ignored").format(name=quote(key)))
                continue
            setting = self[key]
            label = _(setting.label)
            if len(text) > MAX_TEXT:
                notices.append(_("{setting}: a value {length:,} characters long was ignored").format(
                    setting=label, length=len(text)))
                continue
            try:
                values[key], notice = setting.parse(text)
            except ValueError as err:
                notices.append(_("{setting}: {value} {problem}; using {default}").format(
                    setting=label, value=quote(text), problem=err, default=setting.show(setting.default)))
                continue
            if notice:
                notices.append(_("{setting}: {notice}").format(setting=label, notice=notice))
        return values, notices

    def from_values(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Check typed values (from an imported file) the same way as query parameters."""
        params = {}
        for key, value in values.items():
            if isinstance(value, (list, tuple)) and key in self.names and self[key].kind == "multi":
                params[key] = ",".join(map(str, value))
            elif isinstance(value, (str, int, float, bool)):
                params[key] = self[key].encode_one(value) if key in self.names else str(value)
            else:
                params[key] = repr(value)[:MAX_TEXT + 1]
        return self.from_params(params)

    def to_params(self, values: Mapping[str, Any]) -> dict[str, str]:
        """The query parameters for `values`: only those that differ from the default, to keep links short."""
        return {s.name: s.encode(values[s.name]) for s in self.settings
                if s.name in values and (values[s.name] != s.default or s.in_link)}

    def describe(self, values: Mapping[str, Any], names: Iterable[str] | None = None) -> str:
        """'lr = 1e-04, H = 50': the named settings (all by default) as the page shows them."""
        names = self.names if names is None else list(names)
        return ", ".join(f"{n} = {self[n].show(values[n])}" for n in names if n in values and n in self.names)

    def differing(self, runs: Iterable[Mapping[str, Any]]) -> list[str]:
        """The settings whose values are not all the same across `runs`, in table order."""
        runs = list(runs)
        return [n for n in self.names if len({repr(r.get(n)) for r in runs}) > 1]


# ---- the sidebar's settings, shared by every lesson --------------------------------------------------------

SHARED = Table((
    Setting("lang", N_("Language"), "en", "choice", options=tuple(LANGUAGES), labels=LANGUAGES.get, widget="radio",
            in_run=False, in_link=True,
            help=N_("Kept in the link. Without one, your browser's preferred language decides.")),
    Setting("device", N_("Device"), "auto", "text", help=N_("Only devices that are really present are offered. "
                                                            "NumPy lessons always run on the CPU.")),
    Setting("seed", N_("Random seed"), 0, min=0, max=2**31 - 1, help=N_("Same seed, same data, same initial "
                                                                        "weights, same curves.")),
))
