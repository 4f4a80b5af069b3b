"""Hygiene of the committed chapters: output-free, template, Colab setup cell, table of contents."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
REPO_URL = CONFIG["repository"]["url"]


def toc_files():
    return [ch["file"] for part in TOC["parts"] for ch in part["chapters"]]


CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def load(path):
    return json.loads(path.read_text())


def test_every_chapter_is_in_the_toc_and_every_toc_entry_exists():
    listed = set(toc_files())
    assert {f"chapters/{p.stem}" for p in CHAPTERS} <= listed
    for f in listed:
        assert (ROOT / f"{f}.ipynb").exists() or (ROOT / f"{f}.md").exists(), f


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_headings_one_h1_and_no_skipped_levels(path):
    levels = []
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "markdown":
            in_fence = False
            for line in "".join(cell["source"]).splitlines():
                if line.startswith(("```", ":::")):
                    in_fence = not in_fence
                m = re.match(r"^(#{1,6}) ", line)
                if m and not in_fence:
                    levels.append(len(m.group(1)))
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_colab_setup_cell_uses_the_configured_repository(path):
    """Cell 1 installs the package on Colab and is removed from the HTML; cell 2 (collapsed) sets up."""
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    install, imports = "".join(cells[0]["source"]), "".join(cells[1]["source"])
    assert "import google.colab" in install
    assert f"git+{REPO_URL}" in install, f"setup cell must install from {REPO_URL}"
    assert "remove-cell" in cells[0].get("metadata", {}).get("tags", [])
    for call in ("pick_device()", "seed_everything(", "start_timer()", "use_book_style()"):
        assert call in imports, f"the setup cell must call {call}"
    assert "hide-input" in cells[1].get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_template(path):
    cells = load(path)["cells"]
    md = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "Learning objectives" in md and "Prerequisites" in md
    assert md.count("```{exercise}") >= 3
    assert md.count("```{solution}") >= 3 and ":class: dropdown" in md
    assert "## Summary" in md and "{cite" in md
    assert re.search(r"^\s*assert ", code, re.M), "a chapter checks its results with assert"
    assert "from seq2seq_lib" in code or "import seq2seq_lib" in code
    assert not re.search(r"^from tqdm import|^import tqdm$", code, re.M), "use tqdm.auto"
    assert "show_runtime(" in code, "a chapter ends with its measured run time"
    assert ".cuda()" not in code, "use device = pick_device() and .to(device)"


# --- The book never says what its runs did not show (issue 14) ---------------------------------
# A decimal number or a percentage typed in a chapter's prose is a measured value someone copied by
# hand, unless it is math, code, a glue reference, or a setup constant the chapter's code shows.
TYPED_NUMBER = re.compile(r"(?<![\w.\\{/-])(\d+\.\d+|\d+(?:\.\d+)?\s?%)(?![\w.]*\d)")
# Each exception: (chapter stem, the typed text, why it is not a measurement).
TYPED_NUMBER_EXCEPTIONS = {
    ("10_real_translation", "2.0"): "the licence's name, CC BY 2.0 France",
}


def prose_without_math_code_and_glue(text):
    text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.S | re.M)  # fenced blocks
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"\$[^$\n]*\$", "", text)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", "", text)  # roles: {glue:text}`x`, {math}`...`
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"<https?://[^>]*>|\]\([^)]*\)", "", text)  # link targets
    return text


def typed_numbers(path):
    """(number, context) for each decimal or percentage typed in prose and not shown in code."""
    cells = load(path)["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    found = []
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        prose = prose_without_math_code_and_glue("".join(cell["source"]))
        for m in TYPED_NUMBER.finditer(prose):
            number = m.group(1).replace(" ", "")
            constant = number.rstrip("%")
            if number.endswith("%"):
                shown = re.search(rf"(?<![\w.]){re.escape(str(float(constant) / 100).rstrip('0'))}(?![\d])", code)
            else:
                shown = re.search(rf"(?<![\w.]){re.escape(constant)}(?![\d])", code)
            if shown or (path.stem, number) in TYPED_NUMBER_EXCEPTIONS:
                continue
            found.append((number, prose[max(0, m.start() - 50) : m.end() + 20].replace("\n", " ")))
    return found


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_measured_number_is_typed_in_the_prose(path):
    found = typed_numbers(path)
    assert not found, (
        f"{path.name}: numbers typed in markdown; glue them from the cell that computed them "
        f"(seq2seq_lib.book.glue and {{glue:text}}), show the constant in code, or add an exception "
        f"with its reason to TYPED_NUMBER_EXCEPTIONS: {found}"
    )


def test_every_typed_number_exception_is_still_needed():
    for stem, number in list(TYPED_NUMBER_EXCEPTIONS):
        path = ROOT / "chapters" / f"{stem}.ipynb"
        saved = TYPED_NUMBER_EXCEPTIONS.pop((stem, number))
        try:
            assert number in [n for n, _ in typed_numbers(path)], f"stale exception {stem}: {number}"
        finally:
            TYPED_NUMBER_EXCEPTIONS[(stem, number)] = saved


def test_the_typed_number_check_finds_what_it_should():
    prose = prose_without_math_code_and_glue(
        "BLEU 25.3 here, $p = 0.5$, `lr=3e-3`, {glue:text}`bleu` and 12% there.\n```\nx = 0.7\n```\n"
    )
    assert [m.group(1) for m in TYPED_NUMBER.finditer(prose)] == ["25.3", "12%"]
    assert not TYPED_NUMBER.search("chapter 10, version 2.13.0, v1.2, and 3 seeds")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_code_lines_fit_the_page(path):
    """Code wraps at 88 characters (the removed Colab install cell excepted)."""
    for cell in load(path)["cells"]:
        if cell["cell_type"] != "code" or "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        long = [line for line in "".join(cell["source"]).splitlines() if len(line) > 88]
        assert not long, f"{path.name}: lines over 88 characters: {long}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_a_stub_and_check_exercise(path):
    """A solution cell whose body the student edition stubs, followed by its auto-check cell."""
    code = [("".join(c["source"])) for c in load(path)["cells"] if c["cell_type"] == "code"]
    pairs = [
        (a, b)
        for a, b in zip(code, code[1:])
        if "### BEGIN SOLUTION" in a and "### END SOLUTION" in a and b.startswith("# Auto-check")
    ]
    assert pairs, f"{path.name}: no exercise with a stub (### BEGIN/END SOLUTION) and an auto-check cell"
    for solution, check in pairs:
        label = re.match(r"# Auto-check for exercise ([\w-]+)\.", check)
        assert label and label.group(1) in solution, "the auto-check names the exercise it checks"
        assert "assert" in check
