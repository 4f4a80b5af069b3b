"""Checks of the built HTML book (run by `make test` after `jupyter-book build`)."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
FILES = [ch["file"] for part in TOC["parts"] for ch in part["chapters"]]
CHAPTERS = [f for f in FILES if (ROOT / f"{f}.ipynb").exists()]

pytestmark = [pytest.mark.book,
              pytest.mark.skipif(not (HTML / "index.html").exists(), reason="book not built (make book)")]


@pytest.mark.parametrize("doc", FILES)
def test_every_toc_page_was_built(doc):
    assert (HTML / f"{doc}.html").is_file()


@pytest.mark.parametrize("doc", CHAPTERS)
def test_chapter_was_executed_and_every_figure_exists(doc):
    page = HTML / f"{doc}.html"
    html = page.read_text()
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    figures = [src for src in images if "_images/" in src]
    assert figures, f"{doc}: no figures in the executed chapter"
    for src in figures:
        assert (page.parent / src).resolve().is_file(), f"{doc}: missing image {src}"
    assert "cell_output" in html, f"{doc}: no cell outputs (was it executed?)"
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Run time." in text and "This run took" in text


@pytest.mark.parametrize("doc", CHAPTERS)
def test_no_unexpected_tracebacks_or_warnings_in_outputs(doc):
    html = (HTML / f"{doc}.html").read_text()
    # Cells tagged raises-exception show a traceback on purpose; count them and allow exactly those.
    expected = html.count("tag_raises-exception")
    assert html.count("Traceback (most recent call last)") <= expected
    assert "Warning:" not in re.sub(r"<[^>]+>", "", html).replace("UserWarning: ", "")


@pytest.mark.parametrize("doc", CHAPTERS)
def test_markdown_tables_in_outputs_are_rendered_as_tables(doc):
    """A table printed with ``display(Markdown(...))`` must become an HTML table, not pipes and dashes."""
    text = re.sub(r"<pre.*?</pre>", "", (HTML / f"{doc}.html").read_text(), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    # the separator row, as typed ("|---:|") or after typography turned "---" into a dash ("|—:|")
    assert not re.search(r"\|\s*:?(-{3,}|—)-*:?\s*\|", text), f"{doc}: a markdown table was left unrendered"


def test_intro_shows_the_generated_runtime_table():
    html = (HTML / "intro.html").read_text()
    assert "Measured by" in html and "chapter_times.py" in html
    for doc in CHAPTERS:
        assert f"{doc.split('/')[-1]}.html" in html


def test_widget_and_math_javascript_is_served_locally():
    html = HTML / f"{CHAPTERS[0]}.html"
    text = html.read_text()
    assert "cdn.jsdelivr.net/npm/mathjax" not in text and "mathjax/tex-mml-chtml.js" in text
    assert (HTML / "require.js").is_file() and (HTML / "jupyter-widgets" / "embed-amd.js").is_file()
    assert (HTML / "mathjax" / "tex-mml-chtml.js").is_file()
