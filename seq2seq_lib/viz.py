"""Plots and explorers: training curves, metric-by-length curves, and widget
explorers whose views are pre-rendered so they stay interactive in the static book."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

LABELS = {
    "train_loss": "training loss (nats/token)",
    "valid_loss": "validation loss (nats/token)",
    "valid_exact_match": "validation exact match",
    "valid_token_accuracy": "validation token accuracy",
    "valid_perplexity": "validation perplexity",
    "teacher_forcing": "teacher-forcing ratio",
}


def plot_history(histories, metrics: Sequence[str] = ("train_loss", "valid_exact_match"),
                 x: str = "epoch", title: str | None = None, logy: Sequence[str] = ()) -> Figure:
    """One panel per metric, one line per run.

    ``histories`` is a :class:`~seq2seq_lib.train.History` or a mapping
    ``{run name: History}``. Metrics listed in ``logy`` get a log scale.
    """
    if not isinstance(histories, Mapping):
        histories = {"": histories}
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.3 * len(metrics) + 1.0, 3.3), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for name, hist in histories.items():
            ys = hist[metric]
            if any(v is None for v in ys):
                raise ValueError(f"run {name!r} has no {metric!r} (was it trained with a validation set?)")
            ax.plot(hist[x], ys, marker="o", markersize=3, label=name or None)
        ax.set_xlabel(x)
        ax.set_ylabel(LABELS.get(metric, metric))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if metric in logy:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if any(histories):  # one legend for all panels, below them, covering no curve
        handles, labels = axes[0][0].get_legend_handles_labels()
        rows = -(-len(labels) // 3)
        fig.subplots_adjust(bottom=0.2 + 0.07 * rows)
        fig.legend(handles, labels, loc="lower center", ncol=min(3, len(labels)), fontsize=9, frameon=False)
    return fig


def plot_by_length(curves: Mapping[str, Mapping[int, float]], ylabel: str = "exact match",
                   train_range: tuple[int, int] | None = None, title: str | None = None) -> Figure:
    """Metric against sequence length, one line per model; shades the training lengths."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    if train_range is not None:
        ax.axvspan(train_range[0] - 0.5, train_range[1] + 0.5, color="0.9", label="training lengths")
    for name, curve in curves.items():
        lengths = sorted(curve)
        ax.plot(lengths, [curve[n] for n in lengths], marker="o", markersize=3, label=name)
    ax.set_xlabel("source length (tokens)")
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def figure_png(fig: Figure, dpi: int = 100, close: bool = True) -> bytes:
    """Render a figure to PNG bytes (and close it, so it is not shown twice)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    if close:
        plt.close(fig)
    return buf.getvalue()


def stack_explorer(views: Mapping[str, Figure | bytes | str], description: str = "view",
                   initial: str | None = None):
    """A dropdown that switches between pre-rendered views, with no Python callback.

    Each view (a Figure, PNG bytes, or an HTML string) is rendered now; the
    dropdown and a ``widgets.Stack`` are joined with ``widgets.jslink``, which
    runs in the browser. So the explorer works in the static HTML book, where
    no kernel runs, as well as in Jupyter and on Colab. ``initial`` is the label
    of the view shown first (default: the first).
    """
    import ipywidgets as widgets

    if not views:
        raise ValueError("stack_explorer needs at least one view")
    labels = list(views)
    if initial is not None and initial not in views:
        raise ValueError(f"initial view {initial!r} is not one of {labels}")
    start = labels.index(initial) if initial is not None else 0
    children = []
    for view in views.values():
        if isinstance(view, Figure):
            view = figure_png(view)
        if isinstance(view, bytes):
            children.append(widgets.Image(value=view, format="png"))
        else:
            children.append(widgets.HTML(value=view))
    if not hasattr(widgets, "Stack"):  # ipywidgets 7 (older Colab images): tabs also switch in the browser
        tabs = widgets.Tab(children, selected_index=start)
        for i, label in enumerate(labels):
            tabs.set_title(i, label)
        tabs.add_class("s2s-explorer")
        return tabs
    stack = widgets.Stack(children, selected_index=start)
    control = widgets.Dropdown(options=labels, index=start, description=description,
                               style={"description_width": "initial"})
    link = widgets.jslink((control, "index"), (stack, "selected_index"))
    box = widgets.VBox([control, stack])
    box.links = [link]  # keep the browser-side link alive with the explorer
    box.add_class("s2s-explorer")
    return box
