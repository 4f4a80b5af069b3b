"""Write the sources of the student edition: the book without the exercises' solutions.

    python scripts/student_edition.py _build/jupyter_execute _build/student-src

Takes the chapters as the main build executed them (``_build/jupyter_execute``,
so nothing is trained twice), removes every ``{solution}`` block, hides the
code and removes the output of every auto-check cell (they print the answers),
and writes a book that ``jupyter-book build`` renders without executing it.
``make book-student`` runs this and the build; the result is in
``_build/student/_build/html``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["intro.md", "notation.md", "bibliography.md", "references.bib", "runtimes.md",
         "runtimes.json", "_toc.yml"]
# A solution block: ```{solution} or ````{solution} up to the matching closing fence.
SOLUTION = re.compile(r"^(?P<fence>`{3,})\{solution\}.*?^(?P=fence)[ \t]*$\n?", re.M | re.S)


# A solution inside a code cell (nbgrader's markers): the student edition keeps the stub around it.
CODE_SOLUTION = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$", re.M | re.S)


def stub_code(source: str) -> str:
    """The code with each marked solution replaced by a ``raise NotImplementedError``."""
    return CODE_SOLUTION.sub(lambda m: f'{m["indent"]}raise NotImplementedError("fill in this function")',
                             source)


def strip_solutions(markdown: str) -> str:
    """The Markdown without its ``{solution}`` blocks."""
    return SOLUTION.sub("", markdown)


def student_notebook(nb: dict) -> dict:
    """A copy of an executed chapter with solutions removed and auto-checks hidden."""
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "{solution}" in source:
            cell["source"] = strip_solutions(source)
        elif cell["cell_type"] == "code" and "### BEGIN SOLUTION" in source:
            cell["source"], cell["outputs"] = stub_code(source), []
        elif cell["cell_type"] == "code" and source.startswith("# Auto-check"):
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            tags += [t for t in ("hide-input", "remove-output") if t not in tags]
    return nb


def restore_glue(nb: dict, glue_file: Path) -> dict:
    """Put back the glue records myst-nb took out of the executed notebook (it keeps them in
    ``NAME.glue.json``), so that the unexecuted student build can resolve ``{glue:text}`` roles."""
    if not glue_file.is_file():
        return nb
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code"
                and "remove-cell" not in c.get("metadata", {}).get("tags", []))
    for record in json.loads(glue_file.read_text()).values():
        prefix = record["metadata"]["scrapbook"].get("mime_prefix", "")
        cell["outputs"].append({**record, "data": {prefix + k: v for k, v in record["data"].items()}})
    return nb


def write_sources(executed: Path, out: Path) -> None:
    if not executed.is_dir():
        raise SystemExit(f"{executed} not found: build the book first (make book)")
    if out.exists():
        shutil.rmtree(out)
    (out / "chapters").mkdir(parents=True)
    for name in PAGES:
        shutil.copy(ROOT / name, out / name)
    for folder in ("_static", "_vendor"):
        shutil.copytree(ROOT / folder, out / folder)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["title"] += " (student edition)"
    config["execute"]["execute_notebooks"] = "off"
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        done = executed / "chapters" / chapter.name
        if not done.is_file():
            raise SystemExit(f"{done} not found: the main build did not execute {chapter.name}")
        nb = restore_glue(student_notebook(json.loads(done.read_text())), done.with_suffix(".glue.json"))
        (out / "chapters" / chapter.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    write_sources(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"student edition sources written to {sys.argv[2]}")
