"""Page tests for lessons 2-4: every page runs, its main controls change what it shows, bad input is a message."""

import pytest

from core import autograd_ladder as ladder
from core import nn_lesson as nl
from core import optim_lesson as ol
from helpers import chart_traces, open_page


@pytest.fixture(scope="module")
def autograd_page():
    return open_page("tensors_autograd")


def test_autograd_page_overlays_the_four_core_runs(autograd_page):
    traces = chart_traces(autograd_page, "ta_loss")
    assert [t["name"] for t in traces] == list(ladder.STAGES)
    expected = ladder.run_stage("torch autograd", seed=0)
    assert traces[2]["y"] == pytest.approx(expected.losses, rel=1e-12)
    assert any("True" in s.value for s in autograd_page.success)  # gradcheck verdict
    shown = "\n".join(c.value for c in autograd_page.code)
    assert "class MyReLU(torch.autograd.Function)" in shown and "+        loss.backward()" in shown
    assert "a leaf Variable that requires grad" in shown


def test_autograd_page_controls(autograd_page):
    at = autograd_page
    at.select_slider(key="ta_lr").set_value(5e-7).run()
    assert chart_traces(at, "ta_loss")[0]["y"] == pytest.approx(ladder.run_stage("NumPy by hand", lr=5e-7).losses)
    at.toggle(key="ta_zero").set_value(True).run()
    assert [t["name"] for t in chart_traces(at, "ta_accum_loss")] == ["zeroing"]
    at.select_slider(key="ta_lr").set_value(1e-4).run()
    assert sum("diverged at iteration" in e.value for e in at.error) == 4
    at.multiselect(key="ta_stages").set_value([]).run()
    assert not at.exception and any("at least one implementation" in w.value for w in at.warning)


def test_nn_page_shows_identical_curves_and_the_init_experiment():
    at = open_page("torch_nn")
    curves = chart_traces(at, "nn_loss")
    assert curves[0]["y"] == curves[1]["y"] == pytest.approx(nl.train().losses)
    default_init, normal_init = chart_traces(at, "nn_init")
    assert default_init["y"][-1] > 100 * normal_init["y"][-1]
    at.toggle(key="nn_normal").set_value(False).run()
    assert chart_traces(at, "nn_loss")[0]["y"] == pytest.approx(nl.train(normal_init=False).losses)
    at.number_input(key="nn_H").set_value(30).run()
    assert "30 × 1000" in at.table[0].value["shape"].tolist()
    at.toggle(key="nn_normal").set_value(True).run()
    at.select_slider(key="nn_lr").set_value(1e-3).run()
    assert any("diverged at iteration" in e.value for e in at.error) and not at.exception


def test_optim_page_race_paths_and_six_points():
    at = open_page("torch_optim")
    race = chart_traces(at, "op_race")
    assert [t["name"] for t in race] == list(ol.OPTIMIZERS)
    assert len({t["y"][0] for t in race}) == 1  # same start
    assert any(m.value == "100%" for m in at.metric)  # six points with the seed's settings
    at.select_slider(key="op_lr_SGD").set_value(1e-5).run()
    sgd = ol.race({"SGD": 1e-5})["SGD"]
    assert chart_traces(at, "op_race")[0]["y"] == pytest.approx(sgd.losses, rel=1e-6)
    at.selectbox(key="op_surface").set_value("Rosenbrock").run()
    assert "Rosenbrock" in at.get("plotly_chart")[1].proto.spec
    at.multiselect(key="op_chosen").set_value([]).run()
    assert not at.exception and any("at least one optimizer" in w.value for w in at.warning)
