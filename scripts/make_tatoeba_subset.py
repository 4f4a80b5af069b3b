"""Build the Tatoeba English-French subset that ships with the package.

Reads the ManyThings/Tatoeba file kept in ``../shared/data/tatoeba-fra-eng-2017``
(checked against its sha256), keeps the pairs whose English side has at most
``MAX_WORDS`` words, drops exact duplicate pairs, and writes them, in the file's
order, as ``seq2seq_lib/corpora/tatoeba-fra-eng-short.tsv.xz`` (UTF-8, one
``English<TAB>French`` pair per line). Run from the repository root:

    .venv/bin/python scripts/make_tatoeba_subset.py ../shared/data/tatoeba-fra-eng-2017/fra-eng.zip
"""

from __future__ import annotations

import hashlib
import lzma
import sys
import zipfile
from pathlib import Path

MAX_WORDS = 8
SOURCE_SHA256 = "2546838ae46e0eac4c02ab7032ea0a02a006074a5340077a36a9444f41e02888"
OUT = Path("seq2seq_lib/corpora/tatoeba-fra-eng-short.tsv.xz")


def main(archive: str) -> None:
    raw = zipfile.ZipFile(archive).read("fra.txt")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"{archive}: fra.txt has sha256 {digest}, expected {SOURCE_SHA256}")
    seen, kept = set(), []
    for line in raw.decode("utf-8").splitlines():
        english, french = line.split("\t")
        if len(english.split()) <= MAX_WORDS and line not in seen:
            seen.add(line)
            kept.append(line)
    OUT.write_bytes(lzma.compress(("\n".join(kept) + "\n").encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    print(f"{OUT}: {len(kept)} pairs, {len({k.split(chr(9))[0] for k in kept})} English sentences, "
          f"{OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/tatoeba-fra-eng-2017/fra-eng.zip")
