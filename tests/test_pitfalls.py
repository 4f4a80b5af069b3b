"""The library's guards against the common pitfalls of Appendix B, one or more tests per pitfall.

1. one id shared by <sos>, <eos> and <pad> (the model never learns to stop);
2. attention over padding (outputs depend on the batch);
3. a "perplexity" computed without teacher forcing;
4. a decoder attending over token ids instead of encoder outputs;
5. one teacher-forcing coin per batch instead of per token;
6. dropout left on at inference (``model.eval()`` forgotten).
"""

import math

import pytest
import torch
import torch.nn.functional as F

from seq2seq_lib import (
    EOS,
    MODELS,
    PAD,
    SOS,
    UNK,
    Seq2SeqDataset,
    Vocab,
    beam_search,
    build_model,
    collate,
    evaluate,
    greedy_decode,
    make_loader,
    perplexity,
    predict,
    sample_decode,
    sequence_nll,
)
from seq2seq_lib.decode import sequence_log_prob
from seq2seq_lib.protocol import source_mask

ALL = sorted(MODELS)
ATTENTIONAL = [("bahdanau", False), ("luong-dot", False), ("luong-general", True), ("luong-concat", False)]


def tiny(name, dropout=0.0, **kw):
    """A small model of each kind (vocabulary of 14: the four specials and 10 symbols)."""
    size = dict(d_model=16, n_heads=2, num_layers=1, d_ff=32) if name in ("transformer", "decoder-only") \
        else dict(emb_dim=8, hidden_size=16)
    torch.manual_seed(0)
    return build_model(name, 14, 14, dropout=dropout, **size, **kw)


@pytest.fixture
def big_batch(vocab):
    """64 reversal-like pairs of mixed lengths (2-9), so the batch is padded."""
    gen = torch.Generator().manual_seed(0)
    pairs = []
    for _ in range(64):
        n = int(torch.randint(2, 10, (1,), generator=gen))
        src = [str(int(t)) for t in torch.randint(0, 10, (n,), generator=gen)]
        pairs.append((src, src[::-1]))
    data = Seq2SeqDataset.from_pairs(pairs, vocab, vocab)
    return collate([data[i] for i in range(len(data))])


# ---------------------------------------------------------------- 1. one id for the specials
def test_specials_are_distinct_and_the_loss_trains_eos(batch):
    assert len({PAD, SOS, EOS, UNK}) == 4
    assert Vocab(["a"]).itos[:4] == ["<pad>", "<sos>", "<eos>", "<unk>"]
    with pytest.raises(ValueError, match="special token"):
        Vocab(["a", "<eos>"])
    # every target ends with <eos>, distinct from the padding that follows it
    rows = torch.arange(len(batch))
    assert (batch.tgt_out[rows, batch.tgt_lens - 1] == EOS).all()
    assert (batch.tgt_in[:, 0] == SOS).all()
    assert int((batch.tgt_out != PAD).sum()) == batch.n_tokens
    # the loss has a gradient at every <eos> position and none at padding
    logits = torch.randn(*batch.tgt_out.shape, 14, requires_grad=True)
    sequence_nll(logits, batch.tgt_out).backward()
    per_position = logits.grad.abs().sum(-1)
    assert (per_position[batch.tgt_out == EOS] > 0).all()
    assert (per_position[batch.tgt_out == PAD] == 0).all()
    # the bug, for contrast: with <eos> written as <pad>, the <eos> positions get no gradient
    logits.grad = None
    sequence_nll(logits, batch.tgt_out.masked_fill(batch.tgt_out == EOS, PAD)).backward()
    assert (logits.grad.abs().sum(-1)[batch.tgt_out == EOS] == 0).all()


@pytest.mark.parametrize("bad", [SOS, EOS])
def test_sequence_nll_refuses_to_ignore_a_start_or_end_id(bad, batch):
    logits = torch.randn(*batch.tgt_out.shape, 14)
    with pytest.raises(ValueError, match="never learn to stop|<sos>"):
        sequence_nll(logits, batch.tgt_out, pad_id=bad)


# ---------------------------------------------------------------- 2. attention over padding
@pytest.mark.parametrize("name", ALL)
def test_outputs_do_not_change_when_padding_is_added(name, batch):
    """More padding on the source and the target changes no logit, attention weight or output."""
    model = tiny(name).eval()
    wide_src = F.pad(batch.src, (0, 7), value=PAD)
    wide_tgt = F.pad(batch.tgt_in, (0, 3), value=PAD)
    T, S = batch.tgt_in.size(1), batch.src.size(1)
    with torch.no_grad():
        a, wa = model(batch.src, batch.src_lens, batch.tgt_in, return_attention=True) \
            if name != "gru" and name != "lstm" else (model(batch.src, batch.src_lens, batch.tgt_in), None)
        b, wb = model(wide_src, batch.src_lens, wide_tgt, return_attention=True) \
            if name != "gru" and name != "lstm" else (model(wide_src, batch.src_lens, wide_tgt), None)
    real = batch.tgt_out != PAD
    torch.testing.assert_close(b[:, :T][real], a[real], rtol=0, atol=1e-5)
    if wa is not None:
        pads = ~source_mask(wide_src, batch.src_lens)  # [B, S + 7]
        assert (wb.masked_select(pads[:, None, :]) == 0).all(), "attention on padding"
        torch.testing.assert_close(wb[:, :T, :S][real], wa[real], rtol=0, atol=1e-5)
        torch.testing.assert_close(wb.sum(-1), torch.ones(wb.shape[:2]))
    narrow = greedy_decode(model, batch.src, batch.src_lens, max_len=8)
    wide = greedy_decode(model, wide_src, batch.src_lens, max_len=8)
    assert narrow.to_lists() == wide.to_lists()


# ---------------------------------------------------------------- 3. perplexity without teacher forcing
@pytest.mark.parametrize("name", ["gru", "bahdanau", "transformer"])
def test_perplexity_is_the_teacher_forced_loss(name, pairs, vocab):
    model = tiny(name).eval()
    data = Seq2SeqDataset.from_pairs(pairs, vocab, vocab)
    loader = make_loader(data, 16)
    calls = []
    forward = model.forward

    def spy(*args, **kwargs):
        calls.append(kwargs.get("teacher_forcing", 1.0))
        return forward(*args, **kwargs)

    model.forward = spy
    ppl = perplexity(model, loader)
    del model.forward
    assert calls and all(tf == 1.0 for tf in calls), "perplexity must run with teacher forcing"
    nll = n = 0.0
    free = 0.0
    with torch.no_grad():
        for b in loader:
            nll += float(sequence_nll(model(b.src, b.src_lens, b.tgt_in), b.tgt_out))
            free += float(sequence_nll(model(b.src, b.src_lens, b.tgt_in, teacher_forcing=0.0), b.tgt_out))
            n += b.n_tokens
    assert math.isclose(ppl, math.exp(nll / n), rel_tol=1e-5)
    assert not math.isclose(ppl, math.exp(free / n), rel_tol=1e-3), "that is the free-running loss"
    # a property of the model and the data, not of the batching
    assert math.isclose(ppl, perplexity(model, make_loader(data, 7)), rel_tol=1e-5)
    assert math.isclose(evaluate(model, loader)["perplexity"], ppl, rel_tol=1e-9)


# ---------------------------------------------------------------- 4. attention over the encoder outputs
@pytest.mark.parametrize("name,feed", ATTENTIONAL)
def test_attention_context_is_a_convex_combination_of_encoder_outputs(name, feed, batch):
    model = tiny(name, input_feeding=feed).eval()
    seen = []
    hook = model.attention.register_forward_hook(lambda mod, args, out: seen.append((args, out)))
    with torch.no_grad():
        memory = model.encode(batch.src, batch.src_lens)
        enc_outputs, _ = model.encoder(batch.src, batch.src_lens)
        logits, _, weights = model.decode_step(batch.tgt_in[:, 0], memory.init_state, memory)
    hook.remove()
    torch.testing.assert_close(memory.outputs, enc_outputs)  # the memory is the encoder's outputs
    (query, keys, mask, _), (context, w) = seen[-1]
    assert keys is memory.outputs, "the attention must read the encoder outputs"
    torch.testing.assert_close(w, weights)
    real = source_mask(batch.src, batch.src_lens)
    assert (w >= 0).all() and (w[~real] == 0).all()
    torch.testing.assert_close(w.sum(-1), torch.ones(len(batch)))
    torch.testing.assert_close(context, torch.einsum("bs,bsh->bh", w, enc_outputs))

    def step_with(outputs):
        m = type(memory)(outputs=outputs, mask=memory.mask, init_state=memory.init_state,
                         keys=model.attention.project_keys(outputs))
        with torch.no_grad():
            return model.decode_step(batch.tgt_in[:, 0], memory.init_state, m)[0]

    # changing the encoder outputs at real positions changes the prediction; at padding it does not
    noise = torch.randn(enc_outputs.shape, generator=torch.Generator().manual_seed(0))
    at_real = step_with(enc_outputs + noise * real[..., None])
    at_pads = step_with(enc_outputs + noise * ~real[..., None])
    assert (at_real - logits).abs().max() > 1e-3
    torch.testing.assert_close(at_pads, logits)


# ---------------------------------------------------------------- 5. the teacher-forcing coin
@pytest.mark.parametrize("name", ALL)
def test_teacher_forcing_coin_is_tossed_per_token(name, big_batch):
    """With ratio 0.5, every decoder step mixes reference and predicted inputs across the batch."""
    model = tiny(name).eval()
    fed, preds = [], []
    step = model.decode_step

    def spy(prev, state, memory):
        logits, state, weights = step(prev, state, memory)
        fed.append(prev)
        preds.append(logits.argmax(-1))
        return logits, state, weights

    model.decode_step = spy
    torch.manual_seed(1)
    with torch.no_grad():
        model(big_batch.src, big_batch.src_lens, big_batch.tgt_in, teacher_forcing=0.5)
    del model.decode_step
    took_gold = took_pred = 0
    mixed_steps = 0
    for t in range(1, big_batch.tgt_in.size(1)):
        gold, pred = big_batch.tgt_in[:, t], preds[t - 1]
        readable = (gold != pred) & (gold != PAD)
        g = (fed[t] == gold) & readable
        p = (fed[t] == pred) & readable
        assert bool((g | p)[readable].all()), "an input is neither the reference nor the prediction"
        took_gold, took_pred = took_gold + int(g.sum()), took_pred + int(p.sum())
        if readable.sum() >= 16:
            assert g.any() and p.any(), f"step {t}: one coin for the whole batch?"
            mixed_steps += 1
    assert mixed_steps >= 3
    assert 0.35 < took_gold / (took_gold + took_pred) < 0.65


# ---------------------------------------------------------------- 6. dropout at inference
@pytest.mark.parametrize("name", ALL)
def test_decoding_and_metrics_switch_dropout_off_and_restore_the_mode(name, pairs, vocab):
    model = tiny(name, dropout=0.5)
    data = Seq2SeqDataset.from_pairs(pairs[:24], vocab, vocab)
    loader = make_loader(data, 8)
    b = next(iter(loader))
    outputs = [[4, 5, 6]] * len(b)

    def everything():
        gen = torch.Generator().manual_seed(0)
        return {
            "greedy": greedy_decode(model, b.src, b.src_lens, max_len=8).tokens,
            "beam": beam_search(model, b.src, b.src_lens, beam_size=3, max_len=8).tokens,
            "sample": sample_decode(model, b.src, b.src_lens, generator=gen, max_len=8).tokens,
            "log_prob": sequence_log_prob(model, b.src, b.src_lens, outputs),
            "perplexity": perplexity(model, loader),
            "predict": predict(model, loader, max_len=8),
            "evaluate": evaluate(model, loader, max_len=8),
        }

    model.eval()
    reference = everything()
    assert not model.training, "an eval-mode model stays in eval mode"
    model.train()
    with torch.no_grad():  # dropout is really on in training mode...
        x = model(b.src, b.src_lens, b.tgt_in)
        y = model(b.src, b.src_lens, b.tgt_in)
    assert (x - y).abs().max() > 1e-4
    for _ in range(2):  # ...but every decoding and metric function switches it off
        got = everything()
        assert model.training, "the training mode is restored"
        assert all(m.training for m in model.modules())
        for key, want in reference.items():
            if isinstance(want, torch.Tensor):
                torch.testing.assert_close(got[key], want, msg=key)
            else:
                assert got[key] == want, key
