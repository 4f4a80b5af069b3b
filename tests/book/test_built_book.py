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
    assert "{glue" not in text and "glue:text" not in text, f"{doc}: a glue reference was left unresolved"


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


def test_explorer_style_sheet_is_linked_from_every_chapter():
    """_static/s2s.css spaces the explorers' table columns and keeps their pictures in the column."""
    assert (HTML / "_static" / "s2s.css").is_file()
    for doc in CHAPTERS:
        assert "_static/s2s.css" in (HTML / f"{doc}.html").read_text(), doc


@pytest.mark.parametrize("doc", CHAPTERS)
def test_colab_install_cell_is_invisible_and_setup_is_collapsed(doc):
    html = (HTML / f"{doc}.html").read_text()
    assert "google.colab" not in html, f"{doc}: the Colab install cell must be removed from the page"
    assert "tag_hide-input" in html, f"{doc}: the setup cell must be collapsed"


def _pages(html_root):
    return [p for p in html_root.rglob("*.html")
            if not any(part.startswith(("_", ".")) for part in p.relative_to(html_root).parts)]


def _dead_links(html_root):
    """Relative links whose file, or whose #anchor in that file, does not exist."""
    ids: dict = {}
    dead = []
    for page in _pages(html_root):
        for href in re.findall(r'href="([^"]+)"', page.read_text()):
            if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("//"):
                continue  # external (https:, mailto:, ...): no network here
            path, _, anchor = href.partition("#")
            path = path.partition("?")[0]
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                dead.append(f"{page.name}: {href}")
            elif anchor and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(re.findall(r'id="([^"]+)"', target.read_text()))
                if anchor not in ids[target]:
                    dead.append(f"{page.name}: {href}")
    return dead


def test_no_dead_internal_links_or_anchors():
    assert _dead_links(HTML) == []


STUDENT = ROOT / "_build" / "student" / "_build" / "html"


@pytest.mark.skipif(not (STUDENT / "index.html").exists(), reason="student edition not built")
def test_student_edition_has_every_exercise_and_no_solution():
    for doc in CHAPTERS:
        full, student = (HTML / f"{doc}.html").read_text(), (STUDENT / f"{doc}.html").read_text()
        assert 'class="solution' in full, doc
        assert 'class="solution' not in student, f"{doc}: a solution is left in the student edition"
        assert student.count('class="exercise') == full.count('class="exercise') >= 3, doc
        assert "cell_output" in student, f"{doc}: the student edition lost the executed outputs"
    assert _dead_links(STUDENT) == []
