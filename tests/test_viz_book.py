import json
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from seq2seq_lib import History  # noqa: E402
from seq2seq_lib.book import runtime_line  # noqa: E402
from seq2seq_lib.viz import (  # noqa: E402
    attention_heatmap,
    figure_png,
    live_decoder,
    plot_by_length,
    plot_history,
    stack_explorer,
)

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
    fig.canvas.draw()
    ticks = [t for t in fig.axes[0].get_xticks() if 3.5 <= t <= 5.5]
    assert ticks and all(float(t).is_integer() for t in ticks), "lengths are whole numbers"
    assert figure_png(fig).startswith(b"\x89PNG")


def test_stack_explorer_links_control_and_stack_in_the_browser():
    import ipywidgets as widgets

    box = stack_explorer({"one": "<b>1</b>", "two": Figure()})
    (control,), stack = box.children[0].children, box.children[1]
    assert isinstance(stack, widgets.Stack) and len(stack.children) == 2
    assert isinstance(stack.children[1], widgets.Image)
    assert "s2s-explorer" in box._dom_classes
    (link,) = box.links
    assert link.source == (control, "index") and link.target == (stack, "selected_index")
    with pytest.raises(ValueError, match="at least one view"):
        stack_explorer({})
    start = stack_explorer({"a": "1", "b": "2"}, initial="b")
    assert start.children[0].children[0].index == 1 and start.children[1].selected_index == 1
    with pytest.raises(ValueError, match="initial view 'c'"):
        stack_explorer({"a": "1"}, initial="c")


def test_nested_explorer_has_one_control_per_level_linked_to_every_stack():
    import ipywidgets as widgets

    views = {m: {e: f"{m}-{e}" for e in ("x", "y", "z")} for m in ("gru", "bahdanau")}
    box = stack_explorer(views, description=("model", "example"), initial=("bahdanau", "y"))
    model_ctl, example_ctl = box.children[0].children
    outer = box.children[1]
    assert model_ctl.index == 1 and example_ctl.index == 1
    assert [len(s.children) for s in outer.children] == [3, 3]
    assert outer.children[1].children[2].value == "bahdanau-z"
    targets = {(ln.source[0].description, id(ln.target[0])) for ln in box.links}
    assert targets == {("model", id(outer))} | {("example", id(s)) for s in outer.children}
    assert all(isinstance(s, widgets.Stack) and s.selected_index == 1 for s in outer.children)
    with pytest.raises(ValueError, match="same labels at level 1"):
        stack_explorer({"a": {"x": "1"}, "b": {"y": "2"}}, description=("m", "e"))
    with pytest.raises(ValueError, match="one initial label per level"):
        stack_explorer(views, description=("model", "example"), initial="gru")


def test_attention_heatmap_labels_rows_and_columns():
    import torch

    weights = torch.softmax(torch.randn(6, 7), -1)  # one padding row and column beyond the tokens
    fig = attention_heatmap(weights, list("abcdef"), ["f", "e", "d", "c", "b", "<eos>"][:5], title="t")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abcdef")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["f", "e", "d", "c", "b"]
    assert ax.images[0].get_array().shape == (5, 6)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("source", "output")
    self_attn = attention_heatmap(weights[:6, :6], list("abcdef"), list("abcdef"), xlabel="key", ylabel="query")
    assert (self_attn.axes[0].get_xlabel(), self_attn.axes[0].get_ylabel()) == ("key", "query")
    png = figure_png(self_attn, tight=False)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="smaller than"):
        attention_heatmap(weights, list("abcdefgh"), ["x"])
    with pytest.raises(ValueError, match=r"needs a \[T, S\] matrix"):
        attention_heatmap(weights[0], list("ab"), ["x"])


def test_live_decoder_renders_the_example_and_reports_bad_input():
    import numpy as np

    def decode(text):
        if not text.strip():
            raise ValueError("type at least one token")
        src = text.split()
        return src, src[::-1], np.eye(len(src))[::-1]

    widget = live_decoder(decode, "1 2 3")
    note, box, text, image = widget.children
    assert "needs a running kernel" in note.value
    assert "3 2 1" in text.value and bytes(image.value).startswith(b"\x89PNG")
    box.value = "  "
    assert "type at least one token" in text.value and image.layout.display == "none"


def test_live_decoder_writes_the_output_with_the_detokenizer_and_escapes_it():
    def decode(text):
        return text.split(), ["L'", "homme", "<b>", "?", "<eos>"], None

    widget = live_decoder(decode, "x", detokenize=" ".join)
    assert "L&#x27; homme &lt;b&gt; ?</code>" in widget.children[2].value  # <eos> left out, HTML escaped
    assert widget.children[3].layout.display == "none"


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


def test_use_book_style_sets_the_shared_rcparams():
    import matplotlib.pyplot as plt

    from seq2seq_lib.viz import BOOK_STYLE, use_book_style

    with plt.rc_context():
        use_book_style()
        assert all(plt.rcParams[k] == v for k, v in BOOK_STYLE.items())


def test_book_models_are_trained_once_and_keyed_on_their_options(tmp_path, monkeypatch, capsys):
    from seq2seq_lib import book

    monkeypatch.chdir(tmp_path)  # no book root above: the cache folder is used
    monkeypatch.setenv("SEQ2SEQ_CACHE", str(tmp_path / "cache"))
    tiny = ["--task", "reversal", "--model", "gru", "--train-size", "200", "--epochs", "1", "--hidden-size", "8",
            "--emb-dim", "4", "--max-len", "5"]
    monkeypatch.setitem(book.BOOK_MODELS, "tiny", tiny)
    first = book.trained_checkpoint("tiny")
    assert (first / "checkpoint.json").is_file() and first.parent == tmp_path / "cache" / "models"
    stamp = (first / "model.pt").stat().st_mtime_ns
    assert book.trained_checkpoint("tiny") == first and (first / "model.pt").stat().st_mtime_ns == stamp  # reused
    monkeypatch.setitem(book.BOOK_MODELS, "tiny", [*tiny, "--seed", "1"])
    assert book.book_model_dir("tiny") != first  # other options, another model
    with pytest.raises(ValueError, match="unknown book model"):
        book.book_model_dir("nope")


def test_chapter_11_races_change_only_what_they_compare():
    from seq2seq_lib.book import BOOK_MODELS, REVERSAL_MODELS, reversal_model
    from seq2seq_lib.cli import build_parser

    def parsed(name):
        args = vars(build_parser().parse_args(["train", *BOOK_MODELS[name], "--out", "x"]))
        return {k: v for k, v in args.items() if k not in ("out",)}

    # Tatoeba: the decoder-only model joins chapter 10's subword race with the same data and updates
    bpe, dec = parsed("race-bpe-0"), parsed("race-decoder-only-0")
    changed = {k for k in bpe if bpe[k] != dec[k]}
    assert changed == {"model", "num_layers", "d_ff"}
    assert (dec["model"], dec["num_layers"], dec["d_ff"]) == ("decoder-only", 2, 320)
    # reversal: every model and seed has the same recipe; the names are distinct and readable
    names = [reversal_model(n, s) for n in REVERSAL_MODELS for s in range(3)]
    assert len(set(names)) == 15 and reversal_model("causal, RoPE", 2) == "reversal-causal-rope-2"
    recipe = {k: v for k, v in parsed(names[0]).items() if k in ("train_size", "epochs", "batch_size", "lr",
                                                                  "min_len", "max_len", "task")}
    assert all({k: parsed(n)[k] for k in recipe} == recipe for n in names)
    assert all("--max-minutes" in BOOK_MODELS[n] for n in names)  # fixed updates: trained side by side


def test_missing_book_models_train_timed_ones_alone_and_the_others_side_by_side(tmp_path, monkeypatch):
    from seq2seq_lib import book

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEQ2SEQ_CACHE", str(tmp_path / "cache"))
    tiny = ["--task", "reversal", "--model", "gru", "--train-size", "100", "--epochs", "1", "--hidden-size", "8",
            "--emb-dim", "4", "--max-len", "5"]
    # "timed" has no --max-minutes of its own: it trains alone, in this process; "a" and "b" side by side
    models = {"timed": tiny, "a": [*tiny, "--max-minutes", "5"], "b": [*tiny, "--max-minutes", "5", "--seed", "1"]}
    monkeypatch.setattr(book, "BOOK_MODELS", models)
    paths = book.train_missing(jobs=2)
    assert [p.name.rsplit("-", 1)[0] for p in paths] == ["timed", "a", "b"]
    assert all((p / "checkpoint.json").is_file() for p in paths)
    stamps = [(p / "model.pt").stat().st_mtime_ns for p in paths]
    assert book.train_missing() == paths and [(p / "model.pt").stat().st_mtime_ns for p in paths] == stamps
    # a command beside the models runs once; its failure is reported after the models are done
    models["later"] = [*tiny, "--max-minutes", "5", "--seed", "2"]
    marker = tmp_path / "ran"
    book.train_missing(beside=[sys.executable, "-c", f"open({str(marker)!r}, 'w')"])
    assert marker.is_file() and (book.book_model_dir("later") / "checkpoint.json").is_file()
    with pytest.raises(RuntimeError, match="failed"):
        book.train_missing(beside=[sys.executable, "-c", "raise SystemExit(3)"])
    models["bad"] = [*tiny, "--max-minutes", "5", "--hidden-size", "0"]
    with pytest.raises(RuntimeError, match="bad failed"):
        book.train_missing()


def test_glue_records_the_formatted_text_that_myst_nb_pastes(monkeypatch):
    import myst_nb
    from myst_nb.core.variables import format_plain_text

    from seq2seq_lib import book

    seen = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: seen.update({name: value}))
    assert book.glue("n_pairs", 121553, ",") is None
    book.glue("bleu", 25.04, ".1f")
    assert seen == {"n_pairs": "121,553", "bleu": "25.0"}
    assert format_plain_text(repr(seen["n_pairs"]), "s") == "121,553"  # not the tuple (121, 553)


def test_log_axis_labels_are_plain_numbers():
    hist = History([{"epoch": i, "train_loss": 1 / (i + 1) ** 2, "valid_exact_match": 0.1 * i} for i in range(1, 8)])
    fig = plot_history(hist, logy=("train_loss",))
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels(minor=True) + ax.get_yticklabels() if t.get_text()]
    assert labels and not any("times" in t or "^" in t for t in labels), labels
    assert "0.1" in labels and "0.05" in labels
