"""The sentence plan: what a sentence says, before it is written in either language.

:mod:`~seq2seq_lib.grammar.sampling` draws plans at random, and the writers
:mod:`~seq2seq_lib.grammar.english` and :mod:`~seq2seq_lib.grammar.french` turn the
same plan into an English and a French sentence. Every word in a plan is named by its
English key in :mod:`~seq2seq_lib.grammar.lexicon`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import NOUN_BY_EN, PRONOUN_BY_EN


@dataclass(frozen=True)
class NounPhrase:
    """A noun with its determiner and at most one adjective (all named by their English words)."""

    noun: str
    plural: bool = False
    det: str = "the"  # "the", "a", "bare" (no English article) or "number"
    adjective: str | None = None
    number: str | None = None  # the English numeral when det == "number"


@dataclass(frozen=True)
class Coreferent:
    """A pronoun standing for the first clause's subject: "he", "she", "it" or "they"."""

    antecedent: NounPhrase


Subject = str | NounPhrase | Coreferent  # a pronoun key ("I", "you all"...), a noun phrase or a coreferent


@dataclass(frozen=True)
class Clause:
    """The plan of one clause, shared by both languages.

    ``kind`` is "verb" ("The cat sleeps under the table."), "be" with an ``adjective`` or a
    ``place`` ("The car is red.", "The cat is in the garden."), "there" ("There is" + ``obj``
    + ``place``) or "where" ("Where is the cat?", present or past, always a question).
    """

    kind: str
    subject: Subject | None  # None for "there"
    verb: str | None = None  # key of lexicon.VERB_BY_KEY
    tense: str = "present"  # "present", "past" or "future"
    negated: bool = False
    question: bool = False
    obj: NounPhrase | None = None
    adjective: str | None = None  # after "to be"
    place: tuple[str, NounPhrase] | None = None  # (preposition key, landmark)
    destination: NounPhrase | None = None  # after the verb's own preposition ("go to")
    companion: NounPhrase | None = None  # after "with"
    adverb: str | None = None  # key of lexicon.ADVERB_BY_KEY
    modal: str | None = None  # "want", "like to", "can", "must": ``verb`` is then an infinitive


def subject_features(subject: Subject) -> tuple[int, str, bool]:
    """(person index 0-5, gender, plural) of a subject: pronoun key, noun phrase or coreferent pronoun.

    The gender is the French one ("m" or "f"); English needs only the person.
    """
    if isinstance(subject, str):
        pronoun = PRONOUN_BY_EN[subject]
        return pronoun.person, pronoun.gender, pronoun.plural
    np = subject.antecedent if isinstance(subject, Coreferent) else subject
    return (5 if np.plural else 2), NOUN_BY_EN[np.noun].gender, np.plural
