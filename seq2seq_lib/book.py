"""Helpers for the chapters themselves (not needed to use the library)."""

from __future__ import annotations

import json
import time
from pathlib import Path

_START = time.perf_counter()


def find_book_root(start: Path | None = None) -> Path | None:
    """The folder holding ``_toc.yml`` above ``start`` (default: the working directory)."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "_toc.yml").is_file():
            return folder
    return None


def start_timer() -> None:
    """Start the chapter's stopwatch (the setup cell calls this)."""
    global _START
    _START = time.perf_counter()


def runtime_line(chapter: str, device: str = "cpu") -> str:
    """One Markdown line: this run's time and the reference run's, from ``runtimes.json``."""
    elapsed = time.perf_counter() - _START
    line = f"**Run time.** This run took {elapsed:.0f} s on {device}."
    root = find_book_root()
    data = json.loads((root / "runtimes.json").read_text()) if root and (root / "runtimes.json").is_file() else {}
    ref = data.get("chapters", {}).get(chapter)
    if ref:
        line += (f" On the reference machine ({ref.get('machine', data['machine'])}) the whole chapter took "
                 f"{ref['cpu_seconds']:.0f} s with a peak memory of {ref['peak_mb']:.0f} MB "
                 f"(measured by `benchmarks/chapter_times.py`, {ref.get('date', data['date'])}).")
        if ref.get("gpu_seconds"):
            line += f" On a GPU ({data.get('gpu_machine', 'GPU')}): {ref['gpu_seconds']:.0f} s."
    return line


def show_runtime(chapter: str, device: str = "cpu"):
    """Display :func:`runtime_line` as Markdown in a notebook."""
    from IPython.display import Markdown, display

    display(Markdown(runtime_line(chapter, str(device))))
