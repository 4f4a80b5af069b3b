"""The generated English→French translation set: size, determinism, splits and French grammar."""

from __future__ import annotations

import random
import re
import time

import pytest

from seq2seq_lib.grammar import (
    ASPIRATED_H,
    MUTE_H,
    Clause,
    Coreferent,
    generate_pairs,
    join_french,
    past_participle,
    present_forms,
    render,
    starts_with_vowel_sound,
    translation_splits,
)
from seq2seq_lib.grammar import NounPhrase as NP
from seq2seq_lib.grammar.lexicon import ADJECTIVES, NOUNS, VERB_BY_KEY, VERBS, lexicon_counts
from seq2seq_lib.vocab import word_tokenize

PERSONS = ("I", "you", "he", "she", "we", "you all", "they")


@pytest.fixture(scope="module")
def timed_pairs():
    start = time.perf_counter()
    pairs = generate_pairs(25_000, seed=0)
    return pairs, time.perf_counter() - start


@pytest.fixture(scope="module")
def pairs(timed_pairs):
    return timed_pairs[0]


@pytest.fixture(scope="module")
def french(pairs):
    return [fr for _, fr in pairs[:5000]]


def en_fr(*args) -> tuple[str, str]:
    return render(*args)


# ----------------------------------------------------------------------------- the lexicon
def test_lexicon_is_large_enough():
    counts = lexicon_counts()
    assert sum(counts.values()) >= 250
    assert counts["nouns"] >= 150 and counts["adjectives"] >= 40 and counts["verbs"] >= 60
    assert counts["pronouns"] == 8 and counts["prepositions"] >= 10 and counts["numbers"] >= 9


def test_lexicon_spellings_are_complete():
    for noun in NOUNS:  # -eau, -al, -eu, -ou plurals are irregular: each one must be written out
        if noun.fr.endswith(("eau", "al", "eu", "ou")) and not noun.mass and noun.kind != "time":
            assert noun.fr_pl != noun.fr + "s", noun
    french_words = [n.fr for n in NOUNS] + [a.forms[0] for a in ADJECTIVES] + [v.fr for v in VERBS]
    for word in french_words:  # every h is classified, so elision before it is decided, not guessed
        if word.startswith("h"):
            assert word.startswith(MUTE_H) or word.startswith(ASPIRATED_H), word
    for verb in VERBS:
        assert len(present_forms(verb)) == 6 and past_participle(verb)
        if verb.fr.endswith("ir") and verb.present is None:
            assert verb.fr in ("finir", "choisir", "remplir"), verb.fr  # only second-group verbs by rule
    before = {a.forms[0] for a in ADJECTIVES if a.before}
    assert before == {"petit", "grand", "beau", "joli", "bon", "mauvais", "jeune", "vieux", "nouveau", "long"}


def test_conjugation_and_plurals():
    assert present_forms(VERB_BY_KEY["eat"])[3] == "mangeons"
    assert present_forms(VERB_BY_KEY["finish"]) == ("finis", "finis", "finit", "finissons", "finissez", "finissent")
    assert present_forms(VERB_BY_KEY["lose"]) == ("perds", "perds", "perd", "perdons", "perdez", "perdent")
    assert present_forms(VERB_BY_KEY["buy"])[0] == "achète" and present_forms(VERB_BY_KEY["buy"])[3] == "achetons"
    assert [past_participle(VERB_BY_KEY[k]) for k in ("eat", "finish", "wait", "take", "open")] == [
        "mangé", "fini", "attendu", "pris", "ouvert"]
    plurals = {n.en: n.fr_pl for n in NOUNS}
    assert plurals["horse"] == "chevaux" and plurals["owl"] == "hiboux" and plurals["mouse"] == "souris"
    assert plurals["grandmother"] == "grands-mères" and plurals["gentleman"] == "messieurs"


# ----------------------------------------------------------------------------- the data set
def test_25k_distinct_pairs_quickly(timed_pairs):
    pairs, seconds = timed_pairs
    assert len(pairs) == 25_000
    assert len({en for en, _ in pairs}) == 25_000
    assert seconds < 10, f"generate_pairs(25_000) took {seconds:.1f} s"


def test_deterministic_for_a_seed_without_global_state():
    state = random.getstate()
    random.seed(1)
    first = generate_pairs(400, seed=7)
    random.seed(2)
    assert generate_pairs(400, seed=7) == first
    assert generate_pairs(400, seed=8) != first
    random.seed(1)
    random.random()
    after_one_draw = random.getstate()
    random.seed(1)
    generate_pairs(50, seed=3)
    random.random()
    assert random.getstate() == after_one_draw  # the global generator was not touched
    random.setstate(state)


def test_lengths_and_format(pairs):
    for en, fr in pairs:
        assert 3 <= len(word_tokenize(en)) <= 20 and 3 <= len(word_tokenize(fr)) <= 20, (en, fr)
        assert en[0].isupper() and fr[0].isupper(), (en, fr)
        assert en.endswith((".", "?")) and "  " not in en + fr
        assert en.endswith("?") == fr.endswith(" ?"), (en, fr)  # French typography: a space before "?"
        assert not fr.endswith(" .") and " ," not in fr
    assert max(len(word_tokenize(fr)) for _, fr in pairs) >= 17  # coordination makes long sentences


def test_exactly_one_reference_per_english_sentence(pairs):
    reference: dict[str, str] = {}
    for en, fr in pairs + generate_pairs(5000, seed=1) + generate_pairs(5000, seed=2):
        assert reference.setdefault(en, fr) == fr, (en, reference[en], fr)


def test_splits_are_disjoint_and_deterministic():
    train, valid, test = translation_splits(n_train=3000, n_valid=300, n_test=300, seed=4)
    assert (len(train), len(valid), len(test)) == (3000, 300, 300)
    sets = [{en for en, _ in split} for split in (train, valid, test)]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert (train, valid, test) == translation_splits(n_train=3000, n_valid=300, n_test=300, seed=4)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="non-negative"):
        generate_pairs(-1)
    with pytest.raises(ValueError, match="questions"):
        render(Clause("verb", "he", "sleep", question=True), "and", Clause("verb", "she", "sleep"))


def test_every_phenomenon_occurs(pairs):
    text = "\n".join(fr for _, fr in pairs)
    for pattern in [r"Est-ce qu'", r"Est-ce que ", r"\bOù ", r"\bn'\w+ pas\b", r"\bne \w+ pas\b", r"\bvais\b",
                    r"\bsont (parties|allées|venues|sorties|tombées|restées|entrées|arrivées|revenues)\b",
                    r"\bétait\b", r"\bIl y a\b", r"\bIl y avait\b", r"\bmais\b", r"\bet\b", r"\bdu\b", r"\bau\b",
                    r"\bdes\b", r"\bde l'", r"\bd'", r"\bpas de\b", r"\bl'homme\b", r"\bvieil\b",
                    r"\bbel\b", r"\bnouvel\b", r"\belles\b", r"\bvous\b", r"\bj'\w+", r"\ble hibou\b"]:
        assert re.search(pattern, text), pattern


# ----------------------------------------------------------------------------- French spelling
def test_elision_and_contraction_in_generated_text(french):
    text = "\n".join(french)
    vowel = r"[aeiouyàâéèêîôûœ]"
    missing = re.findall(rf"\b(?:le|la|je|ne|de|que) (?:{vowel}|h(?!ibou|uit))\w*", text, flags=re.I)
    assert not missing, missing[:5]  # "le homme", "je aime", "ne a", "de eau", "que il"
    wrong = re.findall(rf"\b(?:l|j|n|d|qu)'(?!{vowel}|h(?!ibou|uit))\w*", text, flags=re.I)
    assert not wrong, wrong[:5]  # no elision before a consonant or an aspirated h
    assert not re.search(r"\b(?:de|à) les?\b", text, flags=re.I)  # always du, des, au, aux
    assert "l'homme" in text.lower() and "l'hibou" not in text


def test_join_french():
    assert join_french(["le", "homme", "est", "près", "de", "le", "arbre", "."]) == "l'homme est près de l'arbre."
    assert join_french(["je", "ne", "ai", "pas", "de", "eau", "."]) == "je n'ai pas d'eau."
    assert join_french(["il", "va", "à", "le", "parc", "et", "à", "les", "écoles"]) == "il va au parc et aux écoles"
    assert join_french(["près", "de", "le", "hibou", "et", "de", "huit", "chats"]) == "près du hibou et de huit chats"
    assert join_french(["est-ce", "que", "il", "y", "a", "?"]) == "est-ce qu'il y a ?"
    assert starts_with_vowel_sound("hôtel") and not starts_with_vowel_sound("hibou")


# ----------------------------------------------------------------------------- French grammar, exactly
def test_agreement_of_articles_adjectives_and_participles():
    assert en_fr(Clause("verb", NP("girl", True, adjective="small"), "leave", "past")) == (
        "The small girls left.", "Les petites filles sont parties.")
    assert en_fr(Clause("be", NP("house", True), adjective="white")) == (
        "The houses are white.", "Les maisons sont blanches.")
    assert en_fr(Clause("be", NP("woman", det="a", adjective="happy"), place=("in", NP("garden")))) == (
        "A happy woman is in the garden.", "Une femme heureuse est dans le jardin.")
    assert en_fr(Clause("be", NP("tree", True, adjective="beautiful"), tense="past", adjective="old")) == (
        "The beautiful trees were old.", "Les beaux arbres étaient vieux.")
    assert en_fr(Clause("verb", NP("apple", True, det="number", number="three"), "fall", "past")) == (
        "Three apples fell.", "Trois pommes sont tombées.")


@pytest.mark.parametrize("person, en, fr", [
    ("I", "I went to the park.", "Je suis allé au parc."),
    ("you", "You went to the park.", "Tu es allé au parc."),
    ("he", "He went to the park.", "Il est allé au parc."),
    ("she", "She went to the park.", "Elle est allée au parc."),
    ("we", "We went to the park.", "Nous sommes allés au parc."),
    ("you all", "You all went to the park.", "Vous êtes allés au parc."),
    ("they", "They went to the park.", "Ils sont allés au parc."),
])
def test_etre_participle_agrees_for_every_person(person, en, fr):
    assert en_fr(Clause("verb", person, "go", "past", destination=NP("park"))) == (en, fr)


def test_motion_verbs_take_their_own_preposition():
    assert en_fr(Clause("verb", "she", "go into", "past", destination=NP("kitchen"))) == (
        "She went into the kitchen.", "Elle est entrée dans la cuisine.")
    assert en_fr(Clause("verb", NP("train"), "arrive", "future", destination=NP("station"))) == (
        "The train is going to arrive at the station.", "Le train va arriver à la gare.")
    assert en_fr(Clause("verb", "we", "come", "present", negated=True, destination=NP("beach"))) == (
        "We do not come to the beach.", "Nous ne venons pas à la plage.")


def test_etre_participle_with_feminine_plural_subjects():
    assert en_fr(Clause("verb", NP("woman", True), "arrive", "past", destination=NP("station"))) == (
        "The women arrived at the station.", "Les femmes sont arrivées à la gare.")
    girls = NP("girl", True)
    assert en_fr(Clause("verb", girls, "come", "past"), "but", Clause("verb", Coreferent(girls), "leave", "past"))[1] \
        == "Les filles sont venues, mais elles sont parties."


def test_adjective_placement():
    cases = {("car", "red", "the"): "la voiture rouge", ("dog", "small", "a"): "un petit chien",
             ("man", "old", "a"): "un vieil homme", ("hotel", "new", "the"): "le nouvel hôtel",
             ("tree", "beautiful", "a"): "un bel arbre", ("letter", "long", "a"): "une longue lettre",
             ("school", "old", "the"): "la vieille école", ("cat", "black", "the"): "le chat noir",
             ("girl", "intelligent", "the"): "la fille intelligente", ("dress", "purple", "a"): "une robe violette"}
    for (noun, adjective, det), expected in cases.items():
        fr = en_fr(Clause("be", NP(noun, det=det, adjective=adjective), place=("near", NP("house"))))[1]
        assert fr.lower().startswith(expected + " est près de la maison"), fr


def test_subject_verb_agreement_in_three_tenses():
    forms = {"present": ["Je dors.", "Tu dors.", "Il dort.", "Elle dort.", "Nous dormons.", "Vous dormez.",
                         "Ils dorment."],
             "past": ["J'ai dormi.", "Tu as dormi.", "Il a dormi.", "Elle a dormi.", "Nous avons dormi.",
                      "Vous avez dormi.", "Ils ont dormi."],
             "future": ["Je vais dormir.", "Tu vas dormir.", "Il va dormir.", "Elle va dormir.", "Nous allons dormir.",
                        "Vous allez dormir.", "Ils vont dormir."]}
    for tense, expected in forms.items():
        assert [en_fr(Clause("verb", p, "sleep", tense))[1] for p in PERSONS] == expected
    assert en_fr(Clause("verb", "he", "sleep", "present"))[0] == "He sleeps."
    assert en_fr(Clause("verb", "we", "eat", "present", obj=NP("apple", True, det="bare"))) == (
        "We eat apples.", "Nous mangeons des pommes.")


@pytest.mark.parametrize("clause, en, fr", [
    (Clause("verb", NP("cat"), "sleep", negated=True), "The cat does not sleep.", "Le chat ne dort pas."),
    (Clause("verb", "I", "eat", "past", negated=True), "I did not eat.", "Je n'ai pas mangé."),
    (Clause("verb", "she", "leave", "past", negated=True), "She did not leave.", "Elle n'est pas partie."),
    (Clause("verb", "I", "eat", "future", negated=True), "I am not going to eat.", "Je ne vais pas manger."),
    (Clause("be", "he", adjective="tired", tense="past", negated=True), "He was not tired.",
     "Il n'était pas fatigué."),
    (Clause("verb", "she", "swim", modal="can", negated=True), "She cannot swim.", "Elle ne peut pas nager."),
    (Clause("verb", "you all", "eat", modal="want", negated=True, obj=NP("apple", det="a")),
     "You all do not want to eat an apple.", "Vous ne voulez pas manger de pomme."),
    (Clause("verb", "he", "drink", negated=True, obj=NP("water", det="bare")), "He does not drink water.",
     "Il ne boit pas d'eau."),
    (Clause("verb", NP("man"), "have", "past", negated=True, obj=NP("dog", det="a")), "The man did not have a dog.",
     "L'homme n'avait pas de chien."),
    (Clause("there", None, negated=True, obj=NP("cat", det="a"), place=("under", NP("table"))),
     "There is no cat under the table.", "Il n'y a pas de chat sous la table."),
    (Clause("verb", "he", "sleep", "past", negated=True, adverb="well"), "He did not sleep well.",
     "Il n'a pas bien dormi."),
])
def test_negation_in_every_tense(clause, en, fr):
    assert en_fr(clause) == (en, fr)


@pytest.mark.parametrize("clause, en, fr", [
    (Clause("verb", NP("cat"), "sleep", question=True), "Does the cat sleep?", "Est-ce que le chat dort ?"),
    (Clause("verb", "you", "eat", "past", question=True, obj=NP("apple")), "Did you eat the apple?",
     "Est-ce que tu as mangé la pomme ?"),
    (Clause("verb", "she", "leave", "future", question=True), "Is she going to leave?",
     "Est-ce qu'elle va partir ?"),
    (Clause("be", NP("man", det="a"), place=("in", NP("kitchen")), question=True, tense="past"),
     "Was a man in the kitchen?", "Est-ce qu'un homme était dans la cuisine ?"),
    (Clause("there", None, question=True, obj=NP("water", det="bare"), place=("in", NP("glass"))),
     "Is there water in the glass?", "Est-ce qu'il y a de l'eau dans le verre ?"),
    (Clause("where", NP("key", True), tense="past", question=True), "Where were the keys?", "Où étaient les clés ?"),
])
def test_questions(clause, en, fr):
    assert en_fr(clause) == (en, fr)


def test_every_generated_question_uses_one_convention(pairs):
    for en, fr in pairs:
        if en.endswith("?"):
            assert fr.startswith(("Est-ce que ", "Est-ce qu'", "Où ")) and fr.endswith(" ?"), (en, fr)
        else:
            assert "Est-ce" not in fr and fr.endswith("."), (en, fr)


@pytest.mark.parametrize("clause, en, fr", [
    (Clause("be", NP("cat"), place=("under", NP("table"))), "The cat is under the table.",
     "Le chat est sous la table."),
    (Clause("be", NP("book"), place=("on", NP("bed"))), "The book is on the bed.", "Le livre est sur le lit."),
    (Clause("be", "we", place=("near", NP("station"))), "We are near the station.", "Nous sommes près de la gare."),
    (Clause("be", NP("dog"), place=("next to", NP("tree"))), "The dog is next to the tree.",
     "Le chien est à côté de l'arbre."),
    (Clause("be", NP("hotel"), place=("far from", NP("school", True))), "The hotel is far from the schools.",
     "L'hôtel est loin des écoles."),
    (Clause("be", "they", place=("in front of", NP("museum"))), "They are in front of the museum.",
     "Ils sont devant le musée."),
    (Clause("verb", NP("owl"), "sleep", place=("near", NP("bed"))), "The owl sleeps near the bed.",
     "Le hibou dort près du lit."),
    (Clause("verb", "I", "play", companion=NP("dog", True)), "I play with the dogs.", "Je joue avec les chiens."),
])
def test_prepositional_phrases(clause, en, fr):
    assert en_fr(clause) == (en, fr)


def test_objects_partitive_generic_and_elision():
    assert en_fr(Clause("verb", NP("man"), "drink", obj=NP("water", det="bare"))) == (
        "The man drinks water.", "L'homme boit de l'eau.")
    assert en_fr(Clause("verb", "she", "buy", "past", obj=NP("bread", det="bare"))) == (
        "She bought bread.", "Elle a acheté du pain.")
    assert en_fr(Clause("verb", "I", "like", obj=NP("coffee", det="bare"))) == ("I like coffee.", "J'aime le café.")
    assert en_fr(Clause("verb", "I", "like", negated=True, obj=NP("dog", True, det="bare"))) == (
        "I do not like dogs.", "Je n'aime pas les chiens.")
    assert en_fr(Clause("verb", "he", "eat", obj=NP("egg", det="a"))) == ("He eats an egg.", "Il mange un œuf.")


def test_coordination():
    girls, car = NP("girl", True), NP("car")
    assert en_fr(Clause("be", girls, adjective="tired"), "but", Clause("be", Coreferent(girls), adjective="happy")) == (
        "The girls are tired, but they are happy.", "Les filles sont fatiguées, mais elles sont heureuses.")
    assert en_fr(Clause("be", car, adjective="red"), "and", Clause("be", Coreferent(car), adjective="old")) == (
        "The car is red and it is old.", "La voiture est rouge et elle est vieille.")
    assert en_fr(Clause("verb", NP("cat"), "sleep"), "and", Clause("verb", NP("dog", True), "play",
                 place=("in", NP("garden"))))[1] == "Le chat dort et les chiens jouent dans le jardin."


def test_english_grammar():
    assert en_fr(Clause("verb", "she", "catch", obj=NP("fish", det="a")))[0] == "She catches a fish."
    assert en_fr(Clause("verb", "he", "study", negated=True))[0] == "He does not study."
    assert en_fr(Clause("verb", "they", "fly", "past", adverb="yesterday"))[0] == "They flew yesterday."
    assert en_fr(Clause("verb", "he", "read", question=True, obj=NP("book", det="a", adjective="old")))[0] == (
        "Does he read an old book?")
    assert en_fr(Clause("be", "I", adjective="ready", tense="future"))[0] == "I am going to be ready."
    assert en_fr(Clause("verb", "you all", "go", "past", question=True, destination=NP("beach")))[0] == (
        "Did you all go to the beach?")
    assert en_fr(Clause("there", None, tense="past", obj=NP("owl", True, det="bare"), place=("in", NP("tree"))))[0] \
        == "There were owls in the tree."
