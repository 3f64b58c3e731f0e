"""The graph autograd records for lesson 1's tiny network, and the order in which backward() runs it.

The forward pass is the one of the autograd stage (`ladder.torch_autograd`) on lesson 1's tiny step-through
network: same sizes, same seed, float64. Walking `loss.grad_fn` and its `next_functions` lists the nodes; a hook
on each node records, as backward() really runs, the gradient it received and the gradients it passed on.
"""

from dataclasses import dataclass

import numpy as np
import torch

from core import i18n
from core.backprop_numpy.network import make_problem
from core.backprop_numpy.stepper import TINY
from core.i18n import N_


def forward(X: torch.Tensor, y: torch.Tensor, W1: torch.Tensor, W2: torch.Tensor) -> torch.Tensor:
    """Return the loss of the autograd stage's forward pass; autograd records every operation as it runs."""
    y_hat = X.mm(W1).clamp(min=0).mm(W2)  # (N, D_out)
    return (y_hat - y).pow(2).sum()


@dataclass
class Node:
    """One node of the recorded graph: a backward function, or AccumulateGrad for a weight."""

    name: str  # its class: SumBackward0, MmBackward0, AccumulateGrad, ...
    leaf: str | None  # the weight an AccumulateGrad node adds into ("W1", "W2"), else None
    next: list[int | None]  # next_functions: the node each input's gradient goes to; None where none is needed


@dataclass
class Visit:
    """One node as backward() ran it: what it received and what it passed on, one entry per input."""

    node: int  # index into Graph.nodes
    received: list[np.ndarray | None]  # gradients of the node's outputs (grad_outputs)
    passed_on: list[np.ndarray | None]  # gradients of its inputs (grad_inputs), sent to `next` in order


@dataclass
class Graph:
    """The nodes reachable from loss.grad_fn (the first is loss.grad_fn), the visits in order, and the results."""

    nodes: list[Node]
    visits: list[Visit]
    loss: float
    grads: dict[str, np.ndarray]  # W1.grad and W2.grad after backward()

    @property
    def edges(self) -> list[tuple[int, int, int]]:
        """Return (from node, to node, input number) for every gradient a node passes on."""
        return [(i, j, k) for i, node in enumerate(self.nodes) for k, j in enumerate(node.next) if j is not None]


def as_arrays(grads: tuple[torch.Tensor | None, ...]) -> list[np.ndarray | None]:
    """Return the gradients as NumPy copies (None stays None)."""
    return [None if g is None else g.detach().cpu().numpy().copy() for g in grads]


def record(seed: int = 0) -> Graph:
    """Return the graph of the tiny network's loss and its nodes in the order loss.backward() ran them."""
    p = make_problem(**TINY, seed=seed)
    X, y = torch.tensor(p.X), torch.tensor(p.y)  # float64, like lesson 1's arrays
    W1, W2 = torch.tensor(p.W1, requires_grad=True), torch.tensor(p.W2, requires_grad=True)
    loss = forward(X, y, W1, W2)

    functions = [loss.grad_fn]  # breadth first from the loss; a node reached twice is listed once
    for fn in functions:
        for child, _ in fn.next_functions:
            if child is not None and not any(child is f for f in functions):
                functions.append(child)
    index = {id(f): i for i, f in enumerate(functions)}
    leaves = {id(W1): "W1", id(W2): "W2"}
    nodes = [Node(type(f).__name__, leaves.get(id(getattr(f, "variable", None))),
                  [None if child is None else index[id(child)] for child, _ in f.next_functions])
             for f in functions]

    visits: list[Visit] = []
    for i, f in enumerate(functions):  # a node's hook runs right after the node itself, in the engine's order
        f.register_hook(lambda grad_inputs, grad_outputs, i=i:
                        visits.append(Visit(i, as_arrays(grad_outputs), as_arrays(grad_inputs))))
    loss.backward()
    return Graph(nodes, visits, loss.item(), {"W1": W1.grad.numpy(), "W2": W2.grad.numpy()})


def label(graph: Graph, i: int) -> str:
    """Return a node's name, with the weight it accumulates into for an AccumulateGrad node."""
    node = graph.nodes[i]
    return f"{node.name} → {node.leaf}.grad" if node.leaf else node.name


def shape(a: np.ndarray) -> str:
    """Return a shape as '4 × 5' ('scalar' for 0-d)."""
    return " × ".join(map(str, a.shape)) or i18n._("scalar")


def dot(graph: Graph) -> str:
    """Return the graph in Graphviz DOT: gradients flow down from the loss, each node numbered by its visit."""
    visit_of = {v.node: k + 1 for k, v in enumerate(graph.visits)}
    passed = {v.node: v.passed_on for v in graph.visits}
    lines = ["digraph autograd {", '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", '
             'fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];',
             '  loss [label="loss", shape=ellipse, fillcolor="#fde2e2"];', "  loss -> n0;"]
    for i, node in enumerate(graph.nodes):
        fill = ', fillcolor="#e3f4e1"' if node.leaf else ""
        lines.append(f'  n{i} [label="{visit_of.get(i, "?")}. {label(graph, i)}"{fill}];')
    for i, j, k in graph.edges:
        grad = passed.get(i, [None] * (k + 1))[k]
        lines.append(f'  n{i} -> n{j} [label="{shape(grad) if grad is not None else ""}"];')
    return "\n".join(lines + ["}"])


def values(a: np.ndarray | None) -> str:
    """Return a small array's entries to 3 decimals on one line, row by row."""
    if a is None:
        return "None"
    text = np.array2string(np.atleast_1d(a), precision=3, suppress_small=True, separator=", ")
    return " ".join(text.split())  # one line: a table cell wraps it


def visit_table(graph: Graph) -> list[dict[str, str]]:
    """Return one row per visit, in the order backward() ran the nodes: what each received and passed on."""
    rows = []
    for k, visit in enumerate(graph.visits):
        node = graph.nodes[visit.node]
        sent = [i18n._("to {node}: {values}").format(node=label(graph, j), values=values(g)) if j is not None
                else i18n._("None: this input needs no gradient") for j, g in zip(node.next, visit.passed_on)]
        rows.append({N_("visit"): str(k + 1), N_("node"): label(graph, visit.node),
                     N_("receives"): "; ".join(f"{shape(g)} {values(g)}" for g in visit.received if g is not None),
                     N_("passes on"): "; ".join(sent) or i18n._("nothing: adds it into the weight's .grad")})
    return rows
