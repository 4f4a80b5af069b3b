"""Random sentence plans, and the translation set made of them.

:func:`generate_pairs` draws :class:`~seq2seq_lib.grammar.plan.Clause` plans with
``random.Random(seed)`` (one clause, or two joined by "and"/"but"), writes each with
:func:`~seq2seq_lib.grammar.sentence.render` and keeps distinct English sentences of 3
to 20 tokens; :func:`translation_splits` cuts them into train/valid/test sets that share
no English sentence. The lexicon's tags decide what may combine: no cat drinks coffee,
and no "it" or "they" is drawn where it could stand for two noun phrases.
"""

from __future__ import annotations

import random
from functools import cache

from ..vocab import word_tokenize
from .english import coreferent_pronoun
from .lexicon import (
    ADJECTIVE_BY_EN,
    ADVERB_BY_KEY,
    ADVERBS,
    ANIMAL_OBJECTS,
    MODALS,
    NOUN_BY_EN,
    NOUNS,
    NUMBERS,
    SOMEONE,
    VERBS,
    Noun,
    Verb,
    adjectives_for,
    destinations_for,
    lookup,
    matches,
    nouns_matching,
    places_for,
)
from .plan import Clause, Coreferent, NounPhrase, subject_features
from .sentence import render

TextPair = tuple[str, str]  # (English, French)

TENSES = ("present", "past", "future")
_PRONOUN_KEYS = ("I", "you", "he", "she", "we", "you all", "they")
_DET_WEIGHTS = {"the": 3, "a": 2, "bare": 2, "number": 1}
_NUMBER_WEIGHTS = (6, 5, 3, 3, 2, 1, 1, 1, 2, 1, 1)  # two, three...: small numbers are the common ones
_SUBJECT_TAGS = {"person": frozenset({"person"}), "animal": frozenset({"animal"}),
                 "thing": frozenset({"object", "vehicle", "food", "drink", "furniture", "place"})}


@cache
def _verbs(head_en: str, tense: str, third_person: bool, modal: str | None) -> tuple[Verb, ...]:
    """Verbs this subject can take in this tense (English "read" is past only after he/she/it)."""
    head = lookup(head_en)
    verbs = [v for v in VERBS if v.key != "be" and matches(head, v.subjects) and tense in v.tenses]
    if modal:
        verbs = [v for v in verbs if v.voluntary and len(v.tenses) == 3 and not (modal == "can" and v.skill)]
    if tense == "past" and not third_person:
        verbs = [v for v in verbs if v.en[2] != v.en[0]]
    return tuple(verbs)


def _noun_phrase(rng: random.Random, noun: Noun, dets, negated=False, adjective_chance=0.3, plural_chance=0.4):
    """A random noun phrase for ``noun`` with one of ``dets`` (None when none fits the noun)."""
    singular_only = noun.mass or noun.en_pl == noun.en  # "fish", "sheep": one English form
    fitting = [d for d in dets if not ((noun.mass and d in ("a", "number")) or (singular_only and not noun.mass
               and d in ("bare", "number")) or (negated and d == "number"))]
    if not fitting:
        return None
    det = rng.choice(fitting)
    plural = det == "number" or (det == "bare" and not noun.mass)
    plural = plural or (det == "the" and not singular_only and rng.random() < plural_chance)
    adjective = None
    if rng.random() < adjective_chance:
        options = [a for a in adjectives_for(noun.en, "attr") if not (a.before and det == "bare")]
        adjective = rng.choice(options).en if options else None
    number = rng.choices(NUMBERS, _NUMBER_WEIGHTS)[0][0] if det == "number" else None
    return NounPhrase(noun.en, plural, det, adjective, number)


def _subject(rng: random.Random, kind: str, question: bool):
    """(subject, the noun it stands for): a pronoun for a person 40% of the time."""
    group = "person" if kind == "modal" else rng.choices(("person", "animal", "thing"), (6, 3, 2))[0]
    if group == "person" and rng.random() < 0.4:
        return rng.choice([p for p in _PRONOUN_KEYS if not (question and p == "I")]), SOMEONE
    noun = rng.choice(nouns_matching(_SUBJECT_TAGS[group]))
    dets = ("the",) * 4 + (("a", "a", "number") if kind == "verb" else ("number",) if kind == "be_loc" else ())
    return _noun_phrase(rng, noun, dets, adjective_chance=0.25), noun


def _landmark(rng: random.Random, places) -> tuple[str, NounPhrase]:
    prep, landmark = rng.choice(places)
    dets = ("the",) if "unique" in landmark.tags else ("the", "the", "a")  # "on the floor", never "on a floor"
    return prep, _noun_phrase(rng, landmark, dets, adjective_chance=0.2, plural_chance=0)


def _adverb(rng: random.Random, tense: str, negated: bool, frequency=True, long_span=True) -> str | None:
    """A time adverb ("yesterday") or, in the present, a frequency adverb ("often"), 30% of the time."""
    if rng.random() >= 0.3:
        return None
    kinds = ("time", "frequency") if frequency else ("time",)
    options = [a.key for a in ADVERBS if a.kind in kinds and tense in a.tenses and (long_span or not a.long_span)
               and not (negated and a.key == "sometimes")]
    return rng.choice(options) if options else None


def _verb_clause(rng, subject, head: Noun, tense, negated, question, modal=None) -> Clause | None:
    """Subject + verb, with the object, destination, place, companion and adverb the verb allows."""
    verbs = _verbs(head.en, tense, subject_features(subject)[0] == 2, modal)
    if not verbs:
        return None
    verb = rng.choice(verbs)
    obj = destination = place = companion = adverb = None
    if verb.objects and (not verb.intransitive or rng.random() < 0.6):
        bare_ok = verb.bare == "partitive" or (verb.bare == "generic" and tense == "present")
        dets = [d for d in verb.dets for _ in range(_DET_WEIGHTS[d]) if d != "bare" or bare_ok]
        objects = [n for n in nouns_matching(verb.objects) if n is not head and not (head.kind == "animal" and (
                   "human" in n.tags or not matches(n, ANIMAL_OBJECTS)))]  # no cat drinks coffee or sees a museum
        obj = _noun_phrase(rng, rng.choice(objects), dets, negated, plural_chance=0.3) if objects else None
        if obj is None and not verb.intransitive:
            return None
    needs_place = not (verb.intransitive or verb.objects or verb.destination)
    if verb.destination and (verb.needs_destination or (head.kind != "vehicle" and rng.random() < 0.4)):
        destination = _noun_phrase(rng, rng.choice(destinations_for(verb.destination)), ("the",), plural_chance=0,
                                   adjective_chance=0.15)
    elif verb.where and (needs_place or rng.random() < (0.2 if obj else 0.4)):
        places = [(p, n) for p, n in places_for(head.en) if n.loc in verb.where and (not verb.preps or p in verb.preps)]
        if places:
            place = _landmark(rng, places)
    if needs_place and place is None:
        return None
    if not (obj or destination or place) and verb.companions and rng.random() < 0.25:
        companion = _noun_phrase(rng, rng.choice([n for n in nouns_matching(verb.companions) if n is not head]),
                                 ("the", "a"), adjective_chance=0.2)
    if not (obj or destination or place or companion or modal) and verb.manner and rng.random() < 0.35:
        adverb = rng.choice(verb.manner)
    if len(verb.tenses) > 1:  # not "knows the city every morning"
        adverb = adverb or _adverb(rng, tense, negated, frequency=modal is None, long_span=modal is None)
    return Clause("verb", subject, verb.key, tense, negated, question, obj, None, place, destination, companion,
                  adverb, modal)


def _clause(rng, kind, tense, negated, question, subject=None, head=None) -> Clause | None:
    """One clause of the given kind ("verb", "modal", "be_adj", "be_loc", "there", "where")."""
    if kind == "there":
        figure = rng.choice(_THERE_FIGURES)
        thing = _noun_phrase(rng, figure, ("a", "a", "bare", "number"), negated, adjective_chance=0.2)
        tense = "present" if tense == "future" else tense
        return Clause("there", None, tense=tense, negated=negated, question=question, obj=thing,
                      place=_landmark(rng, places_for(figure.en)), adverb=_adverb(rng, tense, negated, False, False))
    if kind == "where":
        noun = rng.choice(nouns_matching(frozenset({"person", "animal", "portable", "vehicle"})))
        return Clause("where", _noun_phrase(rng, noun, ("the",)), tense="past" if tense == "past" else "present",
                      question=True)
    if subject is None:
        subject, head = _subject(rng, kind, question)
    if kind in ("verb", "modal"):
        modal = rng.choice(MODALS).key if kind == "modal" else None
        return _verb_clause(rng, subject, head, "present" if modal else tense, negated, question, modal)
    if kind == "be_adj":  # "The tired owl is kind": of two adjectives, one is a passing state ("tired")
        has_adjective = isinstance(subject, NounPhrase) and subject.adjective
        described = ADJECTIVE_BY_EN[subject.adjective] if has_adjective else None
        options = [a for a in adjectives_for(head.en, "pred") if (described is None or a.state != described.state)
                   and (a.state or tense != "future")]  # "is going to be tired", not "is going to be young"
        if not options:
            return None
        adjective = rng.choice(options)  # only a passing state has a time: "tired today", not "intelligent today"
        adverb = _adverb(rng, tense, negated, long_span=False) if adjective.state else None
        return Clause("be", subject, tense=tense, negated=negated, question=question, adjective=adjective.en,
                      adverb=adverb)
    places = places_for(head.en)
    if head.kind == "place":  # buildings do not move: "The hotel is near the station."
        tense, adverb = ("past" if tense == "past" else "present"), None
    else:
        adverb = _adverb(rng, tense, negated, long_span=False)
    return Clause("be", subject, tense=tense, negated=negated, question=question, place=_landmark(rng, places),
                  adverb=adverb) if places else None


_THERE_FIGURES = tuple(n for n in NOUNS if n.kind in ("person", "animal", "object", "food", "drink")
                       and places_for(n.en))
_KINDS, _KIND_WEIGHTS = ("verb", "modal", "be_adj", "be_loc", "there", "where"), (50, 10, 14, 12, 7, 3)


def _pronouns_for_others(clause: Clause) -> set[str]:
    """English pronouns that could refer to a noun phrase of ``clause`` other than its subject."""
    others = [clause.obj, clause.destination, clause.companion, clause.place[1] if clause.place else None]
    return {coreferent_pronoun(np) for np in others if np is not None}


def _predicate(clause: Clause) -> tuple:
    """What a clause says of its subject: the verb, the adjective, or being somewhere."""
    return clause.verb or clause.adjective or "somewhere",


def _second_clause(rng: random.Random, first: Clause) -> Clause | None:
    """The clause after "and"/"but"; its "he/she/it/they" can only mean the first clause's subject.

    So "it"/"they" appear only where the first clause has no other noun phrase they could stand for.
    """
    kind = rng.choices(("verb", "be_adj", "be_loc"), (5, 2, 2))[0]
    negated = rng.random() < 0.3
    taken = _pronouns_for_others(first)
    pronoun = coreferent_pronoun(first.subject) if isinstance(first.subject, NounPhrase) else None
    if pronoun and pronoun not in taken and rng.random() < 0.5:
        subject, head = Coreferent(first.subject), NOUN_BY_EN[first.subject.noun]
    else:
        subject, head = _subject(rng, kind, False)
        if subject == "they" and (isinstance(first.subject, NounPhrase) or "they" in taken):
            return None  # would read as a noun phrase of the first clause: "The girls ..., but they ..."
    second = _clause(rng, kind, first.tense, negated, False, subject, head)
    if second is None or _predicate(second) == _predicate(first):
        return None  # "The photos did not fall, but they fell."
    return second


def _plan(rng: random.Random):
    """A random sentence plan: (clause, None, None) or (clause, "and"/"but", clause); None to retry."""
    tense = rng.choice(TENSES)
    if rng.random() < 0.12:
        first = _clause(rng, rng.choices(("verb", "be_adj", "be_loc"), (5, 2, 2))[0], tense, rng.random() < 0.3,
                        False)
        if first is None or (first.adverb and ADVERB_BY_KEY[first.adverb].kind == "time"):
            return None
        second = _second_clause(rng, first)
        return (first, rng.choice(("and", "but")), second) if second else None
    question = rng.random() < 0.2
    kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
    if kind == "where" and not question:
        kind = "be_loc"
    negated = not question and rng.random() < 0.3
    clause = _clause(rng, kind, tense, negated, question)
    return (clause, None, None) if clause else None


def _fits(text: str) -> bool:
    return 3 <= len(word_tokenize(text)) <= 20


def generate_pairs(n: int, seed: int = 0) -> list[TextPair]:
    """``n`` distinct English sentences with their French translation, the same for the same seed.

    Raises ``ValueError`` for a negative ``n`` or one larger than the grammar can make distinct.
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    rng = random.Random(seed)
    pairs: list[TextPair] = []
    seen: set[str] = set()
    attempts = 0
    while len(pairs) < n:
        attempts += 1
        if attempts > 50 * n + 1000:
            raise ValueError(f"could only make {len(pairs)} distinct sentences; ask for fewer than {n}")
        plan = _plan(rng)
        if plan is None:
            continue
        english, french = render(*plan)
        if english not in seen and _fits(english) and _fits(french):
            seen.add(english)
            pairs.append((english, french))
    return pairs


def translation_splits(n_train: int = 20_000, n_valid: int = 1_000, n_test: int = 1_000, seed: int = 0):
    """(train, valid, test) lists of (English, French) pairs; no English sentence is in two splits."""
    pairs = generate_pairs(n_train + n_valid + n_test, seed)
    return pairs[:n_train], pairs[n_train:n_train + n_valid], pairs[n_train + n_valid:]
