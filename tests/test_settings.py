"""Settings tables: values from a link or a file are checked, clamped or ignored with a notice, never raising."""

import pytest

from core.settings import SHARED, Setting, Table, lr_setting
from registry import LESSONS

TABLE = Table((
    Setting("N", "N (batch size)", 64, min=1, max=512),
    Setting("noise", "noise", 0.01, "float", min=0.0, max=10.0),
    lr_setting("lr", "learning rate", 1e-6),
    Setting("broken", "broken", False, "bool"),
    Setting("versions", "versions", ["scratch"], "multi", options=("scratch", "concise")),
))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_every_lesson_table_is_valid_and_round_trips_through_a_link(lesson):
    table = lesson.settings()
    assert table.names and len(set(table.names)) == len(table.names)
    assert not set(table.names) & set(SHARED.names)
    changed = {}
    for s in table.settings:  # a value other than the default for each setting
        if s.kind == "bool":
            changed[s.name] = not s.default
        elif s.kind in ("int", "float"):
            changed[s.name] = type(s.default)(s.max)
        elif s.kind == "choice":
            changed[s.name] = next(o for o in s.options if o != s.default)
        elif s.kind == "multi":
            changed[s.name] = list(s.options[-1:])
    params = table.to_params(changed)
    assert set(params) == set(changed)
    values, notices = table.from_params(params)
    assert values == changed and notices == []
    for preset in table.presets.values():
        assert table.from_params(table.to_params(preset))[0] == table.defaults() | dict(preset)


def test_hostile_values_are_clamped_or_ignored_with_a_notice():
    values, notices = TABLE.from_params({"N": "99999", "noise": "nan", "lr": "0.00013", "broken": "maybe",
                                         "versions": "concise,evil", "foo": "1", "x" * 500: "y"})
    assert values == {"N": 512, "noise": 0.01, "lr": 1e-4, "broken": False, "versions": ["concise"]}
    text = "\n".join(notices)
    assert "above the largest allowed, 512" in text and "nearest, 1e-04" in text
    assert "“foo” is not a setting" in text and "not on or off" in text and "dropped “evil”" in text
    assert len(notices) == 7 and max(map(len, notices)) < 200  # a 500-character key is shortened


def test_a_very_long_value_is_ignored_and_markup_is_neutralised():
    values, notices = TABLE.from_params({"N": "1" * 10_000, "versions": "`<script>`*"})
    assert values["N"] == 64 and "10,000 characters" in notices[0]
    assert "<script>" not in notices[1] and "`" not in notices[1]


def test_only_changed_values_go_into_a_link_and_differences_are_found():
    assert TABLE.to_params(TABLE.defaults()) == {}
    assert TABLE.to_params(TABLE.defaults() | {"lr": 1e-4}) == {"lr": "0.0001"}
    runs = [TABLE.defaults(), TABLE.defaults() | {"lr": 1e-4}, TABLE.defaults() | {"lr": 1e-4}]
    assert TABLE.differing(runs) == ["lr"]
    assert TABLE.describe(runs[1], ["lr", "N"]) == "lr = 1e-04, N = 64"


def test_a_bad_table_or_preset_is_refused_when_declared():
    with pytest.raises(ValueError, match="not a valid value"):
        Table((Setting("N", "N", 1000, min=1, max=512),))
    with pytest.raises(ValueError, match="not a setting"):
        Table(TABLE.settings, presets={"p": {"M": 3}})


def shown_without_state(widget) -> object:
    """What a browser that has no value of its own for the widget shows after this run: the value, if the server
    sent it (set_value), else the widget's default."""
    proto, kind = widget.proto, type(widget).__name__
    if kind in ("Selectbox", "Radio"):
        return widget.options[proto.default] if proto.set_value is False else widget.options[widget.index]
    if kind in ("Multiselect", "SelectSlider"):
        indices = list(widget.indices) if proto.set_value else list(proto.default)
        return [widget.options[int(i)] for i in indices]
    if kind == "Slider":  # a range slider's two ends, or one value
        return (list(proto.value) if proto.set_value else list(proto.default)), list(proto.default)
    return (proto.value if proto.set_value else proto.default), proto.default


@pytest.mark.parametrize("slug", ["torch_optim", "mlp"])
def test_a_control_the_browser_has_not_drawn_yet_arrives_with_the_kept_value(slug, tiny_dir):
    """A page's first run is cut short when the learner changes a control drawn early; a control the browser had
    not drawn by then arrives in the next run with set_value false, and the browser shows its default. That default
    must be the value the server keeps (the MLP page's browser test showed every number at its minimum and no version
    chosen, while the server trained with the defaults)."""
    from helpers import open_page
    lesson = next(lesson for lesson in LESSONS if lesson.slug == slug)
    table = lesson.settings()
    number = next(s for s in table.settings if s.kind == "int" and not s.widget)
    linked = {s.name: s for s in table.settings if s.kind in ("int", "multi", "choice")}  # not the table's defaults
    query = table.to_params({name: (int(s.min) + 1 if s.kind == "int" else list(s.options[-1:]) if s.kind == "multi"
                                    else s.options[-1]) for name, s in linked.items()})
    at = open_page(slug, query={**query, **({"data_dir": tiny_dir} if slug == "mlp" else {})})
    if slug == "mlp":
        at.text_input(key="data_dir").set_value(tiny_dir).run()
    at.number_input(key=f"{lesson.prefix}_{number.name}").set_value(number.min).run()  # the learner's change
    keys = {f"{lesson.prefix}_{name}" for name in table.names}
    widgets = [w for w in (*at.number_input, *at.get("select_slider"), *at.multiselect, *at.selectbox, *at.radio,
                           *at.toggle, *at.slider) if w.key in keys]
    assert len(widgets) >= 4 and any(not w.proto.set_value for w in widgets)
    for widget in widgets:
        shown, value, kind = shown_without_state(widget), widget.value, type(widget).__name__
        if isinstance(shown, tuple):  # a number, a toggle, a slider: (what the browser shows, the default sent)
            assert shown[1] == pytest.approx(value if kind != "Slider" else [value]), widget.key
        elif kind in ("Multiselect", "SelectSlider"):
            assert shown == [widget.format_func(v) for v in (value if isinstance(value, list | tuple) else [value])], \
                widget.key
        else:
            assert shown == widget.format_func(value), widget.key


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_a_page_reads_its_settings_as_one_record_by_name(lesson):
    table = lesson.settings()
    values = table.defaults()
    record = table.record(values)
    assert {name: getattr(record, name) for name in table.names} == values
    assert type(table.record(values)) is type(record)  # one record type per table
    with pytest.raises(AttributeError):
        record.lr = 1.0  # frozen: a page cannot change a setting behind its control's back
    with pytest.raises(AttributeError):
        _ = record.not_a_setting
