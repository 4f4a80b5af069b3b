"""Writing a sentence plan out as English text.

:func:`english_clause` writes one :class:`~seq2seq_lib.grammar.plan.Clause` with the
words of :mod:`~seq2seq_lib.grammar.lexicon`: "a"/"an", third-person -s, irregular
pasts, do-support in questions and negation ("Does the cat sleep?", "The cat did not
sleep."), "is going to". :func:`coreferent_pronoun` says which pronoun ("he", "she",
"it", "they") may stand for a noun phrase. Everything here is deterministic.
"""

from __future__ import annotations

from .lexicon import ADVERB_BY_KEY, MODAL_BY_KEY, NOUN_BY_EN, PREPOSITION_BY_KEY, VERB_BY_KEY
from .plan import Clause, Coreferent, NounPhrase, Subject, subject_features


def _article(next_word: str) -> str:
    """ "a" or "an" by the sound of the next word (all the lexicon needs)."""
    return "an" if next_word[0].lower() in "aeiou" or next_word.startswith(("hour", "honest")) else "a"


def english_np(np: NounPhrase, no: bool = False) -> list[str]:
    """English words of a noun phrase; ``no``: "there is no cat" (negated existential)."""
    noun = NOUN_BY_EN[np.noun]
    words = ([np.adjective] if np.adjective else []) + [noun.en_pl if np.plural else noun.en]
    if no and np.det in ("a", "bare"):
        return ["no"] + words
    det = {"the": ["the"], "a": [_article(words[0])], "bare": [], "number": [np.number]}[np.det]
    return det + words


def english_subject(subject: Subject) -> list[str]:
    """The English subject: a pronoun, a noun phrase, or the pronoun standing for an antecedent."""
    if isinstance(subject, str):
        return [subject]
    if isinstance(subject, Coreferent):
        return [coreferent_pronoun(subject.antecedent)]
    return english_np(subject)


def coreferent_pronoun(np: NounPhrase) -> str | None:
    """The English pronoun for a noun phrase (None where English gives no gender: "the doctor")."""
    noun = NOUN_BY_EN[np.noun]
    if np.plural:
        return "they"
    if noun.kind != "person":
        return "it"
    return "he" if "male" in noun.tags else ("she" if "female" in noun.tags else None)


def _be(person: int, tense: str) -> str:
    if tense == "past":
        return "was" if person in (0, 2) else "were"
    return {0: "am", 2: "is"}.get(person, "are")


def english_verb_group(clause: Clause, person: int) -> tuple[list[str], list[str]]:
    """(head, rest): a question puts the subject between them ("Does" he "sleep"), a statement before both."""
    verb = VERB_BY_KEY["be" if clause.kind == "be" else clause.verb]
    base, third, past, _ = verb.en
    neg = ["not"] if clause.negated else []
    adverb = ADVERB_BY_KEY[clause.adverb] if clause.adverb else None
    freq = [adverb.en] if adverb and adverb.kind == "frequency" else []
    third_person = person == 2
    if clause.modal:
        modal = MODAL_BY_KEY[clause.modal]
        if modal.auxiliary:  # "can", "cannot", "must", "must not": no do-support
            words = modal.en_negative.split() if clause.negated else [modal.en[0]]
            return words[:1], words[1:] + freq + [base]
        head = [("does" if third_person else "do")] if clause.negated or clause.question else []
        return head, neg + freq + [modal.en[0] if head else modal.en[third_person], base]
    if clause.tense == "future":
        return [_be(person, "present")], neg + ["going", "to", base]
    if clause.kind == "be":
        return [_be(person, clause.tense)], neg + freq
    if clause.negated or clause.question:
        do = "did" if clause.tense == "past" else ("does" if third_person else "do")
        return [do], neg + freq + [base]
    return [], freq + [past if clause.tense == "past" else (third if third_person else base)]


def english_clause(clause: Clause) -> list[str]:
    """English words of one clause, without the final punctuation."""
    adverb = ADVERB_BY_KEY[clause.adverb] if clause.adverb else None
    if clause.kind == "there":
        thing = clause.obj
        be = _be(5 if thing.plural else 2, clause.tense)
        head, rest = [be], english_np(thing, no=clause.negated)
        words = head + ["there"] + rest if clause.question else ["there"] + head + rest
        words += _english_pp(*clause.place)
    elif clause.kind == "where":
        words = ["where", _be(subject_features(clause.subject)[0], clause.tense)] + english_subject(clause.subject)
    else:
        head, rest = english_verb_group(clause, subject_features(clause.subject)[0])
        subject = english_subject(clause.subject)
        words = head + subject + rest if clause.question else subject + head + rest
        if clause.adjective:
            words.append(clause.adjective)
        if clause.obj:
            words += english_np(clause.obj)
        if clause.destination:
            words += _english_pp(VERB_BY_KEY[clause.verb].destination, clause.destination)
        if clause.place:
            words += _english_pp(*clause.place)
        if clause.companion:
            words += _english_pp("with", clause.companion)
        if adverb and adverb.kind.startswith("manner"):
            words.append(adverb.en)
    if adverb and adverb.kind == "time":
        words.append(adverb.en)
    return words


def _english_pp(prep_key: str, np: NounPhrase) -> list[str]:
    return [PREPOSITION_BY_KEY[prep_key].en] + english_np(np)
