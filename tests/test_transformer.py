"""The Transformer: attention paths, masks, the key/value cache, nn.Transformer equivalence."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from seq2seq_lib import build_model, count_parameters, greedy_decode, seed_everything
from seq2seq_lib.attention import MultiHeadAttention, append_position, attend_one, scaled_dot_product_attention
from seq2seq_lib.checkpoint import load_checkpoint, save_checkpoint
from seq2seq_lib.metrics import sequence_nll
from seq2seq_lib.train import lr_scheduler, noam, train_step
from seq2seq_lib.transformer import PositionalEncoding, TransformerConfig, causal_mask, copy_from_torch

V = 14


def tiny(norm_first=True, **kw):
    options = dict(d_model=16, n_heads=4, num_layers=2, d_ff=32, dropout=0.0, norm_first=norm_first)
    return build_model("transformer", V, V, **{**options, **kw}).eval()


def ragged(B=4, S=7, lens=(7, 5, 3, 1)):
    src = torch.randint(4, V, (B, S))
    lens = torch.tensor(lens)
    src[torch.arange(S)[None, :] >= lens[:, None]] = 0
    return src, lens


# ---------------------------------------------------------------- attention
def test_readable_attention_equals_pytorch_sdpa_and_masks_exactly():
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 6, 8), torch.randn(2, 3, 6, 4)
    mask = (torch.arange(6)[None, :] < torch.tensor([6, 2])[:, None])[:, None, None, :]
    out, w = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    assert (w[1, ..., 2:] == 0).all()
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 3, 5))
    # the formula, for one head: softmax(q k^T / sqrt(d_k)) v
    expected = torch.softmax(q[0, 0] @ k[0, 0].T / math.sqrt(8), -1) @ v[0, 0]
    torch.testing.assert_close(out[0, 0], expected)


def test_multi_head_fast_path_equals_readable_path():
    mha = MultiHeadAttention(16, 4).eval()
    x, mem = torch.randn(3, 5, 16), torch.randn(3, 7, 16)
    mask = torch.arange(7)[None, None, :] < torch.tensor([7, 4, 1])[:, None, None]
    fast, none = mha(x, mem, mask, fast=True)
    slow, w = mha(x, mem, mask, fast=False)
    assert none is None and w.shape == (3, 4, 5, 7)
    torch.testing.assert_close(fast, slow, atol=1e-6, rtol=1e-5)


def test_multi_head_errors():
    with pytest.raises(ValueError, match="divisible by n_heads"):
        MultiHeadAttention(10, 4)
    mha = MultiHeadAttention(16, 4)
    with pytest.raises(ValueError, match="attention query"):
        mha(torch.randn(2, 5, 12), torch.randn(2, 5, 16))
    with pytest.raises(ValueError, match="attention mask"):
        mha(torch.randn(2, 5, 16), torch.randn(2, 7, 16), torch.ones(2, 1, 6, dtype=torch.bool))


@pytest.mark.parametrize("norm_first", [True, False])
def test_model_fast_path_equals_readable_path(norm_first):
    model = tiny(norm_first)
    src, lens = ragged()
    tgt = torch.randint(3, V, (4, 6))
    fast = model(src, lens, tgt)
    slow, weights = model(src, lens, tgt, fast=False, return_attention=True)
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)
    assert weights.shape == (4, 6, 7)
    assert (weights[3, :, 1:] == 0).all()  # no attention on padding


# ---------------------------------------------------------------- positions and masks
def test_positional_encoding_values_and_bound():
    pe = PositionalEncoding(8, max_len=20)
    pos, i = 5, 1
    assert pe.pe[pos, 2 * i].item() == pytest.approx(math.sin(pos / 10000 ** (2 * i / 8)), abs=1e-6)
    assert pe.pe[pos, 2 * i + 1].item() == pytest.approx(math.cos(pos / 10000 ** (2 * i / 8)), abs=1e-6)
    torch.testing.assert_close(pe(torch.zeros(1, 3, 8), start=4)[0], pe.pe[4:7])
    with pytest.raises(ValueError, match=r"length 21 is longer than the positional table \(max_len=20\)"):
        pe(torch.zeros(1, 21, 8))
    model = tiny(max_len=6)
    src, lens = ragged()
    with pytest.raises(ValueError, match="positional table"):
        model.encode(src, lens)
    with pytest.raises(ValueError, match="d_model must be even"):
        TransformerConfig(V, V, d_model=9, n_heads=3)


def test_greedy_decoding_stops_at_the_positional_table():
    model = tiny(max_len=8)
    src, lens = ragged(lens=(7, 5, 3, 1))
    out = greedy_decode(model, src, lens)
    assert out.tokens.size(1) <= 8


def test_causal_mask_shape_and_values():
    m = causal_mask(4)
    assert m.tolist() == [[True, False, False, False], [True, True, False, False],
                          [True, True, True, False], [True, True, True, True]]
    assert causal_mask(4, start=3).tolist() == [[True, True, True, True]]


@pytest.mark.parametrize("k", [1, 3, 5])
def test_changing_future_targets_leaves_earlier_logits_unchanged(k):
    model = tiny()
    src, lens = ragged()
    tgt = torch.randint(3, V, (4, 6))
    changed = tgt.clone()
    changed[:, k:] = torch.randint(3, V, (4, 6 - k))
    a, b = model(src, lens, tgt), model(src, lens, changed)
    torch.testing.assert_close(a[:, :k], b[:, :k])
    assert not torch.allclose(a[:, k:], b[:, k:])  # the future positions did change


def test_padding_does_not_change_a_sequence_output():
    model = tiny()
    src, lens = ragged()
    tgt = torch.randint(3, V, (4, 5))
    batch = model(src, lens, tgt)
    for b in range(4):
        n = int(lens[b])
        alone = model(src[b:b + 1, :n], lens[b:b + 1], tgt[b:b + 1])
        torch.testing.assert_close(batch[b:b + 1], alone, atol=1e-5, rtol=1e-5)
    # padding with more pad columns changes nothing either
    wider = torch.cat([src, torch.zeros(4, 5, dtype=torch.long)], 1)
    torch.testing.assert_close(model(wider, lens, tgt), batch, atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------- the key/value cache
@pytest.mark.parametrize("norm_first", [True, False])
def test_cached_steps_equal_full_recomputation_and_teacher_forcing(norm_first):
    model = tiny(norm_first)
    src, lens = ragged()
    tgt = torch.randint(3, V, (4, 6))
    full = model(src, lens, tgt)
    cached = model.decoder_loop(tgt, model.encode(src, lens))
    model.kv_cache = False
    recomputed = model.decoder_loop(tgt, model.encode(src, lens))
    torch.testing.assert_close(cached, full, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(recomputed, full, atol=1e-5, rtol=1e-5)


def test_greedy_with_cache_gives_the_same_tokens_as_without():
    seed_everything(1)
    model = tiny(num_layers=3)
    src, lens = ragged(B=6, S=9, lens=(9, 8, 6, 4, 2, 1))
    with_cache = greedy_decode(model, src, lens, max_len=12)
    model.kv_cache = False
    without = greedy_decode(model, src, lens, max_len=12)
    assert torch.equal(with_cache.tokens, without.tokens)
    torch.testing.assert_close(with_cache.attention, without.attention, atol=1e-5, rtol=1e-5)


def test_cache_grows_one_position_per_step_and_reorders():
    model = tiny()
    src, lens = ragged()
    memory = model.encode(src, lens)
    state = memory.init_state
    prev = torch.full((4,), 1)
    for _ in range(3):
        logits, state, attn = model.decode_step(prev, state, memory)
        prev = logits.argmax(-1)
    prefix, cache = state
    assert prefix.shape == (4, 3) and len(cache) == 2 and cache[0][0].shape == (4, 4, 3, 4)
    assert attn.shape == (4, 7) and (attn[3, 1:] == 0).all()
    index = torch.tensor([2, 2, 0])
    state2, memory2 = model.reorder(state, memory, index)
    a, _, _ = model.decode_step(prev[index], state2, memory2)
    b, _, _ = model.decode_step(prev, state, memory)
    torch.testing.assert_close(a, b[index])


def test_attend_one_equals_the_readable_attention():
    q, k, v = torch.randn(3, 2, 1, 8), torch.randn(3, 2, 6, 8), torch.randn(3, 2, 6, 8)
    mask = (torch.arange(6)[None, :] < torch.tensor([6, 2, 1])[:, None])[:, None, None, :]
    for m in (None, mask):
        out, w = attend_one(q, k, v, m)
        ref_out, ref_w = scaled_dot_product_attention(q, k, v, m)
        torch.testing.assert_close(out, ref_out)
        torch.testing.assert_close(w, ref_w)
    assert (w[2, ..., 1:] == 0).all()


def test_append_position_writes_in_place_and_copies_for_a_second_writer():
    new = [torch.randn(2, 3, 1, 4) for _ in range(4)]
    with torch.no_grad():
        a = append_position(None, new[0], capacity=64)
        b = append_position(a, new[1], capacity=64)
        assert b.data_ptr() == a.data_ptr() and b.shape == (2, 3, 2, 4)  # the same buffer, no copy
        c = append_position(b, new[2], capacity=64)
        other = append_position(b, new[3], capacity=64)  # a second continuation of b: must not overwrite c
        assert other.data_ptr() != c.data_ptr()
        torch.testing.assert_close(c, torch.cat(new[:3], 2), rtol=0, atol=0)
        torch.testing.assert_close(other, torch.cat([*new[:2], new[3]], 2), rtol=0, atol=0)
        full = a
        for _ in range(2):  # a buffer never grows past capacity
            full = append_position(full, new[0], capacity=2)
        assert full.shape[2] == 3 and full._base.size(2) == 3
    with torch.enable_grad():  # with autograd: plain concatenation
        grown = append_position(c, new[3].requires_grad_(), capacity=64)
        assert grown._base is None and grown.requires_grad


def test_branching_from_one_cached_state_leaves_both_continuations_exact():
    """Two decode_steps from one state (as a search that tries two tokens would do) do not interfere."""
    model = tiny()
    src, lens = ragged()
    memory = model.encode(src, lens)
    state = memory.init_state
    for tok in (1, 5, 6):
        _, state, _ = model.decode_step(torch.full((4,), tok), state, memory)
    first, state_a, _ = model.decode_step(torch.full((4,), 7), state, memory)
    second, state_b, _ = model.decode_step(torch.full((4,), 8), state, memory)
    model.kv_cache = False
    for logits, tok, branch in ((first, 7, state_a), (second, 8, state_b)):
        expected = model.decode(torch.tensor([[1, 5, 6, tok]] * 4), memory)[0][:, -1]
        torch.testing.assert_close(logits, model.generator(expected), atol=1e-5, rtol=1e-5)
        assert branch[0][:, -1].eq(tok).all()
    k_a, k_b = state_a[1][0][0], state_b[1][0][0]
    torch.testing.assert_close(k_a[:, :, :3], k_b[:, :, :3], rtol=0, atol=0)  # the shared prefix
    assert not torch.equal(k_a[:, :, 3], k_b[:, :, 3])


def test_cached_steps_under_autograd_equal_no_grad_and_train():
    """With autograd on (scheduled sampling in training) the cache grows by concatenation: same logits,
    and gradients reach every decoder layer."""
    model = tiny()
    src, lens = ragged()
    tgt = torch.randint(3, V, (4, 6))
    with torch.no_grad():
        quiet = model.decoder_loop(tgt, model.encode(src, lens))
    loud = model.decoder_loop(tgt, model.encode(src, lens))
    torch.testing.assert_close(loud, quiet, rtol=0, atol=1e-6)
    model = tiny(dropout=0.1).train()  # attention dropout on the one-query path too
    sequence_nll(model(src, lens, tgt, teacher_forcing=0.5), tgt).backward()
    for layer in model.decoder_layers:
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in layer.self_attn.parameters())


def test_return_attention_false_gives_the_same_logits():
    model = tiny()
    src, lens = ragged()
    memory = model.encode(src, lens)
    prev, a, b = torch.full((4,), 1), memory.init_state, memory.init_state
    for _ in range(3):
        la, a, w = model.decode_step(prev, a, memory)
        lb, b, none = model.decode_step(prev, b, memory, return_attention=False)
        assert none is None and w.shape == (4, 7)
        torch.testing.assert_close(la, lb, rtol=0, atol=0)
        prev = la.argmax(-1)


# ---------------------------------------------------------------- nn.Transformer
@pytest.mark.parametrize("norm_first", [True, False])
def test_equals_torch_nn_transformer_with_copied_weights(norm_first):
    model = tiny(norm_first)
    ref = nn.Transformer(16, 4, 2, 2, 32, dropout=0.0, batch_first=True, norm_first=norm_first)
    ref.encoder.enable_nested_tensor = False  # keep padded positions in the output (default off for pre-norm)
    ref.eval()
    if not norm_first:
        with pytest.raises(ValueError, match="no final layer norms"):
            copy_from_torch(model, ref)
        ref.encoder.norm = ref.decoder.norm = None
    copy_from_torch(model, ref)
    src, lens = ragged()
    tgt = torch.randint(3, V, (4, 6))
    memory = model.encode(src, lens)
    mine = model.decode(tgt, memory)[0]
    pad = ~memory.mask  # PyTorch's key padding masks are True on *padding*
    theirs = ref(model.embed(src, model.src_embed), model.embed(tgt, model.tgt_embed),
                 tgt_mask=~causal_mask(6), src_key_padding_mask=pad, memory_key_padding_mask=pad)
    torch.testing.assert_close(mine, theirs, atol=1e-5, rtol=1e-5)


def test_copy_from_torch_refuses_mismatched_models():
    with pytest.raises(ValueError, match="numbers of layers"):
        copy_from_torch(tiny(), nn.Transformer(16, 4, 3, 3, 32, batch_first=True))
    with pytest.raises(ValueError, match="norm_first"):
        copy_from_torch(tiny(), nn.Transformer(16, 4, 2, 2, 32, batch_first=True, norm_first=False))


# ---------------------------------------------------------------- training pieces
def test_label_smoothing_matches_its_formula():
    logits, tgt = torch.randn(2, 3, 5), torch.tensor([[4, 2, 0], [1, 3, 2]])
    eps, real = 0.1, tgt != 0
    logp = torch.log_softmax(logits, -1)
    nll = -logp.gather(-1, tgt[..., None])[..., 0]
    expected = ((1 - eps) * nll + eps * -logp.mean(-1))[real].sum()
    torch.testing.assert_close(sequence_nll(logits, tgt, label_smoothing=eps), expected)
    torch.testing.assert_close(sequence_nll(logits, tgt, label_smoothing=0.0), nll[real].sum())
    with pytest.raises(ValueError, match="label_smoothing"):
        sequence_nll(logits, tgt, label_smoothing=1.0)


def test_noam_schedule_warms_up_linearly_then_decays_as_inverse_sqrt():
    f, warmup, d_model = noam(100), 100, 512
    assert f(99) == pytest.approx(1.0)  # step 100 (1-based) is the peak
    assert f(49) == pytest.approx(0.5)
    assert f(399) == pytest.approx(0.5)  # 4x the warm-up: half the peak
    paper = [d_model**-0.5 * min(s**-0.5, s * warmup**-1.5) for s in range(1, 1000)]
    ratios = [p / f(s - 1) for s, p in enumerate(paper, start=1)]
    assert max(ratios) == pytest.approx(min(ratios))  # the same curve up to a constant
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=2.0)
    sched = lr_scheduler(opt, "noam", total_steps=1000, warmup=10)
    lrs = []
    for _ in range(40):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert max(lrs) == pytest.approx(2.0) and lrs.index(max(lrs)) == 9
    with pytest.raises(ValueError, match="warmup"):
        noam(0)


def test_tied_embeddings_share_one_matrix_and_survive_a_checkpoint(tmp_path, vocab):
    untied, tied = tiny(), tiny(tie_embeddings=True)
    assert tied.generator.weight is tied.tgt_embed.weight
    assert count_parameters(untied) - count_parameters(tied) == V * 16
    from seq2seq_lib import task_vocab
    v = task_vocab(V - 4)
    save_checkpoint(tmp_path, tied, v, v)
    loaded = load_checkpoint(tmp_path)[0]
    assert loaded.generator.weight is loaded.tgt_embed.weight
    src, lens = ragged()
    tgt = torch.randint(3, V, (4, 5))
    torch.testing.assert_close(loaded(src, lens, tgt), tied(src, lens, tgt))


def test_training_is_deterministic_for_a_seed(batch):
    def run():
        seed_everything(0)
        model = build_model("transformer", 14, 14, d_model=16, n_heads=2, num_layers=1, d_ff=32, dropout=0.1)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        return [train_step(model, batch, opt, label_smoothing=0.1) for _ in range(3)], model
    (loss_a, model_a), (loss_b, model_b) = run(), run()
    assert loss_a == loss_b and loss_a[-1] < loss_a[0]
    for p, q in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(p, q)
