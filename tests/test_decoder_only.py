"""The decoder-only model and the modern block options: masks, cache, padding, paths, references."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from seq2seq_lib import beam_search, build_model, greedy_decode, seed_everything
from seq2seq_lib.blocks import FeedForward, RMSNorm, Rotary, rotate_readable
from seq2seq_lib.decoder_only import DecoderOnlyConfig, prefix_lm_mask

V = 14
VARIANTS = [
    {},
    {"prefix_lm": False},
    {"positions": "rope", "norm": "rms", "ffn": "swiglu"},
    {"positions": "learned", "n_kv_heads": 2, "ffn": "gelu"},
    {"positions": "rope", "n_kv_heads": 1, "prefix_lm": False},
]


def tiny(**kw):
    seed_everything(0)
    options = dict(d_model=16, n_heads=4, num_layers=2, d_ff=32, dropout=0.0)
    return build_model("decoder-only", V, V + 3, **{**options, **kw}).eval()


def ragged(lens=(7, 5, 3, 1), S=7):
    src = torch.randint(4, V, (len(lens), S))
    lens = torch.tensor(lens)
    src[torch.arange(S)[None, :] >= lens[:, None]] = 0
    return src, lens


def test_prefix_mask_is_exactly_as_specified():
    src_mask = torch.tensor([[True, True, False]])  # two real source tokens and one pad
    causal = prefix_lm_mask(src_mask, 2, prefix_lm=False)[0].int()
    prefix = prefix_lm_mask(src_mask, 2, prefix_lm=True)[0].int()
    #                        s0 s1 pad t0 t1
    assert causal.tolist() == [[1, 0, 0, 0, 0],
                               [1, 1, 0, 0, 0],
                               [1, 1, 0, 0, 0],
                               [1, 1, 0, 1, 0],
                               [1, 1, 0, 1, 1]]
    assert prefix.tolist() == [[1, 1, 0, 0, 0],
                               [1, 1, 0, 0, 0],
                               [1, 1, 0, 0, 0],
                               [1, 1, 0, 1, 0],
                               [1, 1, 0, 1, 1]]


@pytest.mark.parametrize("kw", VARIANTS, ids=str)
def test_no_target_position_reads_a_later_one(kw):
    model = tiny(**kw)
    src, lens = ragged()
    tgt = torch.randint(4, V + 3, (4, 6))
    base = model(src, lens, tgt)
    changed = tgt.clone()
    changed[:, 3:] = torch.randint(4, V + 3, (4, 3))
    torch.testing.assert_close(model(src, lens, changed)[:, :3], base[:, :3])
    assert not torch.allclose(model(src, lens, changed)[:, 3:], base[:, 3:])


def test_causal_source_reads_only_the_past_and_prefix_lm_reads_both_ways():
    src, lens = ragged((7,))
    later = src.clone()
    later[0, 5] = (src[0, 5] + 1 - 4) % (V - 4) + 4
    for prefix_lm, same in ((False, True), (True, False)):
        model = tiny(prefix_lm=prefix_lm)
        a, b = model.encode(src, lens).outputs[:, :5], model.encode(later, lens).outputs[:, :5]
        assert torch.allclose(a, b) is same


@pytest.mark.parametrize("kw", VARIANTS, ids=str)
def test_padding_never_changes_a_sequence(kw):
    model = tiny(**kw)
    src, lens = ragged()
    tgt = torch.randint(4, V + 3, (4, 5))
    batch = model(src, lens, tgt)
    for b, n in enumerate(lens.tolist()):
        alone = model(src[b:b + 1, :n], lens[b:b + 1], tgt[b:b + 1])
        torch.testing.assert_close(batch[b:b + 1], alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kw", VARIANTS, ids=str)
def test_fast_path_equals_readable_path_and_step_loop_equals_forward(kw):
    model = tiny(**kw)
    src, lens = ragged()
    tgt = torch.randint(4, V + 3, (4, 6))
    fast = model(src, lens, tgt)
    slow, weights = model(src, lens, tgt, fast=False, return_attention=True)
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)
    assert weights.shape == (4, 6, 7) and (weights[1, :, 5:] == 0).all()
    stepped, step_weights = model.decoder_loop(tgt, model.encode(src, lens), 1.0, return_attention=True)
    torch.testing.assert_close(stepped, fast, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(step_weights, weights, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kw", VARIANTS, ids=str)
def test_cache_equals_recompute(kw):
    model = tiny(**kw)
    src, lens = ragged()
    cached = greedy_decode(model, src, lens, max_len=9)
    model.kv_cache = False
    recomputed = greedy_decode(model, src, lens, max_len=9)
    assert cached.to_lists() == recomputed.to_lists()
    torch.testing.assert_close(cached.attention, recomputed.attention, atol=1e-5, rtol=1e-5)


def test_beam_of_one_is_greedy():
    model = tiny(positions="rope")
    src, lens = ragged()
    assert beam_search(model, src, lens, beam_size=1).to_lists() == greedy_decode(model, src, lens).to_lists()


def test_beam_search_runs_with_the_cache_and_matches_recompute():
    model = tiny(n_kv_heads=2)
    src, lens = ragged()
    cached = beam_search(model, src, lens, beam_size=3, n_best=3, max_len=8)
    model.kv_cache = False
    recomputed = beam_search(model, src, lens, beam_size=3, n_best=3, max_len=8)
    assert cached.to_lists() == recomputed.to_lists()


def test_grouped_query_attention_shrinks_the_cache():
    full, grouped = tiny(), tiny(n_kv_heads=1)
    assert grouped.cache_bytes(64, 75) * 4 == full.cache_bytes(64, 75)
    memory = grouped.encode(*ragged())
    assert memory.keys[0][0].shape == (4, 1, 7, 4)


def test_clear_errors():
    with pytest.raises(ValueError, match="multiple of n_kv_heads"):
        DecoderOnlyConfig(V, V, n_heads=4, n_kv_heads=3)
    with pytest.raises(ValueError, match="unknown positions 'alibi'"):
        DecoderOnlyConfig(V, V, positions="alibi")
    with pytest.raises(ValueError, match="unknown norm"):
        DecoderOnlyConfig(V, V, norm="batch")
    model = tiny(max_len=10)
    src, lens = ragged()
    with pytest.raises(ValueError, match="longer than the positional table"):
        model(src, lens, torch.randint(4, V, (4, 6)))


# ------------------------------------------------------------- the block options against references
def test_rms_norm_matches_its_formula_and_pytorch():
    x = torch.randn(3, 5, 8)
    norm = RMSNorm(8)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
    expected = x / torch.sqrt((x**2).mean(-1, keepdim=True) + 1e-6) * norm.weight
    torch.testing.assert_close(norm(x), expected)
    if hasattr(nn, "RMSNorm"):
        ref = nn.RMSNorm(8, eps=1e-6)
        ref.load_state_dict(norm.state_dict())
        torch.testing.assert_close(norm(x), ref(x))
    # on inputs of mean zero, RMSNorm is LayerNorm without its bias
    centred = x - x.mean(-1, keepdim=True)
    layer = nn.LayerNorm(8, eps=1e-6, elementwise_affine=False)
    torch.testing.assert_close(RMSNorm(8)(centred), layer(centred), atol=1e-5, rtol=1e-5)


def test_feed_forward_networks_match_their_formulas():
    seed_everything(0)
    x = torch.randn(2, 3, 8)
    for kind, act in (("relu", torch.relu), ("gelu", lambda h: 0.5 * h * (1 + torch.erf(h / math.sqrt(2))))):
        ff = FeedForward(8, 16, kind)
        torch.testing.assert_close(ff(x), ff.W_2(act(ff.W_1(x))), atol=1e-6, rtol=1e-5)
    ff = FeedForward(8, 16, "swiglu")
    swish = ff.W_1(x) * torch.sigmoid(ff.W_1(x))
    torch.testing.assert_close(ff(x), ff.W_2(swish * ff.W_3(x)), atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match="unknown feed-forward"):
        FeedForward(8, 16, "tanh")


def test_rope_fast_equals_readable_and_keeps_norms():
    rope = Rotary(8, 64)
    x = torch.randn(2, 3, 5, 8)
    positions = torch.tensor([[0, 1, 2, 3, 4], [7, 8, 9, 10, 11]])
    fast = rope(x, positions)
    torch.testing.assert_close(fast, rope(x, positions, fast=False), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(fast.norm(dim=-1), x.norm(dim=-1), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(rope(x, torch.zeros(2, 5, dtype=torch.long)), x)
    # one pair, by hand: (x0, x1) at position m turns by the angle m * theta_0 = m
    pair = torch.tensor([1.0, 0.0]).view(1, 1, 1, 2)
    turned = rotate_readable(pair, torch.tensor([[3]]), torch.tensor([1.0]))
    torch.testing.assert_close(turned.flatten(), torch.tensor([math.cos(3.0), math.sin(3.0)]))


def test_rope_scores_depend_only_on_the_position_difference():
    rope = Rotary(8, 128)
    q, k = torch.randn(1, 1, 1, 8), torch.randn(1, 1, 1, 8)

    def score(m, n):
        return (rope(q, torch.tensor([[m]])) * rope(k, torch.tensor([[n]]))).sum()

    for m, n, shift in ((0, 3, 10), (5, 2, 40), (7, 7, 100)):
        torch.testing.assert_close(score(m, n), score(m + shift, n + shift), atol=1e-4, rtol=1e-4)
    assert not torch.isclose(score(0, 3), score(0, 4))


def test_sdpa_with_a_boolean_mask_is_the_masked_softmax():
    q, k, v = torch.randn(1, 2, 4, 8), torch.randn(1, 2, 4, 8), torch.randn(1, 2, 4, 8)
    mask = prefix_lm_mask(torch.tensor([[True, True]]), 2)[:, None]
    scores = (q @ k.transpose(-2, -1) / math.sqrt(8)).masked_fill(~mask, float("-inf"))
    torch.testing.assert_close(F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                               torch.softmax(scores, -1) @ v, atol=1e-6, rtol=1e-5)
