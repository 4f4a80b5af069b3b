"""A sentence plan written out as an (English, French) pair of sentences.

:func:`render` writes one clause, or two joined by "and"/"but", with the writers of
:mod:`~seq2seq_lib.grammar.english` and :mod:`~seq2seq_lib.grammar.french`, and adds
the capital letter and the final punctuation (French keeps a space before "?").
"""

from __future__ import annotations

from .english import english_clause
from .french import french_clause, join_french
from .plan import Clause


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def render(first: Clause, conjunction: str | None = None, second: Clause | None = None) -> tuple[str, str]:
    """The (English, French) sentences of one clause, or of two joined by "and"/"but"."""
    mark = "?" if first.question else "."
    en, fr = english_clause(first), french_clause(first)
    if conjunction is not None:
        if first.question or second is None or second.question:
            raise ValueError("only two statements can be joined; questions stand alone")
        en += ([","] if conjunction == "but" else []) + [conjunction] + english_clause(second)
        fr += ([","] if conjunction == "but" else []) + [{"and": "et", "but": "mais"}[conjunction]]
        fr += french_clause(second)
    english = " ".join(en).replace(" ,", ",") + mark
    french = join_french(fr) + (" ?" if mark == "?" else ".")
    return _capitalise(english), _capitalise(french)
