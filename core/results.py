"""What a trained FashionMNIST classifier did: histories, confusion matrix, gallery picks, weight images."""

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from core.charts import LAYOUT
from core.classifiers import ACTIVATIONS, cross_entropy, naive_softmax, softmax
from core.fashion_mnist import CLASSES
from core.training import History


def history_figure(histories: dict[str, History]) -> go.Figure:
    """Training loss per epoch (left) and train/test accuracy per epoch (right), one colour per version."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training loss", "accuracy"))
    colors = px.colors.qualitative.Plotly
    for i, (name, h) in enumerate(histories.items()):
        epochs = [e.epoch + 1 for e in h.epochs]
        color = colors[i % len(colors)]
        fig.add_trace(go.Scatter(x=epochs, y=[e.train_loss for e in h.epochs], name=f"{name}: loss",
                                 mode="lines+markers", line_color=color), row=1, col=1)
        fig.add_trace(go.Scatter(x=epochs, y=[e.train_acc for e in h.epochs], name=f"{name}: train acc",
                                 mode="lines+markers", line=dict(color=color, dash="dot")), row=1, col=2)
        fig.add_trace(go.Scatter(x=epochs, y=[e.test_acc for e in h.epochs], name=f"{name}: test acc",
                                 mode="lines+markers", line_color=color), row=1, col=2)
    fig.update_xaxes(title_text="epoch", dtick=1)
    fig.update_layout(**{**LAYOUT, "height": 360})
    return fig


def confusion_matrix(probs: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """counts[true, predicted] over the test set, (10, 10)."""
    pred = probs.argmax(dim=1).cpu()
    return torch.bincount(labels.cpu() * 10 + pred, minlength=100).reshape(10, 10).numpy()


def gallery_picks(probs: torch.Tensor, labels: torch.Tensor, true_class: int | None = None,
                  pred_class: int | None = None, mistakes_only: bool = False, limit: int = 24) -> list[int]:
    """Indices of test images to show: optionally those with one true/predicted pair, or only mistakes."""
    pred, labels = probs.argmax(dim=1).cpu(), labels.cpu()
    keep = torch.ones_like(labels, dtype=torch.bool)
    if true_class is not None:
        keep &= labels == true_class
    if pred_class is not None:
        keep &= pred == pred_class
    if mistakes_only:
        keep &= pred != labels
    return keep.nonzero().flatten()[:limit].tolist()


def top_probabilities(probs: torch.Tensor, index: int, k: int = 3) -> list[tuple[str, float]]:
    """The k most probable classes for one image, with their probabilities."""
    p, c = probs[index].cpu().topk(k)
    return [(CLASSES[int(j)], float(q)) for q, j in zip(p, c)]


def weight_images_figure(W: torch.Tensor, titles: list[str], columns: int = 5) -> go.Figure:
    """Show columns of a (784, k) weight matrix as 28x28 images: red positive, blue negative."""
    images = W.detach().cpu().T.reshape(-1, 28, 28).numpy()
    limit = float(np.abs(images).max()) or 1.0
    fig = px.imshow(images, facet_col=0, facet_col_wrap=columns, color_continuous_scale="RdBu_r",
                    zmin=-limit, zmax=limit, facet_col_spacing=0.01, facet_row_spacing=0.06)
    for annotation in fig.layout.annotations:
        annotation.text = titles[int(annotation.text.split("=")[1])]
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    rows = -(-len(images) // columns)
    fig.update_layout(margin=dict(l=10, r=10, t=30, b=10), height=150 * rows + 40, coloraxis_showscale=False)
    return fig


def activation_figure(name: str) -> go.Figure:
    """The activation and its hand-written derivative on [-5, 5]."""
    f, df = ACTIVATIONS[name]
    z = torch.linspace(-5, 5, 201)
    fig = go.Figure([go.Scatter(x=z.numpy(), y=f(z).numpy(), name=f"{name}(z)"),
                     go.Scatter(x=z.numpy(), y=df(z).numpy(), name=f"{name}'(z)", line_dash="dash")])
    fig.update_layout(title=f"{name} and its derivative", xaxis_title="z", **{**LAYOUT, "height": 300})
    return fig


def overflow_demo(scale: float) -> dict[str, float]:
    """Cross-entropy of logits [1, 2, 3] * scale (true class 0), the naive way and the log-sum-exp way."""
    O = torch.tensor([[1.0, 2.0, 3.0]]) * scale  # float32, like real training
    y = torch.tensor([0])
    naive = cross_entropy(naive_softmax(O), y).item()
    log_probs = O - torch.logsumexp(O, dim=1, keepdim=True)  # log softmax, never exponentiating a large number
    return {"largest logit": O.max().item(), "exp(largest logit)": torch.exp(O.max()).item(),
            "naive: -log(softmax)": naive, "max-shifted softmax": cross_entropy(softmax(O), y).item(),
            "log-sum-exp": -log_probs[0, 0].item()}
