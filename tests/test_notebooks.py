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
