"""Beam search: equal to greedy at beam 1, batched equal to one sentence at a time, sorted n-best."""

import itertools
import math

import pytest
import torch

from seq2seq_lib import build_model, greedy_decode, seed_everything
from seq2seq_lib.decode import beam_search, length_penalty, sequence_log_prob
from seq2seq_lib.vocab import EOS, SOS

V = 9
SIZES = {"transformer": dict(d_model=16, n_heads=2, num_layers=2, d_ff=32, dropout=0.0)}
SIZES["decoder-only"] = SIZES["transformer"]
NAMES = ["gru", "lstm", "bahdanau", "luong-dot", "luong-general", "luong-concat", "transformer", "decoder-only"]


def model_named(name, seed=0):
    seed_everything(seed)
    size = SIZES.get(name, dict(emb_dim=8, hidden_size=16))
    return build_model(name, V, V, **size).eval()


def ragged(B=5, S=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    lens = torch.randint(1, S + 1, (B,), generator=g)
    lens[0] = S
    src = torch.randint(4, V, (B, S), generator=g)
    src[torch.arange(S)[None, :] >= lens[:, None]] = 0
    return src, lens


@pytest.mark.parametrize("name", NAMES)
def test_beam_size_one_equals_greedy(name):
    model = model_named(name)
    src, lens = ragged()
    greedy = greedy_decode(model, src, lens, max_len=9).to_lists()
    beam = beam_search(model, src, lens, beam_size=1, max_len=9)
    assert beam.to_lists() == greedy


@pytest.mark.parametrize("name", ["gru", "bahdanau", "luong-general", "transformer"])
def test_batched_beam_equals_one_sentence_at_a_time(name):
    model = model_named(name, seed=1)
    src, lens = ragged(seed=1)
    batched = beam_search(model, src, lens, beam_size=4, n_best=3, max_len=8)
    for b in range(src.size(0)):
        n = int(lens[b])
        alone = beam_search(model, src[b:b + 1, :n], lens[b:b + 1], beam_size=4, n_best=3, max_len=8)
        assert alone.tokens[0] == batched.tokens[b]
        assert alone.scores[0] == pytest.approx(batched.scores[b], abs=1e-5)


def test_n_best_lists_are_sorted_distinct_and_scored_by_the_length_penalty():
    model = model_named("transformer", seed=2)
    src, lens = ragged(seed=2)
    alpha = 0.8
    out = beam_search(model, src, lens, beam_size=5, n_best=5, alpha=alpha, max_len=7)
    for b, (hyps, scores, done) in enumerate(zip(out.tokens, out.scores, out.finished)):
        assert len(hyps) == 5 and scores == sorted(scores, reverse=True)
        assert len({tuple(h) for h in hyps}) == 5
        for ids, score, ended in zip(hyps, scores, done):  # rescore each hypothesis by teacher forcing
            tgt = torch.tensor([[SOS, *ids]])
            logp = torch.log_softmax(model(src[b:b + 1], lens[b:b + 1], tgt), -1)[0]
            targets = ids + [EOS] if ended else ids
            total = sum(logp[i, tok].item() for i, tok in enumerate(targets))
            assert score == pytest.approx(total / length_penalty(len(targets), alpha), abs=1e-4)
            batched = sequence_log_prob(model, src[b:b + 1].repeat(5, 1), lens[b:b + 1].repeat(5), hyps, done)
            assert batched[hyps.index(ids)].item() == pytest.approx(total, abs=1e-4)


def test_sequence_log_prob_checks_its_input():
    model = model_named("gru")
    src, lens = ragged(B=2)
    with pytest.raises(ValueError, match="2 sources"):
        sequence_log_prob(model, src, lens, [[4]])
    with pytest.raises(ValueError, match="nothing to score"):
        sequence_log_prob(model, src, lens, [[4], []], ended=False)
    assert sequence_log_prob(model, src, lens, [[4], []]).shape == (2,)  # an empty output that ended: <eos>


def test_a_wide_beam_is_exact_search_over_short_outputs():
    """A beam wider than every candidate of 3 steps finds the most probable output of at most 2 tokens."""
    model = model_named("gru", seed=3)
    src, lens = ragged(B=1, seed=3)
    K = (V - 1) ** 2 * V  # every live 2-token prefix times every next token
    out = beam_search(model, src, lens, beam_size=K, n_best=K, alpha=0.0, max_len=3)
    found = max((s, ids) for s, ids, ended in zip(out.scores[0], out.tokens[0], out.finished[0]) if ended)
    best, best_ids = -math.inf, None
    words = [t for t in range(V) if t != EOS]
    for n in range(3):  # every output of n tokens, then <eos>
        for ids in itertools.product(words, repeat=n):
            logp = torch.log_softmax(model(src, lens, torch.tensor([[SOS, *ids]])), -1)[0]
            total = sum(logp[i, tok].item() for i, tok in enumerate([*ids, EOS]))
            if total > best:
                best, best_ids = total, list(ids)
    assert found[1] == best_ids
    assert found[0] == pytest.approx(best, abs=1e-4)


def test_length_penalty_formula_and_bad_arguments():
    assert length_penalty(1, 0.0) == 1.0
    assert length_penalty(1, 1.0) == 1.0
    assert length_penalty(7, 0.6) == pytest.approx((12 / 6) ** 0.6)
    model = model_named("gru")
    src, lens = ragged()
    with pytest.raises(ValueError, match="n_best"):
        beam_search(model, src, lens, beam_size=2, n_best=3)
    with pytest.raises(ValueError, match="beam_size"):
        beam_search(model, src, lens, beam_size=0)
