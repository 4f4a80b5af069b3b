"""Byte-level BPE: the readable reference and the ``tokenizers`` wrapper learn the same merges and tokens."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Regex, pre_tokenizers

from seq2seq_lib import SPECIALS, Vocab
from seq2seq_lib.bpe import (
    BYTE_TO_SYMBOL,
    PRETOKENIZE_PATTERN,
    BPETokenizer,
    apply_merges,
    byte_symbols,
    decode_tokens,
    encode_reference,
    learn_merges,
    pretokenize,
)
from seq2seq_lib.tatoeba import shipped_pairs

TRICKY = [
    "L'homme n'est-ce pas\u202f? Où\u00a0est le café…",
    "« Ça coûte 42,50 € », dit-il — 1er étage.",
    "tabs\t\there,   spaces   \n\nnew lines  ",
    "😀👍🏽 emoji, 中文字 CJK, x² ½ e\u0301 (combining), a\x1cb \x00\x7f",
    "under_score __x__ [[a&&b]] \\ ~~ -- ||",
    "", " ", "   ", "\t", "a",
]


@pytest.fixture(scope="module")
def corpus():
    """A few hundred shipped sentences, English and French, spread over the file."""
    pairs = shipped_pairs()[::400]
    return [text for pair in pairs for text in pair]


@pytest.fixture(scope="module")
def trained(corpus):
    """(reference merges, library tokenizer) at vocab_size=600 on the slice."""
    return learn_merges(corpus, 600), BPETokenizer.train(corpus, 600)


def _library_pieces(text):
    split = pre_tokenizers.Split(Regex(PRETOKENIZE_PATTERN), behavior="isolated")
    return [piece for piece, _ in split.pre_tokenize_str(text)]


# --- pre-tokenisation and the byte alphabet ------------------------------------------------------------------------
@pytest.mark.parametrize("text", TRICKY)
def test_pretokenize_agrees_with_library_regex(text):
    assert pretokenize(text) == _library_pieces(text)
    assert "".join(pretokenize(text)) == text  # the pieces cover the text


def test_pretokenize_keeps_leading_space():
    assert pretokenize("Il dort  bien.") == ["Il", " dort", " ", " bien", "."]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text())
def test_pretokenize_agrees_on_any_text(text):
    assert pretokenize(text) == _library_pieces(text)
    assert "".join(pretokenize(text)) == text


def test_byte_alphabet_matches_library():
    assert len(set(BYTE_TO_SYMBOL.values())) == 256
    assert set(BYTE_TO_SYMBOL.values()) == set(pre_tokenizers.ByteLevel.alphabet())
    text = "".join(map(chr, range(0x800))) + "€中😀\U0010ffff"  # every byte that UTF-8 uses but c0 c1 f5-ff
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    assert byte_level.pre_tokenize_str(text)[0][0] == "".join(byte_symbols(text))
    assert BYTE_TO_SYMBOL[ord(" ")] == "Ġ" and BYTE_TO_SYMBOL[ord("a")] == "a"


# --- learning merges -----------------------------------------------------------------------------------------------
def test_toy_corpus_merges_derived_by_hand():
    # counts: (l,o) (o,w) (w,e) (e,r) 3 each -> (e,r) has the smallest ids; then (l,o), (lo,w); then (Ġ,low) 2;
    # every other pair occurs once < min_frequency=2.
    texts = ["low lower lowest newer wider"]
    expected = [("e", "r"), ("l", "o"), ("lo", "w"), ("Ġ", "low")]
    assert learn_merges(texts, 1000) == expected
    tok = BPETokenizer.train(texts, 1000)
    assert tok.merges() == expected and len(tok) == 256 + 4
    assert tok.tokenize(texts[0]) == encode_reference(texts[0], expected) == [
        "low", "Ġlow", "er", "Ġlow", "e", "s", "t", "Ġ", "n", "e", "w", "er", "Ġ", "w", "i", "d", "er"]


def test_ties_go_to_the_smallest_symbol_ids():
    # (a,b)=4 first. Then (ab,c) and (z,z) tie at 3: id(z)=89 < id(ab)=256 (string order would pick "ab").
    # Then six pairs tie at 2, ordered by (id, id) with ids by code point: k=74 m=76 n=77 o=78 x=87 y=88 Ġ=220,
    # so (k,k) comes before (Ġ,k) (byte order would put the space first), and (m,n), (x,y) come before
    # (m,o), (y,x) although those are seen first in the corpus.
    texts = ["yx", "yx", "xy", "xy", "mo", "mo", "mn", "mn", " k", " k", "kk", "kk",
             "abc", "abc", "abc", "ab", "zz", "zz", "zz"]
    expected = [("a", "b"), ("z", "z"), ("ab", "c"), ("k", "k"), ("m", "n"), ("m", "o"), ("x", "y"), ("y", "x"),
                ("Ġ", "k")]
    assert learn_merges(texts, 1000) == expected
    assert BPETokenizer.train(texts, 1000).merges() == expected


@pytest.mark.parametrize("vocab_size", [300, 600])
def test_reference_learns_the_library_merges(corpus, vocab_size):
    merges = learn_merges(corpus, vocab_size)
    tok = BPETokenizer.train(corpus, vocab_size)
    assert merges == tok.merges()
    assert len(tok) == vocab_size == 256 + len(merges)
    assert [encode_reference(t, merges) for t in corpus] == tok.tokenize_batch(corpus)


def test_min_frequency_stops_learning():
    texts = ["ab ab ab cd"]  # pieces "ab" " ab" " ab" " cd": (a,b)=3, (Ġ,a)=2, then (Ġ,ab)=2, the rest 1
    every = [("a", "b"), ("Ġ", "ab"), ("c", "d"), ("Ġ", "cd")]  # the ties at 1: (c,d) before (Ġ,c)
    for min_frequency, expected in [(1, every), (2, every[:2]), (3, every[:1]), (4, [])]:
        assert learn_merges(texts, 1000, min_frequency) == expected
        assert BPETokenizer.train(texts, 1000, min_frequency).merges() == expected
    assert learn_merges(texts, 257, min_frequency=1) == [("a", "b")]  # vocab_size reached after one merge


def test_apply_merges_lowest_rank_first_left_to_right():
    assert apply_merges(list("aaa"), [("a", "a")]) == ["aa", "a"]
    assert apply_merges(list("abc"), [("b", "c"), ("a", "b")]) == ["a", "bc"]
    assert apply_merges(list("abc"), [("a", "b"), ("b", "c"), ("ab", "c")]) == ["abc"]


# --- encoding, decoding, no unknowns -------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text())
def test_round_trip_and_agreement_on_any_text(trained, text):
    merges, tok = trained
    reference = encode_reference(text, merges)
    assert decode_tokens(reference) == text
    assert tok.tokenize(text) == reference
    assert tok.detokenize(tok.tokenize(text)) == text
    assert set(reference) <= set(tok.tokens())  # every token is in the vocabulary: no <unk>, ever


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_round_trip(trained, text):
    merges, tok = trained
    assert tok.tokenize(text) == encode_reference(text, merges)
    assert tok.detokenize(tok.tokenize(text)) == text


def test_tokens_hold_the_bytes_and_no_specials(trained):
    _, tok = trained
    tokens = tok.tokens()
    assert tokens[:256] == sorted(BYTE_TO_SYMBOL.values())
    assert not set(SPECIALS) & set(tokens) and len(set(tokens)) == len(tokens) == len(tok)
    vocab = Vocab(tokens)
    assert len(vocab) == len(tok) + 4
    assert "<unk>" not in tok.tokenize("<unk> <pad>")  # literal specials are plain text
    assert tok.detokenize(tok.tokenize("<unk> <pad>")) == "<unk> <pad>"


def test_tokenize_batch_equals_tokenize(trained, corpus):
    _, tok = trained
    assert tok.tokenize_batch(corpus[:50]) == [tok.tokenize(t) for t in corpus[:50]]
    assert tok.tokenize_batch([]) == []


def test_json_round_trip(trained, corpus):
    _, tok = trained
    again = BPETokenizer.from_json(tok.to_json())
    assert again.tokens() == tok.tokens() and again.merges() == tok.merges()
    assert again.tokenize_batch(corpus) == tok.tokenize_batch(corpus)


# --- errors --------------------------------------------------------------------------------------------------------
def test_from_json_rejects_corrupt_input(trained):
    _, tok = trained
    s = tok.to_json()
    with pytest.raises(ValueError, match="corrupt"):
        BPETokenizer.from_json(s[: len(s) // 2])
    with pytest.raises(ValueError, match="JSON string"):
        BPETokenizer.from_json(s.encode())
    with pytest.raises(ValueError, match="byte symbols"):
        BPETokenizer.from_json(BPETokenizer.train(["abc"], 256).to_json().replace('"Ġ"', '"x0"'))


@pytest.mark.parametrize("train", [learn_merges, BPETokenizer.train])
def test_training_errors_name_the_fix(train):
    with pytest.raises(ValueError, match="vocab_size >= 256"):
        train(["abc"], 100)
    with pytest.raises(ValueError, match="empty"):
        train([], 300)
    with pytest.raises(ValueError, match="empty"):
        train(["", ""], 300)
    with pytest.raises(ValueError, match="must all be str"):
        train(["abc", 3], 300)
    with pytest.raises(ValueError, match=r"wrap it: \[text\]"):
        train("abc", 300)
    with pytest.raises(ValueError, match="min_frequency"):
        train(["abc"], 300, min_frequency=-1)


def test_encoding_errors_name_the_fix(trained):
    merges, tok = trained
    with pytest.raises(ValueError, match="must be a str"):
        tok.tokenize(3)
    with pytest.raises(ValueError, match="must be a str"):
        encode_reference(b"abc", merges)
    with pytest.raises(ValueError, match="not one string"):
        tok.tokenize_batch("abc")
    with pytest.raises(ValueError, match="must all be str"):
        tok.tokenize_batch(["abc", None])
    for call in (tok.tokenize, lambda t: tok.tokenize_batch([t]), lambda t: encode_reference(t, merges)):
        with pytest.raises(ValueError, match="lone surrogate"):
            call("a\ud800b")
    with pytest.raises(ValueError, match="outside the byte-level alphabet"):
        tok.detokenize(["a", "b c"])  # a plain space is not a byte symbol (Ġ is)
