"""Model registry: build a model by name (``checkpoint.rebuild`` rebuilds one from a checkpoint)."""

from __future__ import annotations

from .decoder_only import DecoderOnlyConfig, DecoderOnlySeq2Seq
from .protocol import Seq2SeqModel
from .rnn import RNNConfig, RNNSeq2Seq
from .rnn_attention import AttentionConfig, AttentionRNNSeq2Seq
from .transformer import TransformerConfig, TransformerSeq2Seq

#: name -> (model class, config class, settings fixed by the name)
MODELS = {
    "gru": (RNNSeq2Seq, RNNConfig, {"cell": "gru"}),
    "lstm": (RNNSeq2Seq, RNNConfig, {"cell": "lstm"}),
    "bahdanau": (AttentionRNNSeq2Seq, AttentionConfig, {"attention": "bahdanau"}),
    "luong-dot": (AttentionRNNSeq2Seq, AttentionConfig, {"attention": "dot"}),
    "luong-general": (AttentionRNNSeq2Seq, AttentionConfig, {"attention": "general"}),
    "luong-concat": (AttentionRNNSeq2Seq, AttentionConfig, {"attention": "concat"}),
    "transformer": (TransformerSeq2Seq, TransformerConfig, {}),
    "decoder-only": (DecoderOnlySeq2Seq, DecoderOnlyConfig, {}),
}

CLASSES = {cls.__name__: (cls, cfg) for cls, cfg, _ in MODELS.values()}


def build_model(name: str, src_vocab_size: int, tgt_vocab_size: int, **options) -> Seq2SeqModel:
    """Build the model called ``name`` (see ``MODELS``) with config ``options``."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    cls, config_cls, fixed = MODELS[name]
    return cls(config_cls(src_vocab_size=src_vocab_size, tgt_vocab_size=tgt_vocab_size, **options, **fixed))

