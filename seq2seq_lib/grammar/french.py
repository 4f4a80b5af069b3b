"""Writing a sentence plan out as French text.

:func:`french_clause` writes one :class:`~seq2seq_lib.grammar.plan.Clause` with the
words of :mod:`~seq2seq_lib.grammar.lexicon`, and :func:`join_french` joins the words
into text. Everything here is deterministic.

* nouns, adjectives and past participles agree in gender and number;
* verbs are conjugated for the six persons in the présent, the passé composé (with
  *avoir*, or with *être* and agreement of the participle), the futur proche, and the
  imparfait of the two stative verbs *être* and *avoir*;
* *ne ... pas* wraps the conjugated word (the auxiliary in the passé composé, *aller*
  in the futur proche, the modal before an infinitive); under negation un/une/des and
  the partitive du/de la become *de*;
* :func:`join_french` finally contracts à/de + le/les (au, aux, du, des) and elides
  le, la, je, ne, de, que before a vowel or a mute h (l'homme, j'ai, n'a, d'eau, qu'il),
  never before a consonant or an aspirated h (le hibou, de huit).
"""

from __future__ import annotations

from .lexicon import (
    ADJECTIVE_BY_EN,
    ADVERB_BY_KEY,
    MODAL_BY_KEY,
    NOUN_BY_EN,
    NUMBERS,
    PREPOSITION_BY_KEY,
    PRONOUN_BY_EN,
    VERB_BY_KEY,
    Noun,
    Verb,
)
from .plan import Clause, Coreferent, NounPhrase, Subject, subject_features

VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüœæ")
MUTE_H = ("homme", "hôtel", "hôpita", "heure", "herbe", "horloge", "heureu", "histoire")  # beginnings with a mute h
ASPIRATED_H = ("hibou", "huit")  # no elision: "le hibou", "de huit"
ELISIONS = {"le": "l'", "la": "l'", "je": "j'", "ne": "n'", "de": "d'", "que": "qu'"}
CONTRACTIONS = {("à", "le"): "au", ("à", "les"): "aux", ("de", "le"): "du", ("de", "les"): "des"}
NUMBER_FR = dict(NUMBERS)


def starts_with_vowel_sound(word: str) -> bool:
    """True before a vowel or a mute h: "arbre", "homme", "hôtel"; False for "hibou", "huit", "chat"."""
    word = word.lower()
    return word[:1] in VOWELS or word.startswith(MUTE_H)


def join_french(tokens: list[str]) -> str:
    """Join words into text: contractions first (de + le -> du), then elisions (le + arbre -> l'arbre).

    Punctuation tokens "," and "." attach to the previous word; "?" keeps the French space before it.
    """
    contracted: list[str] = []
    i = 0
    while i < len(tokens):
        pair = (tokens[i].lower(), tokens[i + 1] if i + 1 < len(tokens) else "")
        after = tokens[i + 2] if i + 2 < len(tokens) else ""
        if pair in CONTRACTIONS and (pair[1] == "les" or not starts_with_vowel_sound(after)):
            contracted.append(CONTRACTIONS[pair])
            i += 2
        else:
            contracted.append(tokens[i])
            i += 1
    words: list[str] = []
    for token in contracted:
        previous = words[-1] if words else ""
        if previous in ELISIONS and starts_with_vowel_sound(token):
            words[-1] = ELISIONS[previous] + token
        else:
            words.append(token)
    return " ".join(words).replace(" ,", ",").replace(" .", ".")


# ----------------------------------------------------------------------------- French morphology
def present_forms(verb: Verb) -> tuple[str, ...]:
    """The six présent forms; regular -er (with mangeons), -ir (finissons) and -re (perdons) verbs by rule."""
    if verb.present:
        return verb.present
    stem, ending = verb.fr[:-2], verb.fr[-2:]
    if ending == "er":
        nous = stem + ("e" if stem.endswith("g") else "") + "ons"
        return stem + "e", stem + "es", stem + "e", nous, stem + "ez", stem + "ent"
    if ending == "ir":
        return stem + "is", stem + "is", stem + "it", stem + "issons", stem + "issez", stem + "issent"
    if ending == "re":
        return stem + "s", stem + "s", stem, stem + "ons", stem + "ez", stem + "ent"
    raise ValueError(f"cannot conjugate {verb.fr!r}; give its present forms in the lexicon")


def past_participle(verb: Verb) -> str:
    """The past participle: from the lexicon, or -é / -i / -u for regular verbs."""
    if verb.participle:
        return verb.participle
    return verb.fr[:-2] + {"er": "é", "ir": "i", "re": "u"}[verb.fr[-2:]]


def agree(masculine: str, gender: str, plural: bool) -> str:
    """Regular agreement of a past participle: parti, partie, partis, parties (pris stays pris)."""
    word = masculine + ("e" if gender == "f" else "")
    return word + ("s" if plural and not word.endswith("s") else "")


def adjective_form(adjective_en: str, gender: str, plural: bool, before_vowel: bool = False) -> str:
    """The agreeing form of an adjective; "bel"/"vieil"/"nouvel" before a masculine singular vowel."""
    adj = ADJECTIVE_BY_EN[adjective_en]
    if before_vowel and adj.ms_vowel and gender == "m" and not plural:
        return adj.ms_vowel
    return adj.forms[(gender == "f") + 2 * plural]


def definite(noun: Noun, plural: bool) -> str:
    """The definite article of a noun: "le", "la" or "les"."""
    return "les" if plural else ("le" if noun.gender == "m" else "la")


# ----------------------------------------------------------------------------- French phrases
def french_np(np: NounPhrase, negated: bool = False, bare: str = "partitive") -> list[str]:
    """The French words of a noun phrase.

    ``negated``: a direct object (or the thing after "il y a") under *ne ... pas*, where
    un/une/des/du become *de*. ``bare``: what an English noun without article becomes,
    "partitive" (des pommes, du pain) or "generic" (les pommes, le pain).
    """
    noun = NOUN_BY_EN[np.noun]
    word = noun.fr_pl if np.plural else noun.fr
    if np.det == "the" or (np.det == "bare" and bare == "generic"):
        det = [definite(noun, np.plural)]
    elif np.det in ("a", "bare") and negated:
        det = ["de"]
    elif np.det == "a":
        det = ["un" if noun.gender == "m" else "une"]
    elif np.det == "bare":
        det = ["des"] if np.plural else ["de", definite(noun, False)]
    elif np.det == "number":
        det = [NUMBER_FR[np.number]]
    else:
        raise ValueError(f"unknown determiner {np.det!r}")
    if np.adjective is None:
        return det + [word]
    adj = ADJECTIVE_BY_EN[np.adjective]
    form = adjective_form(adj.en, noun.gender, np.plural, before_vowel=starts_with_vowel_sound(word))
    return det + ([form, word] if adj.before else [word, form])


def french_pp(prep_key: str, np: NounPhrase) -> list[str]:
    """A prepositional phrase: "sous la table", "près de" + "le lit" (joined later as "près du lit")."""
    return PREPOSITION_BY_KEY[prep_key].fr.split() + french_np(np)


def subject_words(subject: Subject) -> list[str]:
    """The French subject: a pronoun, a noun phrase, or the pronoun standing for an antecedent."""
    if isinstance(subject, str):
        return [PRONOUN_BY_EN[subject].fr]
    if isinstance(subject, Coreferent):
        noun, plural = NOUN_BY_EN[subject.antecedent.noun], subject.antecedent.plural
        return [("elles" if plural else "elle") if noun.gender == "f" else ("ils" if plural else "il")]
    return french_np(subject)


def verb_group(verb: Verb, person: int, gender: str, plural: bool, tense: str, negated: bool,
               modal: str | None = None, adverb: str | None = None) -> list[str]:
    """The conjugated verb with its negation and adverb: "ne sont pas parties", "va bien dormir".

    ``tense`` is "present", "past" (passé composé; imparfait for a stative verb) or "future"
    (futur proche); with a ``modal`` the verb is an infinitive after the modal's présent.
    """
    if modal:
        finite, rest = MODAL_BY_KEY[modal].present[person], [verb.fr]
    elif tense == "present":
        finite, rest = present_forms(verb)[person], []
    elif tense == "past" and verb.stative:
        finite, rest = verb.imperfect[person], []
    elif tense == "past":
        auxiliary = VERB_BY_KEY["be" if verb.aux == "être" else "have"]
        participle = past_participle(verb)
        if verb.aux == "être":
            participle = agree(participle, gender, plural)
        finite, rest = auxiliary.present[person], [participle]
    elif tense == "future":
        finite, rest = present_forms(VERB_BY_KEY["go"])[person], [verb.fr]
    else:
        raise ValueError(f"unknown tense {tense!r}; use 'present', 'past' or 'future'")
    words = ["ne", finite, "pas"] if negated else [finite]
    kind = ADVERB_BY_KEY[adverb].kind if adverb else None
    if kind == "frequency" or (kind == "manner_short" and rest):
        words.append(ADVERB_BY_KEY[adverb].fr)
    words += rest
    if kind == "manner_long" or (kind == "manner_short" and not rest):
        words.append(ADVERB_BY_KEY[adverb].fr)
    return words


def french_clause(clause: Clause) -> list[str]:
    """The French words of one clause, without the final punctuation."""
    adverb = ADVERB_BY_KEY[clause.adverb] if clause.adverb else None
    inner_adverb = adverb.key if adverb and adverb.kind != "time" else None
    if clause.kind == "there":
        have = "a" if clause.tense == "present" else "avait"
        words = ["il", "ne", "y", have, "pas"] if clause.negated else ["il", "y", have]
        words += french_np(clause.obj, clause.negated) + french_pp(*clause.place)
    elif clause.kind == "where":
        person, gender, plural = subject_features(clause.subject)
        be = VERB_BY_KEY["be"]
        words = ["où", verb_group(be, person, gender, plural, clause.tense, False)[0]] + subject_words(clause.subject)
    else:
        person, gender, plural = subject_features(clause.subject)
        verb = VERB_BY_KEY["be" if clause.kind == "be" else clause.verb]
        words = subject_words(clause.subject)
        words += verb_group(verb, person, gender, plural, clause.tense, clause.negated, clause.modal, inner_adverb)
        if clause.adjective:
            words.append(adjective_form(clause.adjective, gender, plural))
        if clause.obj:
            words += french_np(clause.obj, clause.negated, verb.bare or "partitive")
        if clause.destination:
            words += french_pp(verb.destination, clause.destination)
        if clause.place:
            words += french_pp(*clause.place)
        if clause.companion:
            words += french_pp("with", clause.companion)
    if adverb and adverb.kind == "time":
        words.append(adverb.fr)
    return ["est-ce", "que"] + words if clause.question and clause.kind != "where" else words

