"""Parallel text: reading tab-separated files of (source, target) pairs."""

from __future__ import annotations

from pathlib import Path

from .vocab import get_tokenizer

TextPair = tuple[str, str]


def read_tsv(path: str | Path) -> list[TextPair]:
    """Read ``source<TAB>target[<TAB>anything...]`` lines; blank lines are skipped.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming
    the line number for a line without a tab or with an empty side.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file {str(path)!r} does not exist")
    pairs = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) < 2:
                raise ValueError(f"{path}:{lineno}: no tab; expected 'source<TAB>target'")
            src, tgt = cols[0].strip(), cols[1].strip()
            if not src or not tgt:
                side = "source" if not src else "target"
                raise ValueError(f"{path}:{lineno}: empty {side} text")
            pairs.append((src, tgt))
    if not pairs:
        raise ValueError(f"{path}: no sentence pairs found")
    return pairs


def tokenize_pairs(pairs: list[TextPair], tokenizer: str = "word", lowercase: bool = False):
    """Tokenize both sides: ``[(src_tokens, tgt_tokens), ...]``."""
    tokenize, _ = get_tokenizer(tokenizer)
    prep = str.lower if lowercase else (lambda s: s)
    return [(tokenize(prep(s)), tokenize(prep(t))) for s, t in pairs]
