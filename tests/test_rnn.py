import pytest
import torch

from seq2seq_lib import RNNConfig, RNNSeq2Seq, build_model
from seq2seq_lib.rnn import Encoder, make_rnn, rnn_step

from .conftest import small_model


@pytest.mark.parametrize("name", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_forward_shapes(name, bidirectional, batch):
    model = small_model(name, bidirectional=bidirectional, num_layers=2)
    logits = model(batch.src, batch.src_lens, batch.tgt_in)
    assert logits.shape == (*batch.tgt_in.shape, 14)


@pytest.mark.parametrize("name", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_fast_path_equals_step_loop(name, bidirectional, batch):
    """One RNN call over the whole target gives the same logits as the Python loop."""
    model = small_model(name, bidirectional=bidirectional, num_layers=2)
    fast = model(batch.src, batch.src_lens, batch.tgt_in, fast=True)
    loop = model(batch.src, batch.src_lens, batch.tgt_in, fast=False)
    torch.testing.assert_close(fast, loop, rtol=1e-5, atol=1e-6)


def test_fast_path_gradients_equal_step_loop(batch):
    model = small_model("gru")
    grads = []
    for fast in (True, False):
        model.zero_grad()
        model(batch.src, batch.src_lens, batch.tgt_in, fast=fast).sum().backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_final_state_ignores_padding(cell, bidirectional):
    """A sequence's encoder state is the same alone (fused call) and in a padded batch (packed)."""
    enc = Encoder(12, 8, 16, cell=cell, bidirectional=bidirectional).eval()
    short = torch.tensor([[4, 5, 6]])
    alone_out, alone_h = enc(short, torch.tensor([3]))
    padded = torch.tensor([[4, 5, 6, 0, 0, 0], [7, 8, 9, 10, 11, 4]])
    out, h = enc(padded, torch.tensor([3, 6]))
    if cell == "lstm":
        torch.testing.assert_close(h[1][:, :1], alone_h[1], rtol=1e-5, atol=1e-6)
        h, alone_h = h[0], alone_h[0]
    torch.testing.assert_close(h[:, :1], alone_h, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out[:1, :3], alone_out, rtol=1e-5, atol=1e-6)
    assert out[0, 3:].abs().max() == 0


def test_output_of_a_sequence_does_not_depend_on_batch_padding():
    model = small_model("lstm", bidirectional=True)
    src, tgt = torch.tensor([[4, 5, 6]]), torch.tensor([[1, 6, 5, 4]])
    alone = model(src, torch.tensor([3]), tgt)
    src2 = torch.tensor([[4, 5, 6, 0, 0], [7, 8, 9, 10, 11]])
    tgt2 = torch.tensor([[1, 6, 5, 4, 0, 0], [1, 11, 10, 9, 8, 7]])
    both = model(src2, torch.tensor([3, 5]), tgt2)
    torch.testing.assert_close(both[:1, :4], alone, rtol=1e-5, atol=1e-6)


def test_teacher_forcing_zero_feeds_predictions(batch):
    model = small_model("gru")
    memory = model.encode(batch.src, batch.src_lens)
    free = model.decoder_loop(batch.tgt_in, memory, teacher_forcing=0.0)
    # Re-run step by step feeding argmax: must match.
    state, inp = memory.init_state, batch.tgt_in[:, 0]
    for t in range(batch.tgt_in.size(1)):
        logits, state, _ = model.decode_step(inp, state, memory)
        torch.testing.assert_close(logits, free[:, t])
        inp = logits.argmax(-1)


def test_teacher_forcing_coin_is_per_token(batch):
    """With ratio 0.5, one step mixes gold and predicted inputs across the batch (not one coin per batch)."""
    model = small_model("gru")
    memory = model.encode(batch.src, batch.src_lens)
    fed, preds = [], []
    original = model.decode_step

    def spy(prev, state, memory):
        fed.append(prev.clone())
        logits, state, attn = original(prev, state, memory)
        preds.append(logits.argmax(-1))
        return logits, state, attn

    model.decode_step = spy
    torch.manual_seed(1)
    model.decoder_loop(batch.tgt_in, memory, teacher_forcing=0.5)
    for t in range(1, batch.tgt_in.size(1)):
        gold, pred = batch.tgt_in[:, t], preds[t - 1]
        differ = gold != pred
        took_gold = (fed[t] == gold) & differ
        took_pred = (fed[t] == pred) & differ
        assert bool((took_gold | took_pred)[differ].all())
        if differ.sum() >= 8:
            assert took_gold.any() and took_pred.any(), f"step {t}: one coin for the whole batch?"
    with pytest.raises(ValueError, match=r"teacher_forcing must be in \[0, 1\]"):
        model.decoder_loop(batch.tgt_in, memory, 1.5)


@pytest.mark.parametrize("src, lens, msg", [
    (torch.tensor([[4, 5]]), torch.tensor([0]), "empty source"),
    (torch.tensor([[4, 99]]), torch.tensor([2]), "token id 99, out of range"),
    (torch.tensor([[4, -1]]), torch.tensor([2]), "token id -1"),
    (torch.tensor([[4, 5]]), torch.tensor([3]), "longer than src"),
    (torch.tensor([4, 5]), torch.tensor([2]), r"src should have shape \[B, S\]"),
    (torch.tensor([[4.0, 5.0]]), torch.tensor([2]), "torch.long"),
    (torch.tensor([[4, 5]]), torch.tensor([2, 2]), "src_lens should have shape"),
])
def test_bad_source_batches_raise_clear_errors(src, lens, msg):
    model = small_model("gru")
    with pytest.raises((ValueError, TypeError), match=msg):
        model.encode(src, lens)


def test_bad_target_raises():
    model = small_model("gru")
    with pytest.raises(ValueError, match="tgt_in contains token id 50"):
        model(torch.tensor([[4, 5]]), torch.tensor([2]), torch.tensor([[1, 50]]))


def test_unknown_model_and_cell_names():
    with pytest.raises(ValueError, match="unknown model 'rnn'"):
        build_model("rnn", 10, 10)
    with pytest.raises(ValueError, match="unknown RNN cell 'tanh'"):
        RNNSeq2Seq(RNNConfig(10, 10, cell="tanh"))


def test_reorder_selects_batch_rows(batch):
    model = small_model("lstm", num_layers=2)
    memory = model.encode(batch.src, batch.src_lens)
    index = torch.tensor([2, 2, 0])
    state, mem = model.reorder(memory.init_state, memory, index)
    torch.testing.assert_close(state[0][:, 0], memory.init_state[0][:, 2])
    torch.testing.assert_close(mem.outputs[2], memory.outputs[0])
    assert mem.mask.shape == (3, batch.src.size(1))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("training", [False, True])
def test_rnn_step_equals_one_step_of_the_module(cell, num_layers, training):
    """The cell-function step (decoders' fast single step) gives the module's output and state,
    dropout between layers included; the GRU bit for bit (same ATen cell), the LSTM (oneDNN) to rounding."""
    rnn = make_rnn(cell, 12, 8, num_layers, dropout=0.3).train(training)
    x, h = torch.randn(5, 12, requires_grad=True), torch.randn(num_layers, 5, 8)
    state = (h, torch.randn(num_layers, 5, 8)) if cell == "lstm" else h
    torch.manual_seed(1)
    out, new = rnn(x.unsqueeze(1), state)
    torch.manual_seed(1)
    step_out, step_new = rnn_step(rnn, x, state)
    check = torch.testing.assert_close if cell == "lstm" else \
        lambda a, b: torch.testing.assert_close(a, b, rtol=0, atol=0)
    check(step_out, out.squeeze(1))
    for a, b in zip(*(((s,) if cell == "gru" else s) for s in (step_new, new))):
        check(a, b)
    grads = [torch.autograd.grad(o.sum(), x)[0] for o in (step_out, out)]
    torch.testing.assert_close(grads[0], grads[1])
