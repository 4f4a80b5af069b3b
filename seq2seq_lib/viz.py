"""Plots and explorers: training curves, metric-by-length curves, and widget
explorers whose views are pre-rendered so they stay interactive in the static book."""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

from .vocab import EOS, SPECIALS

LABELS = {
    "train_loss": "training loss (nats/token)",
    "valid_loss": "validation loss (nats/token)",
    "valid_exact_match": "validation exact match",
    "valid_token_accuracy": "validation token accuracy",
    "valid_perplexity": "validation perplexity",
    "teacher_forcing": "teacher-forcing ratio",
}

# One look for every figure of the book; each chapter's setup cell calls use_book_style().
BOOK_STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100, "font.size": 10, "axes.titlesize": 11,
    "axes.labelsize": 10, "legend.fontsize": 9, "legend.frameon": False,
    "axes.spines.top": False, "axes.spines.right": False, "image.cmap": "viridis",
}


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to matplotlib (the same fonts, sizes and frames on every page)."""
    plt.rcParams.update(BOOK_STYLE)


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
            plain = FuncFormatter(lambda v, _: f"{v:g}")  # 0.2, 0.5, 1, 2 rather than 2x10^-1
            ax.yaxis.set_major_formatter(plain)
            ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
            ax.yaxis.set_minor_formatter(plain)
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
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def figure_png(fig: Figure, dpi: int = 100, close: bool = True, tight: bool = True) -> bytes:
    """Render a figure to PNG bytes (and close it, so it is not shown twice).

    ``tight`` crops the margins, at the cost of drawing the figure twice
    (``False`` for the many views of an explorer)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    if close:
        plt.close(fig)
    return buf.getvalue()


def attention_heatmap(weights, src_tokens: Sequence[str], tgt_tokens: Sequence[str],
                      title: str | None = None, ax=None, xlabel: str = "source",
                      ylabel: str = "output", cell_inches: float = 0.22) -> Figure:
    """Attention weights as a heatmap: one row per output token, one column per source token.

    Args:
        weights: ``[T, S]`` tensor or array (at least ``len(tgt_tokens)`` rows and
            ``len(src_tokens)`` columns; extra rows/columns, e.g. padding, are cut).
        src_tokens: the ``S`` source tokens (column labels).
        tgt_tokens: the ``T`` output tokens (row labels), e.g. ending with ``<eos>``.
        xlabel, ylabel: axis titles (e.g. "key" and "query" for self-attention).
        cell_inches: inches per token (smaller for many small views).
    """
    import numpy as np

    w = np.asarray(weights.detach().cpu() if hasattr(weights, "detach") else weights, dtype=float)
    if w.ndim != 2:
        raise ValueError(f"attention_heatmap needs a [T, S] matrix, got shape {list(w.shape)}")
    T, S = len(tgt_tokens), len(src_tokens)
    if w.shape[0] < T or w.shape[1] < S:
        raise ValueError(f"weights of shape {list(w.shape)} are smaller than {T} output x {S} source tokens")
    w = w[:T, :S]
    if ax is None:
        size = cell_inches * max(S, T) + 1.6
        fig, ax = plt.subplots(figsize=(min(size + 0.8, 9.0), min(size * T / max(S, 1), 9.0) + 0.4))
    else:
        fig = ax.figure
    image = ax.imshow(w, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    labels = [str(t) for t in src_tokens]
    upright = S <= 12 and max(map(len, labels), default=0) <= 3  # short symbols fit side by side; words do not
    ax.set_xticks(range(S), labels, rotation=0 if upright else 90, fontsize=8)
    ax.set_yticks(range(T), [str(t) for t in tgt_tokens], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03, label="attention weight")
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def _view_widget(view):
    import ipywidgets as widgets

    if isinstance(view, Figure):
        view = figure_png(view)
    if isinstance(view, bytes):
        return widgets.Image(value=view, format="png")
    return widgets.HTML(value=view)


def _levels(views: Mapping, depth: int) -> list[list[str]]:
    """The labels at each level of a nested mapping; every branch must have the same ones."""
    labels, level = [], [views]
    for d in range(depth):
        keys = [list(m) for m in level]
        if not keys[0] or any(k != keys[0] for k in keys):
            raise ValueError(f"every branch of the explorer's views needs the same labels at level {d}, "
                             f"got {keys[0]} and {next((k for k in keys if k != keys[0]), [])}")
        labels.append(keys[0])
        level = [v for m in level for v in m.values()]
        if d + 1 < depth and not all(isinstance(v, Mapping) for v in level):
            raise ValueError(f"level {d + 1} of the explorer's views should be mappings")
    return labels


def stack_explorer(views: Mapping, description: str | Sequence[str] = "view",
                   initial: str | Sequence[str] | None = None):
    """Dropdowns that switch between pre-rendered views, with no Python callback.

    ``views`` maps a label to a view (a Figure, PNG bytes, or an HTML string), or,
    for several controls, nests mappings: ``{model: {example: view}}`` gives one
    dropdown per level (``description`` and ``initial`` then hold one entry per
    level). Every view is rendered now; each dropdown is joined to the
    ``widgets.Stack`` objects of its level with ``widgets.jslink``, which runs in
    the browser. So the explorer works in the static HTML book, where no kernel
    runs, as well as in Jupyter and on Colab.
    """
    import ipywidgets as widgets

    if not views:
        raise ValueError("stack_explorer needs at least one view")
    descriptions = [description] if isinstance(description, str) else list(description)
    depth = len(descriptions)
    labels = _levels(views, depth)
    initial = [None] * depth if initial is None else [initial] if isinstance(initial, str) else list(initial)
    if len(initial) != depth:
        raise ValueError(f"give one initial label per level ({depth}), got {initial}")
    for want, options in zip(initial, labels):
        if want is not None and want not in options:
            raise ValueError(f"initial view {want!r} is not one of {options}")
    starts = [options.index(want) if want is not None else 0 for want, options in zip(initial, labels)]
    if not hasattr(widgets, "Stack"):  # ipywidgets 7 (older Colab images): tabs also switch in the browser
        return _tab_explorer(views, depth, starts)
    controls = [widgets.Dropdown(options=options, index=start, description=desc,
                                 style={"description_width": "initial"})
                for options, start, desc in zip(labels, starts, descriptions)]
    links = []

    def build(node, d):
        if d == depth:
            return _view_widget(node)
        stack = widgets.Stack([build(child, d + 1) for child in node.values()], selected_index=starts[d])
        links.append(widgets.jslink((controls[d], "index"), (stack, "selected_index")))
        return stack

    box = widgets.VBox([widgets.HBox(controls), build(views, 0)])
    box.links = links  # keep the browser-side links alive with the explorer
    box.add_class("s2s-explorer")
    return box


def _tab_explorer(views: Mapping, depth: int, starts: list[int]):
    import ipywidgets as widgets

    def build(node, d):
        if d == depth:
            return _view_widget(node)
        tabs = widgets.Tab([build(child, d + 1) for child in node.values()], selected_index=starts[d])
        for i, label in enumerate(node):
            tabs.set_title(i, label)
        return tabs

    tabs = build(views, 0)
    tabs.add_class("s2s-explorer")
    return tabs


def live_decoder(decode, example: str, description: str = "your input", detokenize=None):
    """A text box whose input is decoded by the model, with the output and its attention heatmap.

    ``decode(text) -> (src_tokens, out_tokens, weights)`` runs in Python
    (``weights`` ``[T, S]``, or ``None`` for a model without attention), so the
    box responds only with a running kernel (Jupyter, Colab); the page says so.
    The result for ``example`` is rendered now, so the static book shows it.
    ``detokenize(tokens) -> str`` writes the output (default: tokens joined by spaces).
    """
    import ipywidgets as widgets

    note = widgets.HTML("<em>Live: type and press Enter. This box needs a running kernel "
                        "(Colab or Jupyter); in the static book it shows the example only.</em>")
    box = widgets.Text(value=example, description=description, continuous_update=False,
                       style={"description_width": "initial"}, layout=widgets.Layout(width="90%"))
    text, image = widgets.HTML(), widgets.Image(format="png")

    def show(change=None):
        try:
            src_tokens, out_tokens, weights = decode(box.value)
        except ValueError as err:  # bad input: say what is wrong, keep the box alive
            text.value, image.layout.display = f"<p style='color:#b00'>{err}</p>", "none"
            return
        words = [str(t) for t in out_tokens]
        shown = detokenize([w for w in words if w != SPECIALS[EOS]]) if detokenize else " ".join(words)
        text.value = f"<p>output: <code>{html.escape(shown)}</code></p>"
        if weights is None:
            image.layout.display = "none"
        else:
            image.value = figure_png(attention_heatmap(weights, src_tokens, out_tokens))
            image.layout.display = None

    show()
    box.observe(show, names="value")
    widget = widgets.VBox([note, box, text, image])
    widget.add_class("s2s-live")
    return widget
