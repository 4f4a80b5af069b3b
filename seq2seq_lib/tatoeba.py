"""The Tatoeba English–French corpus that ships with the package, and its splits.

``corpora/tatoeba-fra-eng-short.tsv.xz`` holds 121,553 English→French pairs of
the ManyThings edition of Tatoeba (2017-09-29) whose English side has at most
8 words. Attribution: www.manythings.org/anki and tatoeba.org; licence CC BY 2.0
France; the data contains errors (``corpora/README.md``).

Many English sentences have several French translations. :func:`tatoeba_splits`
therefore splits by English sentence, so that no English sentence occurs in two
splits, and keeps every translation: the training split has one pair per
translation, the test split one entry per English sentence with all its
references (for multi-reference BLEU and chrF, :func:`seq2seq_lib.metrics.text_scores`).
"""

from __future__ import annotations

import lzma
import random
from dataclasses import dataclass
from importlib import resources

from .corpus import TextPair, tutorial_normalize

FILENAME = "tatoeba-fra-eng-short.tsv.xz"
ATTRIBUTION = "Tatoeba English-French (www.manythings.org/anki and tatoeba.org), CC BY 2.0 France"
#: the typographic spaces French uses before ? ! : ; (narrow no-break, no-break): read as plain spaces
_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def shipped_pairs() -> list[TextPair]:
    """All shipped ``(English, French)`` pairs, in the file's order, the no-break spaces read as spaces."""
    path = resources.files("seq2seq_lib") / "corpora" / FILENAME
    try:
        text = lzma.decompress(path.read_bytes()).decode("utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"the shipped corpus {FILENAME} is missing from the package; "
                                "reinstall seq2seq_lib (pip install --force-reinstall)") from None
    except (lzma.LZMAError, UnicodeDecodeError) as err:
        raise ValueError(f"the shipped corpus {FILENAME} is corrupt ({err}); reinstall seq2seq_lib") from None
    pairs = []
    for line in text.splitlines():
        english, french = line.translate(_SPACES).split("\t")
        pairs.append((english, french))
    return pairs


@dataclass
class TatoebaSplits:
    """``train``/``valid``: ``(English, French)`` pairs, every translation kept.
    ``test``: one ``(English, first French)`` pair per English sentence;
    ``test_refs[i]``: every French translation of ``test[i][0]`` (``test_refs[i][0] == test[i][1]``)."""

    train: list[TextPair]
    valid: list[TextPair]
    test: list[TextPair]
    test_refs: list[list[str]]

    def reference_streams(self) -> list[list[str | None]]:
        """The test references as sacrebleu wants them: stream ``k`` holds each sentence's
        ``k``-th reference, ``None`` where a sentence has fewer."""
        n = max(len(r) for r in self.test_refs)
        return [[refs[k] if k < len(refs) else None for refs in self.test_refs] for k in range(n)]


def _normalise(pairs: list[TextPair], normalize: bool, lowercase: bool) -> list[TextPair]:
    if normalize:
        return [(tutorial_normalize(e), tutorial_normalize(f)) for e, f in pairs]
    if lowercase:
        return [(e.lower(), f.lower()) for e, f in pairs]
    return pairs


def tatoeba_splits(n_valid: int = 1000, n_test: int = 2000, max_words: int | None = None,
                   n_train: int | None = None, normalize: bool = False, lowercase: bool = False,
                   seed: int = 0) -> TatoebaSplits:
    """Deterministic train/valid/test splits of the shipped corpus, disjoint in English sentences.

    Args:
        n_valid, n_test: English sentences in the validation and test splits.
        max_words: keep only pairs whose English side has at most this many words.
        n_train: keep only the first ``n_train`` training pairs (after shuffling), ``None``: all.
        normalize: :func:`~seq2seq_lib.corpus.tutorial_normalize` both sides (lowercase, no accents,
            no punctuation but ``. ! ?``), as the PyTorch tutorial does; ``lowercase``: lowercase only.
        seed: the shuffle of the English sentences (the default is the book's split).
    Raises ``ValueError`` when the filter leaves too few sentences for the splits.
    """
    pairs = _normalise(shipped_pairs(), normalize, lowercase)
    if max_words is not None:
        pairs = [(e, f) for e, f in pairs if len(e.split()) <= max_words]
    refs: dict[str, list[str]] = {}
    for english, french in pairs:
        if french not in refs.setdefault(english, []):
            refs[english].append(french)
    english = list(refs)
    if len(english) < n_valid + n_test + 1:
        raise ValueError(f"only {len(english)} English sentences are left after filtering; "
                         f"the splits need more than n_valid + n_test = {n_valid + n_test}")
    random.Random(seed).shuffle(english)
    test_en, valid_en, train_en = english[:n_test], english[n_test:n_test + n_valid], english[n_test + n_valid:]
    train = [(e, f) for e in train_en for f in refs[e]]
    random.Random(seed + 1).shuffle(train)
    if n_train is not None:
        train = train[:n_train]
    valid = [(e, f) for e in valid_en for f in refs[e]]
    return TatoebaSplits(train, valid, [(e, refs[e][0]) for e in test_en], [refs[e] for e in test_en])
