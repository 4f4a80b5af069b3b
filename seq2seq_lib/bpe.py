"""Byte-level byte-pair encoding (Sennrich et al., 2016), twice: a readable reference and the ``tokenizers`` library.

BPE starts from single symbols and repeatedly merges the most frequent adjacent pair into a new symbol; the list
of merges, in the order they were learnt, *is* the model. To encode a word one replays the merges, lowest rank
first. Here the symbols are *bytes*, written with the 256-character GPT-2 alphabet (space is ``Ġ``), so no text
is ever unknown and decoding maps tokens back to bytes: encode→decode round-trips any Unicode string exactly.

Both paths share one pre-tokenisation (:data:`PRETOKENIZE_PATTERN`), learn the same merges and give the same
segmentation:

* the reference: :func:`learn_merges`, :func:`apply_merges`, :func:`encode_reference`, :func:`decode_tokens`;
* the fast path: :class:`BPETokenizer`, a thin wrapper around ``tokenizers.Tokenizer(models.BPE())``.

**Ties.** ``tokenizers``' ``BpeTrainer`` breaks equal pair counts by the *ids* of the pair's symbols: the pair
``(a, b)`` with the smallest ``(id(a), id(b))`` wins. The alphabet ids follow the *code point* of the byte-level
character (``!``=0 … ``~``=93, ``¡`` … ``ÿ``, then ``Ā`` (byte 0) … ``Ń`` (byte 173)), not the byte value, and every
new merged symbol takes the next free id. Read off ``trainer.rs`` (``Merge::cmp``, ``compute_alphabet``) and checked
by experiment (``tests/test_bpe.py``: corpora built so that byte order, string order or first-seen order would
pick a different merge).

**Specials.** ``<pad> <sos> <eos> <unk>`` are *not* in the BPE vocabulary: :class:`seq2seq_lib.vocab.Vocab` puts
them at ids 0–3 itself, so ``Vocab(bpe.tokens())`` has ``len(bpe) + 4`` entries. ``vocab_size`` therefore counts
the 256 byte symbols plus the merges, and a literal ``"<unk>"`` in the text is just five bytes (``<`` ``unk`` ``>``).

**One known difference.** When a merge builds a string that is already a symbol (``("a", "bc")`` after
``("ab", "c")``), the library reuses the id and its incremental bookkeeping can then apply later merges of that
symbol to only part of the words; the reference recounts exactly. This never happens on the shipped corpus
(checked up to 16,000 symbols: every merge is a new string), nor in the corpora of the tests.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

from .vocab import SPECIALS

# --- pre-tokenisation ----------------------------------------------------------------------------------------------
# Explicit character classes instead of \w and \s: Python's ``re`` and the Oniguruma engine inside ``tokenizers``
# disagree on those (combining accents, "²", "½", the separators \x1c-\x1f), but agree on a written-out list.
_SPACES = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_PUNCT = string.punctuation + "«»‹›‘’‚“”„…–—¡¿·•"
_S, _P = re.escape(_SPACES), re.escape(_PUNCT)
#: pieces, each keeping its leading space: digits, words (anything else), punctuation runs, then whitespace runs
#: (a run before a word leaves its last space to the word, GPT-2 style)
PRETOKENIZE_PATTERN = rf" ?[0-9]+| ?[^{_S}{_P}0-9]+| ?[{_P}]+|[{_S}]+(?![^{_S}])|[{_S}]+"
_PRETOKENIZE_RE = re.compile(PRETOKENIZE_PATTERN)


def _bytes_to_symbols() -> dict[int, str]:
    """The GPT-2 byte alphabet: printable Latin-1 bytes stand for themselves, the other 68 bytes
    (controls, space, DEL, NBSP, soft hyphen) take the characters 256, 257, … in byte order."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + len(table) - len(printable))
    return table


BYTE_TO_SYMBOL: dict[int, str] = _bytes_to_symbols()
SYMBOL_TO_BYTE: dict[str, int] = {s: b for b, s in BYTE_TO_SYMBOL.items()}
N_BYTES = 256


def pretokenize(text: str) -> list[str]:
    """Split ``text`` into pieces (``"Il dort."`` → ``['Il', ' dort', '.']``); merges never cross pieces."""
    return _PRETOKENIZE_RE.findall(text)


def byte_symbols(piece: str) -> list[str]:
    """The piece's UTF-8 bytes, one byte-alphabet character each (``" é"`` → ``['Ġ', 'Ã', '©']``)."""
    return [BYTE_TO_SYMBOL[b] for b in _utf8(piece)]


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text contains a lone surrogate, which has no UTF-8 bytes; "
                         "clean it first, e.g. text.encode('utf-8', 'replace').decode()") from None


def decode_tokens(tokens: Iterable[str]) -> str:
    """Join byte-alphabet tokens back into text (exact inverse of encoding; invalid UTF-8 becomes U+FFFD)."""
    data = bytearray()
    for token in tokens:
        if not isinstance(token, str):
            raise ValueError(f"tokens must be strings, got {type(token).__name__}; pass what tokenize() returned")
        try:
            data.extend(SYMBOL_TO_BYTE[s] for s in token)
        except KeyError:
            raise ValueError(f"token {token!r} has characters outside the byte-level alphabet; "
                             "pass tokens produced by this module's tokenizers") from None
    return data.decode("utf-8", errors="replace")


# --- the reference: learning and applying merges -------------------------------------------------------------------
def _check_all_str(texts: list) -> None:
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"texts must all be str, item {i} is {type(text).__name__}; convert or drop those items")


def _check_training_args(texts, vocab_size: int, min_frequency: int) -> list[str]:
    if isinstance(texts, str):
        raise ValueError("texts must be a list of strings, not one string; wrap it: [text]")
    texts = list(texts)
    _check_all_str(texts)
    if not any(texts):
        raise ValueError("the training corpus is empty (no non-empty text); pass at least one sentence")
    if not isinstance(vocab_size, int) or vocab_size < N_BYTES:
        raise ValueError(f"vocab_size={vocab_size!r} is smaller than the {N_BYTES} byte symbols every byte-level "
                         f"vocabulary holds (merges come on top; the 4 specials are not counted); "
                         f"pass vocab_size >= {N_BYTES}")
    if not isinstance(min_frequency, int) or min_frequency < 0:
        raise ValueError(f"min_frequency={min_frequency!r} must be an int >= 0 (pairs seen fewer times are not merged)")
    return texts


def _merge_word(symbols: list[str], a: str, b: str) -> list[str]:
    """Replace every ``a b`` in ``symbols``, left to right, without overlaps (``a a a`` → ``aa a``)."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def _count_pairs(symbols: list[str], weight: int, counts: Counter, index: int, where: dict) -> None:
    for pair in zip(symbols, symbols[1:]):
        counts[pair] += weight
        if weight > 0:
            where[pair].add(index)
        elif counts[pair] <= 0:
            del counts[pair]


def learn_merges(texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> list[tuple[str, str]]:
    """Learn byte-level BPE merges from ``texts``, in order (rank 0 first).

    The vocabulary starts with the 256 byte symbols; every merge adds its concatenation (unless that string is
    already a symbol). Stops when the vocabulary holds ``vocab_size`` symbols or the most frequent pair occurs
    fewer than ``min_frequency`` times. Ties go to the pair with the smallest symbol ids, as in ``tokenizers``.
    """
    texts = _check_training_args(texts, vocab_size, min_frequency)
    word_counts = Counter("".join(byte_symbols(p)) for text in texts for p in pretokenize(text))
    words = [list(word) for word in word_counts]
    freqs = list(word_counts.values())
    symbol_id = {s: i for i, s in enumerate(sorted(SYMBOL_TO_BYTE))}  # alphabet ids by code point
    counts: Counter = Counter()
    where: dict[tuple[str, str], set[int]] = defaultdict(set)  # pair -> words that (may) contain it
    for i, word in enumerate(words):
        _count_pairs(word, freqs[i], counts, i, where)
    merges: list[tuple[str, str]] = []
    while len(symbol_id) < vocab_size and counts:
        # The most frequent pair; on a tie, the smallest (id(a), id(b)) -- BpeTrainer's rule (its heap orders
        # equal counts by ascending pair of ids; alphabet ids by code point, merged symbols take the next id).
        (a, b), count = max(counts.items(), key=lambda kv: (kv[1], -symbol_id[kv[0][0]], -symbol_id[kv[0][1]]))
        if count < max(min_frequency, 1):
            break
        merges.append((a, b))
        symbol_id.setdefault(a + b, len(symbol_id))
        for i in where.pop((a, b)):
            if (a, b) not in zip(words[i], words[i][1:]):
                continue  # an earlier merge already took this word's occurrences apart
            _count_pairs(words[i], -freqs[i], counts, i, where)
            words[i] = _merge_word(words[i], a, b)
            _count_pairs(words[i], freqs[i], counts, i, where)
    return merges


def merge_ranks(merges: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """``{pair: rank}``; build it once and pass it to :func:`apply_merges` to encode many texts."""
    return {tuple(pair): rank for rank, pair in enumerate(merges)}


def apply_merges(piece_symbols: Sequence[str],
                 merges: Sequence[tuple[str, str]] | Mapping[tuple[str, str], int]) -> list[str]:
    """Merge the symbols of one piece: repeatedly join the adjacent pair of lowest rank (the leftmost if it
    occurs twice) until no adjacent pair is a merge. ``merges``: the merge list or :func:`merge_ranks` of it."""
    ranks = merges if isinstance(merges, Mapping) else merge_ranks(merges)
    symbols = list(piece_symbols)
    none = len(ranks)
    while len(symbols) > 1:
        pair_ranks = [ranks.get(pair, none) for pair in zip(symbols, symbols[1:])]
        best = min(pair_ranks)
        if best == none:
            break
        i = pair_ranks.index(best)
        symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
    return symbols


def encode_reference(text: str, merges: Sequence[tuple[str, str]] | Mapping[tuple[str, str], int]) -> list[str]:
    """Tokenise ``text`` with the reference: pre-tokenise, spell each piece in bytes, apply the merges."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    ranks = merges if isinstance(merges, Mapping) else merge_ranks(merges)
    return [token for piece in pretokenize(text) for token in apply_merges(byte_symbols(piece), ranks)]


# --- the library ---------------------------------------------------------------------------------------------------
def _new_tokenizer() -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PRETOKENIZE_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


class BPETokenizer:
    """Byte-level BPE through Hugging Face ``tokenizers``; same merges and tokens as the reference functions.

    Build one with :meth:`train` or :meth:`from_json`. ``tokens()`` (256 byte symbols, then one per merge, in id
    order, no specials) is what ``Vocab`` is built from; every string tokenises into those, so nothing is unknown.
    """

    def __init__(self, tokenizer: Tokenizer):
        self._tokenizer = tokenizer
        model = json.loads(tokenizer.to_str())["model"]
        if model.get("type") != "BPE":
            raise ValueError(f"expected a BPE model, got {model.get('type')!r}; use BPETokenizer.train()")
        vocab = model["vocab"]
        self._tokens = sorted(vocab, key=vocab.__getitem__)
        self._merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        missing = set(SYMBOL_TO_BYTE) - set(vocab)
        if missing:
            raise ValueError(f"the vocabulary lacks {len(missing)} of the 256 byte symbols, so some text would be "
                             "unknown; train it with BPETokenizer.train()")
        if set(SPECIALS) & set(vocab):
            raise ValueError("the BPE vocabulary holds special tokens; Vocab adds <pad> <sos> <eos> <unk> itself, "
                             "train it with BPETokenizer.train()")

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> BPETokenizer:
        """Learn ``vocab_size`` symbols (256 bytes + merges; see :func:`learn_merges`) from ``texts``."""
        texts = _check_training_args(texts, vocab_size, min_frequency)
        for text in texts:
            _utf8(text)
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
        tokenizer = _new_tokenizer()
        tokenizer.train_from_iterator(texts, trainer=trainer)
        return cls(tokenizer)

    def tokenize(self, text: str) -> list[str]:
        """Subword strings of ``text`` in the byte-level alphabet (``"Il dort."`` → ``['Il', 'Ġdort', '.']``)."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}; for many texts use tokenize_batch()")
        _utf8(text)
        return self._tokenizer.encode(text, add_special_tokens=False).tokens

    def tokenize_batch(self, texts: Sequence[str]) -> list[list[str]]:
        """:meth:`tokenize` for many texts at once (the library's parallel ``encode_batch``)."""
        if isinstance(texts, str):
            raise ValueError("tokenize_batch takes a list of strings, not one string; use tokenize(text)")
        texts = list(texts)
        _check_all_str(texts)
        try:
            encodings = self._tokenizer.encode_batch(texts, add_special_tokens=False)
        except TypeError:  # the library refuses strings with lone surrogates
            for text in texts:
                _utf8(text)
            raise
        return [encoding.tokens for encoding in encodings]

    def detokenize(self, tokens: Iterable[str]) -> str:
        """The text of ``tokens`` (exact inverse of :meth:`tokenize`)."""
        return decode_tokens(tokens)

    def tokens(self) -> list[str]:
        """Every subword string in id order: the 256 byte symbols, then one per merge; no special tokens."""
        return list(self._tokens)

    def merges(self) -> list[tuple[str, str]]:
        """The learnt merges, rank 0 first (comparable with :func:`learn_merges`)."""
        return list(self._merges)

    def __len__(self) -> int:
        return len(self._tokens)

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={len(self)}, merges={len(self._merges)})"

    def to_json(self) -> str:
        """The whole tokenizer as a JSON string (saved inside model checkpoints)."""
        return self._tokenizer.to_str()

    @classmethod
    def from_json(cls, s: str) -> BPETokenizer:
        """Rebuild a tokenizer saved by :meth:`to_json`."""
        if not isinstance(s, str):
            raise ValueError(f"from_json takes the JSON string from to_json(), got {type(s).__name__}")
        try:
            tokenizer = Tokenizer.from_str(s)
        except Exception as err:  # the library raises a bare Exception for malformed JSON
            raise ValueError(f"not a tokenizer saved by BPETokenizer.to_json() ({err}); the checkpoint may be "
                             "truncated or corrupt: save it again") from None
        return cls(tokenizer)
