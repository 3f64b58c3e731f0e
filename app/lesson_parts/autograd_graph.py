"""Lesson 2's recorded graph: the nodes of lesson 1's tiny forward pass, and the order backward() ran them."""

import streamlit as st

import ui
from core.backprop_numpy import stepper
from core.backprop_numpy.gradcheck import relative_error
from core.i18n import _
from core.tensors_autograd import graph


def show(seed: int, text: str) -> None:
    """Draw the graph for the sidebar's seed, the visits in order, and the match with lesson 1's gradients."""
    st.markdown(text)
    recorded = graph.record(seed)
    by_hand = {name: array for step in stepper.one_iteration(seed) for name, array in step.arrays.items()}
    gaps = {name: relative_error(recorded.grads[name], by_hand[f"grad_{name}"]) for name in ("W1", "W2")}
    left, right = st.columns([2, 3])
    with left:
        st.graphviz_chart(graph.dot(recorded))
        st.caption(_("Seed {seed}; N, D_in, H, D_out = {sizes}, float64 on the CPU. Each node is numbered by when "
                     "backward() ran it; an edge's label is the shape of the gradient it carries.").format(
            seed=seed, sizes=", ".join(map(str, stepper.TINY.values()))))
        ui.metrics(*((_("{name}.grad vs lesson 1's grad_{name}").format(name=name), f"{gap:.1e}",
                      _("largest difference over the largest entry")) for name, gap in gaps.items()))
    with right:
        st.table([{_(k): v for k, v in row.items()} for row in graph.visit_table(recorded)], hide_index=True)
    ui.show_source(graph.forward, graph.record, height=360, calls=[ui.call_text(graph.record, seed)])
