"""Parallel text: tab-separated files of (source, target) pairs, and real corpora.

* :func:`read_tsv` reads ``source<TAB>target`` files (the CLI's ``--data``);
* :func:`read_tatoeba` reads the Tatoeba English–French files distributed by
  ManyThings (``English<TAB>French[<TAB>attribution]``), with the normalisation
  and filtering popularised by the PyTorch translation tutorial as options;
* :func:`download` fetches a file into a cache directory and checks its sha256.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable, Sequence
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


# ---------------------------------------------------------------- Tatoeba / ManyThings
#: The English prefixes the PyTorch tutorial keeps ("i am ...", "he is ...", ...), after normalisation.
TUTORIAL_PREFIXES = ("i am ", "i m ", "he is", "he s ", "she is", "she s ", "you are", "you re ",
                     "we are", "we re ", "they are", "they re ")


def guess_tokenizer(targets: Iterable[str]) -> str:
    """``"word-fr"`` when most target sentences (raw text) that have a ``?`` or ``!`` put a
    space before it (French typography), else ``"word"``: the tokenizer whose
    detokenizer writes outputs the way the references are written."""
    french = other = 0
    for text in targets:
        for m in re.finditer(r"(\s?)[?!]", text):
            french, other = french + bool(m.group(1)), other + (not m.group(1))
    return "word-fr" if french > other else "word"


def strip_accents(text: str) -> str:
    """``"Il était là"`` -> ``"Il etait la"`` (Unicode decomposition, combining marks dropped)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def tutorial_normalize(text: str) -> str:
    """The PyTorch tutorial's normalisation: lowercase, no accents, a space before ``.!?``,
    every other non-letter removed (so ``"I'm"`` becomes ``"i m"``)."""
    text = strip_accents(text.lower().strip())
    text = re.sub(r"([.!?])", r" \1", text)
    return re.sub(r"[^a-zA-Z.!?]+", " ", text).strip()


def read_tatoeba(path: str | Path, direction: str = "en-fr", normalize: bool = False, lowercase: bool = False,
                 accents: bool = True, max_words: int | None = None,
                 prefixes: Sequence[str] | None = None) -> list[TextPair]:
    """Read a ManyThings/Tatoeba file (``English<TAB>French[<TAB>attribution]``).

    Args:
        direction: ``"en-fr"`` (English source) or ``"fr-en"``.
        normalize: apply :func:`tutorial_normalize` to both sides (implies
            lowercase and no accents).
        lowercase, accents: lighter normalisation (``accents=False`` strips them).
        max_words: keep pairs whose two sides have fewer than this many
            space-separated words (the tutorial uses 10).
        prefixes: keep pairs whose English side starts with one of these
            (after normalisation), e.g. :data:`TUTORIAL_PREFIXES`.
    Returns:
        ``(source, target)`` pairs in the file's order.
    """
    if direction not in ("en-fr", "fr-en"):
        raise ValueError(f"direction must be 'en-fr' or 'fr-en', got {direction!r}")
    pairs = []
    for en, fr in read_tsv(path):
        if normalize:
            en, fr = tutorial_normalize(en), tutorial_normalize(fr)
        if lowercase:
            en, fr = en.lower(), fr.lower()
        if not accents:
            en, fr = strip_accents(en), strip_accents(fr)
        if max_words is not None and (len(en.split()) >= max_words or len(fr.split()) >= max_words):
            continue
        if prefixes is not None and not en.startswith(tuple(prefixes)):
            continue
        pairs.append((en, fr) if direction == "en-fr" else (fr, en))
    if not pairs:
        raise ValueError(f"{path}: no sentence pairs left after filtering")
    return pairs


# ---------------------------------------------------------------- downloads
def cache_dir() -> Path:
    """``$SEQ2SEQ_CACHE``, else ``~/.cache/seq2seq_lib``."""
    return Path(os.environ.get("SEQ2SEQ_CACHE", Path.home() / ".cache" / "seq2seq_lib"))


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, sha256: str | None, filename: str | None = None, directory: str | Path | None = None,
             timeout: float = 30.0) -> Path:
    """Download ``url`` into the cache (once) and check its sha256.

    A cached file with the right checksum is reused without any network access.
    ``sha256=None`` skips the check (for sources whose content changes, such as
    Tatoeba's weekly exports); the digest is then saved next to the file so
    later reads are checked against the first download. Raises ``ValueError``
    on a checksum mismatch (and deletes the bad file), ``ConnectionError`` with
    instructions when the network cannot be reached.
    """
    directory = Path(directory) if directory is not None else cache_dir()
    target = directory / (filename or url.rstrip("/").split("/")[-1])
    pinned = target.with_name(target.name + ".sha256")
    expected = sha256 or (pinned.read_text().strip() if pinned.is_file() else None)
    if target.is_file():
        if expected is None or sha256_of(target) == expected:
            return target
        target.unlink()  # stale or corrupt: fetch it again
    directory.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, \
                tempfile.NamedTemporaryFile(dir=directory, delete=False) as tmp:
            shutil.copyfileobj(response, tmp)
    except (urllib.error.URLError, OSError) as err:
        raise ConnectionError(f"could not download {url} ({err}). Are you offline? Download the file by hand "
                              f"and pass its path instead (e.g. --data FILE), or place it at {target}") from err
    actual = sha256_of(tmp.name)
    if expected is not None and actual != expected:
        os.unlink(tmp.name)
        raise ValueError(f"checksum mismatch for {url}: expected sha256 {expected}, got {actual}; "
                         "the file was deleted (a changed upstream file or a corrupted download)")
    os.replace(tmp.name, target)
    if sha256 is None:
        pinned.write_text(actual + "\n")
    return target


def extract(archive: str | Path, member: str) -> Path:
    """Extract ``member`` of a zip ``archive`` next to it (once) and return its path."""
    archive = Path(archive)
    out = archive.parent / Path(member).name
    if not out.is_file():
        with zipfile.ZipFile(archive) as zf:
            if member not in zf.namelist():
                raise ValueError(f"{archive} has no member {member!r}; it has {zf.namelist()[:5]}")
            with zf.open(member) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return out


#: the English–French Tatoeba file of the PyTorch translation tutorial (``data/eng-fra.txt`` inside)
TUTORIAL_DATA_URL = "https://download.pytorch.org/tutorial/data.zip"


def tutorial_pairs(url: str = TUTORIAL_DATA_URL, directory: str | Path | None = None, timeout: float = 30.0,
                   normalize: bool = True) -> list[TextPair]:
    """The PyTorch tutorial's English→French pairs: downloaded once into the cache (the
    digest of the first download is pinned), then filtered as the tutorial does
    (normalised, fewer than 10 words a side, English starting with
    :data:`TUTORIAL_PREFIXES`). ``normalize=False`` keeps case, accents and
    apostrophes (the prefix filter still applies to the normalised English).
    Raises ``ConnectionError`` when offline and the file is not cached."""
    path = extract(download(url, None, directory=directory, timeout=timeout), "data/eng-fra.txt")
    kept = read_tatoeba(path, normalize=True, max_words=10, prefixes=TUTORIAL_PREFIXES)
    if normalize:
        return kept
    raw = read_tatoeba(path)
    index = {tuple(map(tutorial_normalize, pair)): pair for pair in raw}
    return [index[pair] for pair in kept if pair in index]
