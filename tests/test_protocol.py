"""Every registered model follows the one protocol: same signatures, same return shapes."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
import torch

from seq2seq_lib.models import MODELS, build_model
from seq2seq_lib.protocol import Memory, Seq2SeqModel, mix_teacher_forcing
from seq2seq_lib.utils import seed_everything

V, B, S, T = 13, 3, 5, 4
SMALL = {"transformer": dict(d_model=16, n_heads=2, num_layers=1, d_ff=32, dropout=0.0)}
SMALL["decoder-only"] = SMALL["transformer"]
HAS_ATTENTION = {"bahdanau", "luong-dot", "luong-general", "luong-concat", "transformer", "decoder-only"}


def small(name: str) -> Seq2SeqModel:
    seed_everything(0)
    return build_model(name, V, V + 1, **SMALL.get(name, dict(emb_dim=8, hidden_size=8))).eval()


def batch():
    g = torch.Generator().manual_seed(0)
    src = torch.randint(4, V, (B, S), generator=g)
    lens = torch.tensor([S, 3, 1])
    src[1, 3:] = 0
    src[2, 1:] = 0
    return src, lens, torch.randint(4, V, (B, T), generator=g)


def _params(fn) -> list[tuple[str, object]]:
    sig = inspect.signature(fn)
    return [(p.name, p.default) for p in sig.parameters.values() if p.name != "self"]


@pytest.mark.parametrize("name", list(MODELS))
def test_signatures_are_the_protocol(name):
    model = small(name)
    for method in ("encode", "decode_step", "forward"):
        assert _params(getattr(type(model), method)) == _params(getattr(Seq2SeqModel, method)), method
    assert dataclasses.is_dataclass(model.config)
    assert (model.src_vocab_size, model.tgt_vocab_size) == (V, V + 1)


@pytest.mark.parametrize("name", list(MODELS))
def test_return_shapes(name):
    model, (src, lens, tgt) = small(name), batch()
    with torch.no_grad():
        memory = model.encode(src, lens)
        assert isinstance(memory, Memory) and memory.mask.shape == (B, S)
        assert memory.outputs.shape[:2] == (B, S)
        prev = tgt[:, 0]
        logits, state, weights = model.decode_step(prev, memory.init_state, memory)
        assert logits.shape == (B, V + 1)
        if name in HAS_ATTENTION:
            assert weights.shape == (B, S)
            torch.testing.assert_close(weights.sum(-1), torch.ones(B))
            assert float(weights[2, 1:].abs().max()) == 0.0  # no weight on padding
        else:
            assert weights is None
        quiet, _, none = model.decode_step(prev, memory.init_state, memory, return_attention=False)
        assert none is None
        torch.testing.assert_close(quiet, logits)
        assert model(src, lens, tgt).shape == (B, T, V + 1)
        out, w = model(src, lens, tgt, return_attention=True)
        assert out.shape == (B, T, V + 1)
        assert (w is None) == (name not in HAS_ATTENTION)
        if w is not None:
            assert w.shape == (B, T, S)


def test_a_model_missing_a_protocol_call_cannot_be_built():
    class Half(Seq2SeqModel):
        def encode(self, src, src_lens):
            return None

    with pytest.raises(TypeError, match="abstract"):
        Half(dataclasses.make_dataclass("C", [("src_vocab_size", int), ("tgt_vocab_size", int)])(3, 3))


def test_config_must_be_a_dataclass_instance():
    class Full(Seq2SeqModel):
        encode = decode_step = forward = None

    with pytest.raises(TypeError, match="dataclass instance"):
        Full({"src_vocab_size": 3, "tgt_vocab_size": 3})


def test_teacher_forcing_coin_is_per_sequence():
    gold, pred = torch.zeros(1000, dtype=torch.long), torch.ones(1000, dtype=torch.long)
    assert torch.equal(mix_teacher_forcing(gold, pred, 1.0), gold)
    assert torch.equal(mix_teacher_forcing(gold, pred, 0.0), pred)
    torch.manual_seed(0)
    share = float((mix_teacher_forcing(gold, pred, 0.3) == 0).float().mean())
    assert 0.25 < share < 0.35
    values = mix_teacher_forcing(torch.zeros(6, 1), torch.ones(6, 1), 0.5)  # [B, 1] values (time series)
    assert values.shape == (6, 1)
