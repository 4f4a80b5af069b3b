"""Helpers for the chapters themselves (not needed to use the library)."""

from __future__ import annotations

import json
import sys
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


def glue(name: str, value, fmt: str = ""):
    """Record ``value`` (formatted with ``fmt``) for ``{glue:text}`name``` in the chapter's prose.

    Uses myst-nb's ``glue`` when it is installed (the book build); elsewhere (Colab) the value
    is ignored, so a chapter runs anywhere. Returns nothing (a cell may end with it).
    """
    text = format(value, fmt)  # a str: myst-nb's {glue:text} shows it without its quotes
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, text, display=False)


# ---------------------------------------------------------------- models trained once for the book
#: the models chapters load instead of training them in the page: name -> ``train`` options
BOOK_MODELS = {"tatoeba-transformer": ["--task", "tatoeba", "--model", "transformer"]}
#: chapter 10's race, words against subwords: one small Transformer, the same 20,000 training pairs
#: and the same 625 updates (one epoch of batches of 32) for each tokenizer and seed
RACE_OPTIONS = ["--task", "tatoeba", "--model", "transformer", "--train-size", "20000", "--epochs", "1",
                "--d-model", "64", "--ff", "256", "--layers", "1", "--max-minutes", "30"]
for _tokenizer in ("word", "bpe"):
    for _seed in range(3):
        BOOK_MODELS[f"race-{_tokenizer}-{_seed}"] = [*RACE_OPTIONS, "--tokenizer", _tokenizer, "--seed", str(_seed)]
#: chapter 11: the decoder-only model in chapter 10's subword race, two blocks (one per stack there);
#: a wider feed-forward layer stands in for the cross-attention it lacks, at about equal parameters
DECODER_ONLY_RACE = {"--model": "decoder-only", "--layers": "2", "--ff": "320"}


def _replace(options: list[str], values: dict[str, str]) -> list[str]:
    """``options`` (``--flag value`` pairs) with the values of the flags in ``values`` replaced."""
    return [values.get(options[i - 1], a) if i % 2 else a for i, a in enumerate(options)]


for _seed in range(3):
    BOOK_MODELS[f"race-decoder-only-{_seed}"] = [*_replace(RACE_OPTIONS, DECODER_ONLY_RACE),
                                                 "--tokenizer", "bpe", "--seed", str(_seed)]
#: chapter 11's reversal race: 300 updates (one pass over 9,600 pairs of lengths 4-12, batches
#: of 32; one epoch, so the weights are those of the last update) for each model and seed; the
#: encoder-decoder is chapter 7's (2 + 2 layers)
REVERSAL_RACE = ["--task", "reversal", "--min-len", "4", "--max-len", "12", "--train-size", "9600",
                 "--epochs", "1", "--batch-size", "32", "--lr", "3e-3", "--valid-size", "200",
                 "--max-minutes", "30"]
_CAUSAL = ["--model", "decoder-only", "--ff", "320", "--mask", "causal"]
REVERSAL_MODELS = {
    "encoder-decoder": ["--model", "transformer"],
    "prefix LM": ["--model", "decoder-only", "--ff", "320"],
    "causal": _CAUSAL,
    # the position schemes, on the causal model (the layout of a language model)
    "causal, learned positions": [*_CAUSAL, "--positions", "learned"],
    "causal, RoPE": [*_CAUSAL, "--positions", "rope"],
}


def reversal_model(name: str, seed: int) -> str:
    """The book-model name of chapter 11's reversal model ``name`` (a key of ``REVERSAL_MODELS``)."""
    return "reversal-" + name.replace(",", "").replace(" ", "-").lower() + f"-{seed}"


for _name, _options in REVERSAL_MODELS.items():
    for _seed in range(3):
        BOOK_MODELS[reversal_model(_name, _seed)] = [*REVERSAL_RACE, *_options, "--seed", str(_seed)]

def _model_key(argv: list[str]) -> str:
    """A digest of the library's sources (recipes, shipped corpus included) and the options."""
    import hashlib

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(json.dumps(argv).encode())
    unused = {package / "book.py", package / "viz.py"}  # training imports neither
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".xz")
                       and p not in unused):
        digest.update(path.relative_to(package).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def book_model_dir(name: str) -> Path:
    """Where the book keeps model ``name``: ``_build/models/NAME-KEY`` in a checkout of the book,
    else the cache (``$SEQ2SEQ_CACHE/models``); ``KEY`` changes with the library and the options."""
    from .corpus import cache_dir

    if name not in BOOK_MODELS:
        raise ValueError(f"unknown book model {name!r}; choose one of {', '.join(BOOK_MODELS)}")
    root = find_book_root()
    base = root / "_build" / "models" if root is not None else cache_dir() / "models"
    return base / f"{name}-{_model_key(BOOK_MODELS[name])}"


def trained_checkpoint(name: str, quiet: bool = False) -> Path:
    """The checkpoint of book model ``name``, trained by ``python -m seq2seq_lib train`` with the
    options of :data:`BOOK_MODELS` the first time it is needed (``make models`` does it before the
    chapters run) and reused until the library changes."""
    from .cli import main

    out = book_model_dir(name)
    if not (out / "checkpoint.json").is_file():
        if not quiet:
            print(f"training {name} once (a few minutes on a CPU) into {out} ...", flush=True)
        status = main(["train", *BOOK_MODELS[name], "--out", str(out), "--quiet"])
        if status != 0:
            raise RuntimeError(f"training the book model {name} failed (exit status {status})")
    return out


def train_missing(jobs: int = 2, beside: list[str] | None = None) -> list[Path]:
    """Train every missing book model (``make models``) and return their checkpoints.

    A model stopped by a time budget (no ``--max-minutes`` of its own: the recipe's) trains first,
    alone, so that its budget buys the same work as on a quiet machine. The others make a fixed
    number of updates whatever the load: they train ``jobs`` at a time, each in its own process
    with one thread (small models gain little from a second thread, so two of them side by side
    finish about twice as fast), with ``beside`` (a command, e.g. ``make test``'s library tests,
    which the load cannot change either) in the first free place.
    """
    import os
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    missing = [n for n in BOOK_MODELS if not (book_model_dir(n) / "checkpoint.json").is_file()]
    timed = [n for n in missing if "--max-minutes" not in BOOK_MODELS[n]]
    for name in timed:
        trained_checkpoint(name)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    failures = []

    def run(name: str | None) -> None:
        if name is None:  # the command beside the models
            done = subprocess.run(beside, env=env, capture_output=True, text=True)
            print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "", flush=True)
            if done.returncode != 0:
                failures.append(f"{' '.join(beside)} failed:\n{done.stdout}{done.stderr}")
            return
        print(f"training {name} (one thread) into {book_model_dir(name)} ...", flush=True)
        argv = [sys.executable, "-m", "seq2seq_lib", "train", *BOOK_MODELS[name], "--out",
                str(book_model_dir(name)), "--quiet"]
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            failures.append(f"training the book model {name} failed:\n{done.stderr.strip()}")
        print(done.stdout.strip(), flush=True)

    order = [*([None] if beside else []), *[n for n in missing if n not in timed]]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(run, order))
    if failures:
        raise RuntimeError("\n".join(failures))
    return [book_model_dir(n) for n in BOOK_MODELS]


if __name__ == "__main__":  # python -m seq2seq_lib.book [COMMAND ...]: train the missing book models
    try:  # ... and run COMMAND (e.g. the library tests) beside them
        for _path in train_missing(beside=sys.argv[1:] or None):
            print(_path)
    except RuntimeError as error:
        sys.exit(str(error))
