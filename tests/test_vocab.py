import pytest

from seq2seq_lib import EOS, PAD, SOS, SPECIALS, UNK, Vocab, get_tokenizer
from seq2seq_lib.vocab import char_detokenize, char_tokenize, word_detokenize, word_tokenize


def test_specials_are_four_distinct_ids():
    v = Vocab(["a", "b"])
    assert (PAD, SOS, EOS, UNK) == (0, 1, 2, 3)
    assert [v.stoi[s] for s in SPECIALS] == [0, 1, 2, 3]
    assert len({PAD, SOS, EOS, UNK}) == 4


def test_encode_decode_round_trip():
    v = Vocab.build([["le", "chat", "dort"], ["le", "chien"]])
    ids = v.encode(["le", "chien", "dort"], add_sos=True, add_eos=True)
    assert ids[0] == SOS and ids[-1] == EOS
    assert v.decode(ids) == ["le", "chien", "dort"]


def test_unknown_tokens_map_to_unk():
    v = Vocab(["a"])
    assert v.encode(["a", "zzz"]) == [4, UNK]
    assert v.decode([UNK]) == ["<unk>"]


def test_decode_stops_at_eos_and_skips_pad():
    v = Vocab(["a", "b"])
    assert v.decode([4, PAD, 5, EOS, 4]) == ["a", "b"]
    assert v.decode([4, EOS, 5], strip_specials=False) == ["a", "<eos>", "b"]


def test_decode_rejects_out_of_range_ids():
    with pytest.raises(ValueError, match="out of range"):
        Vocab(["a"]).decode([7])


def test_special_strings_cannot_be_ordinary_tokens():
    with pytest.raises(ValueError, match="special token"):
        Vocab(["a", "<eos>"])


def test_build_orders_by_frequency_and_filters():
    v = Vocab.build([["b", "a", "a"], ["a", "c", "b"]], min_freq=2)
    assert v.to_list() == ["a", "b"]
    assert len(Vocab.build([["x", "y", "z"]], max_size=2)) == 6


@pytest.mark.parametrize("text", ["L'homme ne dort pas.", "Is it 5 o'clock? Yes!", "a , b",
                                  "Est-ce que le grand-père dort?", "A well-known, long-awaited day."])
def test_word_tokenizer_round_trip(text):
    assert word_detokenize(word_tokenize(text)) == text.replace(" ,", ",")


def test_word_tokenizer_splits_punctuation_and_elision():
    assert word_tokenize("J'aime le thé, non ?") == ["J'", "aime", "le", "thé", ",", "non", "?"]
    assert word_tokenize("Est-ce qu'il aime les grands-pères ?") == ["Est-ce", "qu'", "il", "aime", "les",
                                                                     "grands-pères", "?"]
    assert word_tokenize("a - b") == ["a", "-", "b"]  # a free-standing dash stays a token


def test_french_detokenizer_keeps_the_space_before_question_marks():
    from seq2seq_lib.grammar import translation_splits

    tokenize, detokenize = get_tokenizer("word-fr")
    assert detokenize(["Où", "est", "l'", "homme", "?"]) == "Où est l'homme ?"
    assert word_detokenize(["Where", "is", "he", "?"]) == "Where is he?"
    test = translation_splits(n_train=200, n_valid=10, n_test=300)[2]
    assert all(detokenize(tokenize(fr)) == fr for _, fr in test)  # exact round trip on the corpus


def test_char_tokenizer_round_trip():
    assert char_detokenize(char_tokenize("ab c")) == "ab c"


def test_unknown_tokenizer_name():
    with pytest.raises(ValueError, match="unknown tokenizer 'bpe'"):
        get_tokenizer("bpe")
