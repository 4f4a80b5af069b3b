"""The student edition keeps every exercise and drops every solution (scripts/student_edition.py)."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("student_edition", ROOT / "scripts" / "student_edition.py")
student_edition = importlib.util.module_from_spec(spec)
spec.loader.exec_module(student_edition)
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def markdown(nb):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_strip_solutions_keeps_the_text_around_and_handles_nested_fences():
    text = ("before\n```{exercise} E\n:label: e\n\nQ?\n```\n\n"
            "````{solution} e\n:class: dropdown\n\n```python\nx = 1\n```\nA.\n````\nafter\n"
            "```{solution} e\n:class: dropdown\nB.\n```\n")
    out = student_edition.strip_solutions(text)
    assert "{solution}" not in out and "A." not in out and "B." not in out and "x = 1" not in out
    assert out.startswith("before\n```{exercise} E") and "Q?" in out and "after" in out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_loses_its_solutions_and_keeps_its_exercises(path):
    nb = json.loads(path.read_text())
    student = student_edition.student_notebook(nb)
    before, after = markdown(nb), markdown(student)
    assert "{solution}" in before and "{solution}" not in after
    assert after.count("{exercise}") == before.count("{exercise}") >= 3
    assert len(student["cells"]) == len(nb["cells"])
    checks = [c for c in student["cells"]
              if c["cell_type"] == "code" and "".join(c["source"]).startswith("# Auto-check")]
    assert checks, "every chapter has an auto-checked exercise"
    assert all("remove-output" in c["metadata"]["tags"] for c in checks)


def test_a_code_solution_becomes_a_stub_that_the_auto_check_rejects():
    source = ("# Solution to exercise e.\ndef double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
              "    ### END SOLUTION\n")
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [{"output_type": "stream"}],
                     "source": source}]}
    cell = student_edition.student_notebook(nb)["cells"][0]
    assert "2 * x" not in cell["source"] and cell["outputs"] == []
    namespace = {}
    exec(cell["source"], namespace)
    with pytest.raises(NotImplementedError, match="fill in"):
        namespace["double"](3)
    exec(source, namespace)
    assert namespace["double"](3) == 6


def test_glue_records_come_back_for_the_unexecuted_build(tmp_path):
    record = {"output_type": "display_data", "data": {"text/plain": "25.0"},
              "metadata": {"scrapbook": {"name": "bleu", "mime_prefix": "application/papermill.record/"}}}
    (tmp_path / "ch.glue.json").write_text(json.dumps({"bleu": record}))
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["remove-cell"]}, "outputs": [], "source": ""},
                    {"cell_type": "code", "metadata": {}, "outputs": [], "source": "x = 1"}]}
    out = student_edition.restore_glue(nb, tmp_path / "ch.glue.json")
    assert out["cells"][0]["outputs"] == []
    assert out["cells"][1]["outputs"][0]["data"] == {"application/papermill.record/text/plain": "25.0"}
    assert student_edition.restore_glue(nb, tmp_path / "missing.glue.json") is nb
