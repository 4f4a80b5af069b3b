"""Vocabularies and tokenizers.

Four special tokens with four *distinct* ids. Sharing one id between them is a
classic bug (see the pitfalls appendix): if ``<pad>`` and ``<eos>`` share an id
and the loss ignores padding, the model is never taught to stop.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

PAD, SOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")

_WORD_RE = re.compile(r"\w+(?:-\w+)*'|\w+(?:-\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = re.compile(r" ([.,!?;:%)\]}])")
_NO_SPACE_BEFORE_FR = re.compile(r" ([.,%)\]}])")  # French typography keeps the space before ? ! ; :
_NO_SPACE_AFTER = re.compile(r"([(\[{'’]) ")


def word_tokenize(text: str) -> list[str]:
    """Split ``text`` into words and punctuation, keeping elided articles and
    hyphenated words whole (so that detokenising gives "est-ce", not "est - ce").

    >>> word_tokenize("L'homme dort, n'est-ce pas ?")
    ["L'", 'homme', 'dort', ',', "n'", 'est-ce', 'pas', '?']
    """
    return _WORD_RE.findall(text)


def word_detokenize(tokens: Sequence[str], french: bool = False) -> str:
    """Join word tokens back into text (inverse of :func:`word_tokenize` on clean text).

    ``french=True`` keeps a space before ``? ! ; :`` as French typography does
    (``"Où est le sac ?"``).
    """
    text = " ".join(tokens)
    text = (_NO_SPACE_BEFORE_FR if french else _NO_SPACE_BEFORE).sub(r"\1", text)
    return _NO_SPACE_AFTER.sub(r"\1", text)


def french_detokenize(tokens: Sequence[str]) -> str:
    return word_detokenize(tokens, french=True)


def char_tokenize(text: str) -> list[str]:
    """One token per character (spaces included)."""
    return list(text)


def char_detokenize(tokens: Sequence[str]) -> str:
    return "".join(tokens)


TOKENIZERS = {
    "word": (word_tokenize, word_detokenize),
    "word-fr": (word_tokenize, french_detokenize),
    "char": (char_tokenize, char_detokenize),
    "space": (str.split, " ".join),
}


def get_tokenizer(name: str):
    """Return ``(tokenize, detokenize)`` for ``"word"``, ``"word-fr"`` (French spacing
    before ``? ! ; :``), ``"char"`` or ``"space"``."""
    if name not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {name!r}; choose one of {sorted(TOKENIZERS)}")
    return TOKENIZERS[name]


class Vocab:
    """A bijection between tokens and ids; ids 0-3 are the four specials."""

    def __init__(self, tokens: Iterable[str]):
        self.itos: list[str] = list(SPECIALS)
        for tok in tokens:
            if tok in SPECIALS:
                raise ValueError(
                    f"token {tok!r} is a special token; specials are added automatically"
                )
            if tok not in self.itos:
                self.itos.append(tok)
        self.stoi = {tok: i for i, tok in enumerate(self.itos)}

    @classmethod
    def build(
        cls, sequences: Iterable[Sequence[str]], min_freq: int = 1, max_size: int | None = None
    ) -> Vocab:
        """Vocabulary of the tokens seen at least ``min_freq`` times, most frequent first."""
        counts = Counter(tok for seq in sequences for tok in seq)
        kept = [t for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_freq]
        kept = [t for t in kept if t not in SPECIALS]
        return cls(kept[:max_size] if max_size is not None else kept)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        preview = " ".join(self.itos[:10]) + (" ..." if len(self) > 10 else "")
        return f"Vocab({len(self)} tokens: {preview})"

    def encode(self, tokens: Sequence[str], add_sos: bool = False, add_eos: bool = False) -> list[int]:
        """Map tokens to ids; unknown tokens become ``<unk>`` (id 3)."""
        ids = [self.stoi.get(tok, UNK) for tok in tokens]
        return ([SOS] if add_sos else []) + ids + ([EOS] if add_eos else [])

    def decode(self, ids: Iterable[int], strip_specials: bool = True) -> list[str]:
        """Map ids back to tokens. With ``strip_specials``, skip ``<pad>``/``<sos>`` and stop at ``<eos>``."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self):
                raise ValueError(f"token id {i} is out of range for a vocabulary of size {len(self)}")
            if strip_specials:
                if i == EOS:
                    break
                if i in (PAD, SOS):
                    continue
            out.append(self.itos[i])
        return out

    def to_list(self) -> list[str]:
        """The non-special tokens in id order (enough to rebuild the vocabulary)."""
        return self.itos[len(SPECIALS):]
