"""The project's own English→French translation set, generated from a grammar.

A sentence is planned once, as a :class:`Clause` (or two clauses joined by "and"/"but"),
and then written out in both languages from the same lexicon entries. The modules, each
importing only those above it:

* :mod:`~seq2seq_lib.grammar.lexicon`: the bilingual lexicon (nouns, verbs, adjectives,
  pronouns... with every English and French form the writers need), plain data;
* :mod:`~seq2seq_lib.grammar.plan`: the sentence plan, :class:`Clause`,
  :class:`NounPhrase` and :class:`Coreferent`, and :func:`subject_features`;
* :mod:`~seq2seq_lib.grammar.english` and :mod:`~seq2seq_lib.grammar.french`: the two
  writers, one clause to a list of words (:func:`english_clause`, :func:`french_clause`);
* :mod:`~seq2seq_lib.grammar.sentence`: :func:`render`, a plan to an (English, French)
  pair of sentences;
* :mod:`~seq2seq_lib.grammar.sampling`: random plans; :func:`generate_pairs` samples
  distinct sentences with ``random.Random(seed)`` and :func:`translation_splits` cuts
  them into train/valid/test sets that share no English sentence.

Conventions (the English always determines the French, so each English sentence has
exactly one reference):

* "you" is always *tu*; "you all" is always *vous* (plural). "we" is *nous*, never *on*.
* "they" is *ils*, except in the second half of "X ..., and/but they ...", where "they"
  (and "it", "he", "she") refers to the first half's subject X: "The girls are tired, but
  they are happy." -> "..., mais elles sont heureuses."; "The car is red, but it is
  old." -> "..., mais elle est vieille." An independent "it" is never generated.
* *je*, *tu*, *nous*, *vous*, *ils* agree in the masculine: "I left." -> "Je suis parti."
* Tenses: present simple -> présent; simple past -> passé composé ("I ate" -> "j'ai
  mangé", "she left" -> "elle est partie"), except for "be" and "have", whose simple
  past is the imparfait ("was" -> *était*, "had" -> *avait*, "there was" -> *il y avait*);
  "is going to" -> futur proche ("je vais manger"). "want to", "like to", "can" and
  "must" (vouloir, aimer, pouvoir, devoir + infinitive) are present only.
* Negation: English "not" in full ("does not", "did not", "cannot"), French *ne ... pas*;
  "There is no cat" -> "Il n'y a pas de chat".
* Yes/no questions are always "Est-ce que ... ?", never inversion; "Where is X?" is
  "Où est X ?". French keeps a space before "?"; English sentences have none.
* English objects without an article are partitive ("drinks water" -> "boit de l'eau",
  "eats apples" -> "mange des pommes"), except after like/love/hate, where they are
  generic ("likes coffee" -> "aime le café", present tense only).
* Adjectives follow the noun except the listed few (petit, grand, beau, joli, bon,
  mauvais, jeune, vieux, nouveau, long); no "des" before such an adjective is generated.
* "teacher", "doctor", "child", "baby", "soldier" are masculine (*le professeur*);
  animals and things are "it" in English, whatever their French gender.
* One French word per English word and sense: "in" -> *dans*, "go to the park" -> *aller
  au parc*, "like" -> *aimer*, "love" -> *adorer*, "leave" -> *partir* but "leave the
  house" -> *quitter la maison*, "can" -> *pouvoir* (never with a skill such as "swim",
  which would need *savoir*).
* No English sentence that reads two ways is generated: "fish" and "sheep" stay
  singular, and the past "read" follows only he/she/it ("I read" could be present).
* British spelling ("grey", "travelled"); one adjective at most per noun.
"""

from . import lexicon
from .english import coreferent_pronoun, english_clause
from .french import (
    ASPIRATED_H,
    MUTE_H,
    french_clause,
    join_french,
    past_participle,
    present_forms,
    starts_with_vowel_sound,
)
from .plan import Clause, Coreferent, NounPhrase, Subject, subject_features
from .sampling import TextPair, generate_pairs, translation_splits
from .sentence import render

__all__ = [
    "lexicon", "Clause", "Coreferent", "NounPhrase", "Subject", "subject_features",
    "coreferent_pronoun", "english_clause", "french_clause", "join_french", "render",
    "ASPIRATED_H", "MUTE_H", "past_participle", "present_forms", "starts_with_vowel_sound",
    "TextPair", "generate_pairs", "translation_splits",
]
