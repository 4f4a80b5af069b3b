import json
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from seq2seq_lib import History  # noqa: E402
from seq2seq_lib.book import runtime_line  # noqa: E402
from seq2seq_lib.viz import figure_png, plot_by_length, plot_history, stack_explorer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_plot_history_one_panel_per_metric():
    h = History([{"epoch": 1, "train_loss": 2.0, "valid_exact_match": 0.1},
                 {"epoch": 2, "train_loss": 1.0, "valid_exact_match": 0.5}])
    fig = plot_history({"a": h, "b": h}, metrics=("train_loss", "valid_exact_match"))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 2


def test_plot_history_explains_a_missing_metric():
    with pytest.raises(ValueError, match="no 'valid_exact_match'"):
        plot_history(History([{"epoch": 1, "train_loss": 1.0}]))


def test_plot_by_length_and_png():
    fig = plot_by_length({"gru": {4: 1.0, 5: 0.5}}, train_range=(4, 5))
    assert figure_png(fig).startswith(b"\x89PNG")


def test_stack_explorer_links_control_and_stack_in_the_browser():
    import ipywidgets as widgets

    box = stack_explorer({"one": "<b>1</b>", "two": Figure()})
    control, stack = box.children
    assert isinstance(stack, widgets.Stack) and len(stack.children) == 2
    assert "s2s-explorer" in box._dom_classes
    (link,) = box.links
    assert link.source == (control, "index") and link.target == (stack, "selected_index")
    with pytest.raises(ValueError, match="at least one view"):
        stack_explorer({})
    start = stack_explorer({"a": "1", "b": "2"}, initial="b")
    assert start.children[0].index == 1 and start.children[1].selected_index == 1
    with pytest.raises(ValueError, match="initial view 'c'"):
        stack_explorer({"a": "1"}, initial="c")


def test_runtime_table_is_generated_from_the_data_file():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from chapter_times import render_markdown

    data = json.loads((ROOT / "runtimes.json").read_text())
    assert (ROOT / "runtimes.md").read_text() == render_markdown(data)
    toc_chapters = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
    assert sorted(data["chapters"]) == toc_chapters, "re-run `make runtimes` after adding a chapter"


def test_runtime_line_reads_the_reference_run(monkeypatch):
    monkeypatch.chdir(ROOT / "chapters")
    data = json.loads((ROOT / "runtimes.json").read_text())
    name = next(iter(data["chapters"]))
    line = runtime_line(name)
    assert line.startswith("**Run time.** This run took") and data["machine"] in line
