"""Attention modules and the attentional RNN models (Bahdanau, Luong)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seq2seq_lib import build_model, greedy_decode
from seq2seq_lib.attention import BahdanauAttention, LuongAttention, additive_score, masked_softmax
from seq2seq_lib.rnn import Encoder
from seq2seq_lib.rnn_attention import AttentionConfig

VARIANTS = [("bahdanau", False), ("luong-dot", False), ("luong-general", False), ("luong-concat", False),
            ("luong-dot", True), ("luong-general", True), ("luong-concat", True)]


def attn_model(name, input_feeding=False, cell="gru", **kw):
    return build_model(name, 14, 14, emb_dim=8, hidden_size=16, input_feeding=input_feeding,
                       cell=cell, **kw).eval()


# ---------------------------------------------------------------- masked softmax
def test_masked_softmax_zero_on_padding_and_rows_sum_to_one():
    scores = torch.randn(3, 4, 6)
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]], dtype=torch.bool)
    w = masked_softmax(scores, mask[:, None, :])
    assert (w[~mask[:, None, :].expand_as(w)] == 0).all()  # exactly zero, not just small
    torch.testing.assert_close(w.sum(-1), torch.ones(3, 4))
    assert (w[2, :, 0] == 1).all()
    # the real positions get the softmax of their own scores
    torch.testing.assert_close(w[1, :, :2], torch.softmax(scores[1, :, :2], -1))


def test_masked_softmax_errors():
    with pytest.raises(TypeError, match="bool"):
        masked_softmax(torch.randn(2, 5), torch.ones(2, 5))
    with pytest.raises(ValueError, match=r"mask of shape \[2, 4\] does not match scores"):
        masked_softmax(torch.randn(2, 5), torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="no real position"):
        masked_softmax(torch.randn(2, 5), torch.tensor([[True] * 5, [False] * 5]))


# ---------------------------------------------------------------- attention modules
def test_additive_score_equals_v_tanh_of_the_sum_with_its_gradients():
    """``v^T tanh(q_i + k_j)``, computed with the faster ``2 sigmoid(2x) - 1``: values and gradients."""
    q, k, v = (torch.randn(*shape, requires_grad=True) for shape in ((3, 4, 7), (3, 5, 7), (7,)))
    fast = additive_score(q, k, v)
    formula = torch.tanh(q[:, :, None, :] + k[:, None, :, :]) @ v  # [B, T, S]
    torch.testing.assert_close(fast, formula, rtol=0, atol=2e-6)
    for a, b in zip(torch.autograd.grad(fast.sum(), (q, k, v)), torch.autograd.grad(formula.sum(), (q, k, v))):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def _keys(B=3, S=5, K=6):
    keys = torch.randn(B, S, K)
    mask = torch.arange(S)[None, :] < torch.tensor([5, 3, 1])[:, None]
    return keys, mask


def test_bahdanau_matches_the_paper_formula():
    attn = BahdanauAttention(query_size=4, key_size=6, attn_size=7)
    keys, mask = _keys()
    s = torch.randn(3, 4)
    context, weights = attn(s, keys, mask)
    for b in range(3):
        n = int(mask[b].sum())
        e = torch.stack([attn.v_a.weight[0] @ torch.tanh(attn.W_a.weight @ s[b] + attn.U_a.weight @ keys[b, j])
                         for j in range(n)])
        alpha = torch.softmax(e, 0)
        torch.testing.assert_close(weights[b, :n], alpha)
        torch.testing.assert_close(context[b], alpha @ keys[b, :n])


@pytest.mark.parametrize("score", ["dot", "general", "concat"])
def test_luong_scores_match_the_paper_formulas(score):
    attn = LuongAttention(6, 6, score=score, attn_size=5)
    keys, mask = _keys()
    h = torch.randn(3, 6)
    _, weights = attn(h, keys, mask)
    for b in range(3):
        n = int(mask[b].sum())
        if score == "dot":
            e = keys[b, :n] @ h[b]
        elif score == "general":
            e = keys[b, :n] @ attn.W_a.weight.T @ h[b]
        else:
            cat = torch.cat([h[b].expand(n, -1), keys[b, :n]], -1)
            e = torch.tanh(cat @ attn.W_a.weight.T) @ attn.v_a.weight[0]
        torch.testing.assert_close(weights[b, :n], torch.softmax(e, 0))


@pytest.mark.parametrize("make", [lambda: BahdanauAttention(6, 6, 4), lambda: LuongAttention(6, 6, "concat", 4),
                                  lambda: LuongAttention(6, 6, "general"), lambda: LuongAttention(6, 6, "dot")])
def test_all_steps_at_once_and_precomputed_keys_equal_one_step_at_a_time(make):
    attn = make()
    keys, mask = _keys()
    q = torch.randn(3, 4, 6)
    ctx_all, w_all = attn(q, keys, mask)
    projected = attn.project_keys(keys)
    for t in range(4):
        ctx, w = attn(q[:, t], keys, mask, projected_keys=projected)
        torch.testing.assert_close(w, w_all[:, t])
        torch.testing.assert_close(ctx, ctx_all[:, t])
        ctx2, w2 = attn(q[:, t], keys, mask)  # keys projected again: same result
        torch.testing.assert_close(w2, w)


def test_attention_errors_name_the_problem():
    with pytest.raises(ValueError, match="dot score needs decoder and encoder states of one size"):
        LuongAttention(8, 16, "dot")
    with pytest.raises(ValueError, match="unknown Luong score"):
        LuongAttention(8, 8, "cosine")
    attn = BahdanauAttention(8, 16)
    keys, mask = torch.randn(2, 5, 12), torch.ones(2, 5, dtype=torch.bool)
    with pytest.raises(ValueError, match=r"attention keys \(encoder outputs\) should have shape \[2, S, 16\]"):
        attn(torch.randn(2, 8), keys, mask)
    with pytest.raises(ValueError, match=r"attention mask should have shape \[2, 5\]"):
        attn(torch.randn(2, 8), torch.randn(2, 5, 16), torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"query \(decoder state\) should have shape"):
        attn(torch.randn(2, 9), torch.randn(2, 5, 16), mask)


def test_config_errors():
    with pytest.raises(ValueError, match="input feeding is Luong's"):
        AttentionConfig(14, 14, attention="bahdanau", input_feeding=True)
    with pytest.raises(ValueError, match="must be even"):
        AttentionConfig(14, 14, hidden_size=15)
    with pytest.raises(ValueError, match="unknown attention"):
        AttentionConfig(14, 14, attention="luong")


def test_memory_from_a_model_of_another_size_is_rejected(batch):
    small, big = attn_model("luong-general"), build_model("luong-general", 14, 14, hidden_size=32).eval()
    memory = big.encode(batch.src, batch.src_lens)
    state = small.encode(batch.src, batch.src_lens).init_state
    with pytest.raises(ValueError, match="encoder outputs"):
        small.decode_step(batch.tgt_in[:, 0], state, memory)


# ---------------------------------------------------------------- the models
@pytest.mark.parametrize("name,feed", VARIANTS)
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_fast_path_equals_step_loop(name, feed, cell, batch):
    model = attn_model(name, feed, cell, num_layers=2)
    fast, w_fast = model(batch.src, batch.src_lens, batch.tgt_in, fast=True, return_attention=True)
    loop, w_loop = model(batch.src, batch.src_lens, batch.tgt_in, fast=False, return_attention=True)
    assert fast.shape == (*batch.tgt_in.shape, 14) and w_fast.shape == (*batch.tgt_in.shape, batch.src.size(1))
    torch.testing.assert_close(fast, loop, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(w_fast, w_loop, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,feed", VARIANTS)
def test_attention_is_zero_on_padding_and_rows_sum_to_one(name, feed, batch):
    model = attn_model(name, feed)
    _, weights = model(batch.src, batch.src_lens, batch.tgt_in, return_attention=True)
    pad = torch.arange(batch.src.size(1))[None, :] >= batch.src_lens[:, None]  # [B, S]
    assert (weights.masked_select(pad[:, None, :]) == 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:2]))
    hyp = greedy_decode(model, batch.src, batch.src_lens, max_len=6)
    assert hyp.attention.shape == (len(batch), hyp.tokens.size(1), batch.src.size(1))
    assert (hyp.attention.masked_select(pad[:, None, :]) == 0).all()


@pytest.mark.parametrize("name,feed", VARIANTS)
def test_reorder_follows_the_selected_rows(name, feed, batch):
    """Decoding rows [2, 0, 0] of a batch equals decoding those sequences reordered."""
    model = attn_model(name, feed, cell="lstm")
    memory = model.encode(batch.src, batch.src_lens)
    index = torch.tensor([2, 0, 0])
    state, sub = model.reorder(memory.init_state, memory, index)
    logits, state2, w = model.decode_step(batch.tgt_in[index, 0], state, sub)
    full_logits, full_state, full_w = model.decode_step(batch.tgt_in[:, 0], memory.init_state, memory)
    torch.testing.assert_close(logits, full_logits[index])
    torch.testing.assert_close(w, full_w[index])
    if feed:
        torch.testing.assert_close(state2.feed, full_state.feed[index])



@settings(max_examples=25, deadline=None, derandomize=True)
@given(name_feed=st.sampled_from(VARIANTS), src_len=st.integers(1, 9), tgt_len=st.integers(1, 9),
       others=st.lists(st.tuples(st.integers(1, 9), st.integers(1, 9)), min_size=1, max_size=4),
       position=st.integers(0, 4), cell=st.sampled_from(["gru", "lstm"]))
def test_padding_invariance(name_feed, src_len, tgt_len, others, position, cell):
    """A sequence's logits and attention are the same alone and in any padded batch."""
    torch.manual_seed(0)
    model = attn_model(*name_feed, cell=cell)
    gen = torch.Generator().manual_seed(src_len * 31 + tgt_len)

    def example(s, t):
        return torch.randint(4, 14, (s,), generator=gen), torch.randint(4, 14, (t,), generator=gen)

    mine = example(src_len, tgt_len)
    rows = [example(s, t) for s, t in others]
    position = min(position, len(rows))
    rows.insert(position, mine)
    S, T = max(len(s) for s, _ in rows), max(len(t) for _, t in rows)
    src = torch.stack([torch.nn.functional.pad(s, (0, S - len(s))) for s, _ in rows])
    tgt = torch.stack([torch.nn.functional.pad(t, (0, T - len(t))) for _, t in rows])
    lens = torch.tensor([len(s) for s, _ in rows])
    with torch.no_grad():
        alone, w_alone = model(mine[0][None], torch.tensor([src_len]), mine[1][None], return_attention=True)
        batched, w_batched = model(src, lens, tgt, return_attention=True)
    torch.testing.assert_close(batched[position, :tgt_len], alone[0], rtol=0, atol=1e-5)
    torch.testing.assert_close(w_batched[position, :tgt_len, :src_len], w_alone[0], rtol=0, atol=1e-5)
    assert (w_batched[position, :, src_len:] == 0).all()


@settings(max_examples=20, deadline=None, derandomize=True)
@given(lens=st.lists(st.integers(1, 8), min_size=2, max_size=5), cell=st.sampled_from(["gru", "lstm"]))
def test_bidirectional_final_states_equal_the_sequence_run_alone(lens, cell):
    torch.manual_seed(0)
    enc = Encoder(12, 6, 8, cell=cell, bidirectional=True, bridge_size=10).eval()
    src = torch.zeros(len(lens), max(lens), dtype=torch.long)
    for i, n in enumerate(lens):
        src[i, :n] = torch.arange(n) % 8 + 4
    with torch.no_grad():
        out, state = enc(src, torch.tensor(lens))
        for i, n in enumerate(lens):
            out_i, state_i = enc(src[i:i + 1, :n], torch.tensor([n]))
            h, h_i = (state[0], state_i[0]) if cell == "lstm" else (state, state_i)
            assert h.shape == (1, len(lens), 10)
            torch.testing.assert_close(h[:, i:i + 1], h_i, rtol=0, atol=1e-6)
            torch.testing.assert_close(out[i:i + 1, :n], out_i, rtol=0, atol=1e-6)


def _hand_written_cell(chapter: str) -> str:
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[1] / "chapters" / f"{chapter}.ipynb").read_text())
    cells = [c for c in nb["cells"] if "hand-written" in c["metadata"].get("tags", [])]
    assert len(cells) == 1, f"{chapter} should have one code cell tagged hand-written"
    return "".join(cells[0]["source"])


def test_chapter5_hand_written_attention_equals_the_library():
    """The module the reader writes in chapter 5 gives the library's weights and context."""
    namespace = {"torch": torch, "nn": torch.nn}
    exec(_hand_written_cell("05_bahdanau_attention"), namespace)
    mine = namespace["AdditiveAttention"](6, 8, 5)
    lib = BahdanauAttention(6, 8, 5)
    mine.load_state_dict(lib.state_dict())
    keys, mask = torch.randn(3, 5, 8), torch.arange(5)[None, :] < torch.tensor([5, 2, 1])[:, None]
    s = torch.randn(3, 6)
    c_mine, a_mine = mine(s, keys, mask)
    c_lib, a_lib = lib(s, keys, mask, projected_keys=lib.project_keys(keys))
    torch.testing.assert_close(a_mine, a_lib)
    torch.testing.assert_close(c_mine, c_lib)
    assert (a_mine[~mask] == 0).all()
