"""seq2seq_lib: the small, tested library behind *Seq2Seq in PyTorch*."""

from .attention import (
                        BahdanauAttention,
                        LuongAttention,
                        MultiHeadAttention,
                        masked_softmax,
                        scaled_dot_product_attention,
)
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .data import Batch, BucketBatchSampler, Seq2SeqDataset, collate, make_loader, padding_fraction
from .decode import BeamResult, Hypotheses, beam_search, decode_batch, greedy_decode, length_penalty, sample_decode
from .metrics import bleu, chrf, exact_match, perplexity, sequence_nll, token_accuracy
from .models import MODELS, build_model
from .protocol import Memory, Seq2SeqModel
from .rnn import Decoder, Encoder, RNNConfig, RNNSeq2Seq
from .rnn_attention import AttentionConfig, AttentionRNNSeq2Seq
from .tasks import make_pairs, reversal_splits, task_vocab
from .train import SCHEDULES, History, evaluate, noam, predict, train_step
from .trainer import fit
from .transformer import PositionalEncoding, TransformerConfig, TransformerSeq2Seq, causal_mask, copy_from_torch
from .utils import check_shape, count_parameters, pick_device, seed_everything
from .vocab import EOS, PAD, SOS, SPECIALS, UNK, Vocab, get_tokenizer

__version__ = "0.1.0"

__all__ = [
    "BahdanauAttention", "LuongAttention", "MultiHeadAttention", "masked_softmax",
    "scaled_dot_product_attention", "PositionalEncoding", "TransformerConfig", "TransformerSeq2Seq",
    "causal_mask", "copy_from_torch", "noam", "AttentionConfig", "AttentionRNNSeq2Seq",
    "Batch", "BucketBatchSampler", "Seq2SeqDataset", "collate", "make_loader", "padding_fraction",
    "Hypotheses", "greedy_decode", "BeamResult", "beam_search", "length_penalty", "sample_decode",
    "bleu", "chrf", "exact_match", "perplexity", "sequence_nll", "token_accuracy",
    "MODELS", "build_model", "Memory", "Seq2SeqModel", "Decoder", "Encoder", "RNNConfig",
    "RNNSeq2Seq", "make_pairs", "reversal_splits", "task_vocab", "SCHEDULES", "History",
    "evaluate", "fit", "load_checkpoint", "predict", "save_checkpoint", "train_step", "CheckpointError", "decode_batch",
    "check_shape", "count_parameters", "pick_device", "seed_everything",
    "EOS", "PAD", "SOS", "SPECIALS", "UNK", "Vocab", "get_tokenizer",
]
