"""Sampling (temperature, top-k) and the sacrebleu metrics."""

import math
from dataclasses import dataclass

import pytest
import torch

from seq2seq_lib import build_model, greedy_decode, seed_everything
from seq2seq_lib.decode import sample_decode
from seq2seq_lib.metrics import bleu, chrf
from seq2seq_lib.protocol import Memory, Seq2SeqModel


@dataclass
class Sizes:
    src_vocab_size: int
    tgt_vocab_size: int


class FixedLogits(Seq2SeqModel):
    """A stub model whose every step has the same logits (never <eos> unless it is drawn)."""

    def __init__(self, logits):
        super().__init__(Sizes(len(logits), len(logits)))
        self.logits = torch.tensor(logits)

    def encode(self, src, src_lens):
        return Memory(outputs=torch.zeros(src.size(0), src.size(1), 1), mask=torch.ones_like(src, dtype=torch.bool))

    def decode_step(self, prev_tokens, state, memory, return_attention=True):
        return self.logits.expand(prev_tokens.size(0), -1), state, None

    def forward(self, src, src_lens, tgt_in, teacher_forcing=1.0, fast=True, return_attention=False):
        logits = self.decoder_loop(tgt_in, self.encode(src, src_lens), teacher_forcing)
        return (logits, None) if return_attention else logits


def test_sampling_follows_the_tempered_distribution_and_top_k():
    logits = [-1e9, -1e9, -1e9, -1e9, 2.0, 1.0, 0.0, -1.0]  # specials never drawn
    model = FixedLogits(logits)
    src, lens = torch.full((4000, 1), 4), torch.ones(4000, dtype=torch.long)
    for temperature in (0.5, 1.0, 2.0):
        g = torch.Generator().manual_seed(0)
        drawn = sample_decode(model, src, lens, temperature=temperature, generator=g, max_len=1).tokens[:, 0]
        expected = torch.softmax(torch.tensor(logits) / temperature, -1)
        freq = torch.bincount(drawn, minlength=8).float() / len(drawn)
        assert torch.allclose(freq, expected, atol=0.03), (temperature, freq, expected)
    g = torch.Generator().manual_seed(0)
    top2 = sample_decode(model, src, lens, top_k=2, generator=g, max_len=1).tokens[:, 0]
    assert set(top2.tolist()) == {4, 5}
    assert (top2 == 4).float().mean().item() == pytest.approx(1 / (1 + math.exp(-1)), abs=0.03)


def test_top_k_one_is_greedy_and_a_seeded_generator_repeats():
    seed_everything(0)
    model = build_model("transformer", 12, 12, d_model=16, n_heads=2, num_layers=1, d_ff=32).eval()
    src = torch.randint(4, 12, (6, 5))
    lens = torch.full((6,), 5)
    greedy = greedy_decode(model, src, lens, max_len=8)
    assert torch.equal(sample_decode(model, src, lens, top_k=1, max_len=8).tokens, greedy.tokens)
    a = sample_decode(model, src, lens, generator=torch.Generator().manual_seed(3), max_len=8)
    b = sample_decode(model, src, lens, generator=torch.Generator().manual_seed(3), max_len=8)
    assert torch.equal(a.tokens, b.tokens)
    with pytest.raises(ValueError, match="temperature"):
        sample_decode(model, src, lens, temperature=0.0)
    with pytest.raises(ValueError, match="top_k"):
        sample_decode(model, src, lens, top_k=0)


def test_bleu_matches_a_hand_computed_example():
    # n-gram precisions 5/6, 4/5, 3/4, 2/3 and equal lengths: BLEU = (1/3) ** (1/4)
    out = bleu(["a b c d e f"], ["a b c d e g"])
    assert out["score"] == pytest.approx(100 * (1 / 3) ** 0.25, abs=1e-6)
    assert out["signature"].startswith("nrefs:1|") and "tok:13a" in out["signature"]
    # every n-gram matches but the output is 5 tokens for a reference of 7: brevity penalty exp(1 - 7/5)
    assert bleu(["a b c d e"], ["a b c d e f g"])["score"] == pytest.approx(100 * math.exp(1 - 7 / 5), abs=1e-6)
    assert bleu(["le chat dort ."], ["le chat dort ."])["score"] == pytest.approx(100.0)


def test_chrf_and_errors():
    assert chrf(["le chat dort"], ["le chat dort"])["score"] == pytest.approx(100.0)
    partial = chrf(["le chien dort"], ["le chat dort"])
    assert 0 < partial["score"] < 100 and partial["signature"].startswith("nrefs:1|")
    with pytest.raises(ValueError, match="predictions but"):
        bleu(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="no references"):
        chrf([], [])
