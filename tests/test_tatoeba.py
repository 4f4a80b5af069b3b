"""The shipped Tatoeba corpus, multi-reference scores and the command line on real text."""

import json
import math

import pytest
from sacrebleu.metrics import BLEU

from seq2seq_lib.checkpoint import load_checkpoint
from seq2seq_lib.cli import main
from seq2seq_lib.metrics import bleu, chrf, reference_streams, text_scores
from seq2seq_lib.tatoeba import shipped_pairs, tatoeba_splits
from seq2seq_lib.tokenization import TextTokenizer


@pytest.fixture(scope="module")
def splits():
    return tatoeba_splits()


def test_the_shipped_corpus_is_the_documented_subset():
    pairs = shipped_pairs()
    assert len(pairs) == 121_553 and len({e for e, _ in pairs}) == 82_470
    assert all(len(e.split()) <= 8 and f for e, f in pairs)
    assert not any("\u202f" in f or "\u00a0" in f for _, f in pairs)  # typographic spaces read as spaces


def test_splits_are_disjoint_in_english_and_keep_every_translation(splits):
    train_en, valid_en = {e for e, _ in splits.train}, {e for e, _ in splits.valid}
    test_en = [e for e, _ in splits.test]
    assert len(test_en) == len(set(test_en)) == 2000 and len(valid_en) == 1000
    assert not (train_en & valid_en) and not (train_en & set(test_en)) and not (valid_en & set(test_en))
    assert all(refs[0] == fr for (_, fr), refs in zip(splits.test, splits.test_refs))
    n_pairs = len(set(shipped_pairs()))
    assert len(splits.train) + len(splits.valid) + sum(map(len, splits.test_refs)) == n_pairs
    assert max(map(len, splits.test_refs)) > 1  # several references for some sentences
    again = tatoeba_splits()
    assert again.test == splits.test and again.train[:50] == splits.train[:50]


def test_filters_and_their_errors():
    short = tatoeba_splits(max_words=3, n_valid=100, n_test=100)
    assert all(len(e.split()) <= 3 for e, _ in short.train)
    norm = tatoeba_splits(normalize=True, max_words=4, n_valid=50, n_test=50, n_train=200)
    assert len(norm.train) == 200 and all(e == e.lower() for e, _ in norm.train)
    with pytest.raises(ValueError, match="English sentences are left"):
        tatoeba_splits(max_words=1, n_test=5000)


def test_multi_reference_bleu_by_hand():
    hyp, refs = ["a b c d"], [["a b x d", "x b c d"]]
    # clipped n-gram matches against either reference: 4/4, 3/3, 1/2 ("b c d"), 0/1, which the
    # 'exp' smoothing counts as 1/(2*1); brevity penalty 1 (a reference of the same length)
    assert bleu(hyp, refs)["score"] == pytest.approx(100 * (1 * 1 * 0.5 * 0.5) ** 0.25, abs=1e-9)
    # one reference: 3/4, 1/3, then 0/2 -> 1/(2*2) and 0/1 -> 1/(4*1)
    assert bleu(hyp, ["a b x d"])["score"] == pytest.approx(100 * (0.75 / 3 * 0.25 * 0.25) ** 0.25, abs=1e-9)
    assert bleu(hyp, refs)["signature"].startswith("nrefs:2|")
    assert bleu(hyp * 2, refs + [["a b"]])["signature"].startswith("nrefs:var|")  # a varying number
    assert chrf(["le chat"], [["un chien", "le chat"]])["score"] == pytest.approx(100.0)
    assert math.isclose(text_scores(hyp, [["a b x d"]])["bleu"], bleu(hyp, ["a b x d"])["score"])


def test_reference_streams_pad_with_none_and_match_the_splits(splits):
    assert reference_streams([["a", "b"], ["c"]]) == [["a", "c"], ["b", None]]
    assert reference_streams(["a", "c"]) == [["a", "c"]]
    assert splits.reference_streams() == reference_streams(splits.test_refs)
    with pytest.raises(ValueError, match="non-empty lists"):
        reference_streams([["a"], []])
    hyps = [refs[-1] for refs in splits.test_refs[:200]]  # each output is one of its references
    assert BLEU().corpus_score(hyps, reference_streams(splits.test_refs[:200])).score == pytest.approx(100.0)


TINY = ["--d-model", "16", "--heads", "2", "--layers", "1", "--ff", "32", "--batch-size", "64", "--epochs", "1",
        "--quiet"]


def test_tatoeba_end_to_end_on_a_slice(tmp_path, capsys):
    out = tmp_path / "tat"
    assert main(["train", "--task", "tatoeba", "--model", "transformer", "--train-size", "400",
                 "--vocab-size", "300", "--out", str(out), *TINY]) == 0
    capsys.readouterr()
    _, src_vocab, tgt_vocab, meta = load_checkpoint(out)
    assert meta["tokenizer"] == "bpe" and src_vocab.itos == tgt_vocab.itos  # one joint vocabulary
    text = TextTokenizer.from_meta(meta)  # the tokenizer saved in the checkpoint round-trips
    sentence = "Où est la gare ? Ça coûte 3 € — naïve 東京 🙂"
    assert text.detokenize(text.tokenize([sentence])[0]) == sentence
    assert all(tok in src_vocab for tok in text.tokenize([sentence])[0])  # no unknown token
    assert main(["evaluate", "--checkpoint", str(out), "--task", "tatoeba", "--test-size", "40",
                 "--predictions", str(tmp_path / "p.txt")]) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scores["n"] == 40 and len((tmp_path / "p.txt").read_text(encoding="utf-8").splitlines()) == 40
    assert scores["bleu_signature"].startswith("nrefs:1|")
    assert scores["bleu_multi_signature"].startswith("nrefs:var|") and 0 <= scores["chrf_multi"] <= 100
    assert main(["translate", "--checkpoint", str(out), "I am happy.", "Where is Tom?"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_real_text_errors(tmp_path, capsys):
    (tmp_path / "t.tsv").write_text("a long sentence here\tune longue phrase\n" * 30, encoding="utf-8")
    base = ["train", "--model", "transformer", "--out", str(tmp_path / "o"), *TINY]
    assert main([*base, "--data", str(tmp_path / "t.tsv"), "--vocab-size", "100"]) == 2
    assert "256" in capsys.readouterr().err  # smaller than the byte alphabet
    assert main([*base, "--data", str(tmp_path / "t.tsv"), "--max-words", "2"]) == 2
    assert "no sentence pair has a source of at most 2 words" in capsys.readouterr().err
    assert main([*base, "--data", str(tmp_path / "t.tsv"), "--tokenizer", "word", "--vocab-size", "500"]) == 2
    assert "--vocab-size sets the size of a BPE vocabulary" in capsys.readouterr().err
    assert main([*base, "--task", "reversal", "--tokenizer", "bpe"]) == 2
    assert "applies to text" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([*base, "--data", str(tmp_path / "t.tsv"), "--tokenizer", "sentencepiece"])
    assert exit_info.value.code == 2 and "invalid choice: 'sentencepiece'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing written by a failed run
