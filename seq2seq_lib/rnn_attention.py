"""Attentional RNN encoder-decoders: Bahdanau et al. (2015) and Luong et al. (2015).

Both read the encoder's outputs at every decoder step instead of one context
vector. They differ in *when* the decoder attends and what it does with the
context:

* **Bahdanau**: attend from the previous state ``s_{i-1}``, feed the context
  ``c_i`` into the RNN with the previous token, predict from ``[s_i; c_i; y_{i-1}]``.
* **Luong**: run the RNN first, attend from the new state ``h_t``, combine
  ``h~_t = tanh(W_c [c_t; h_t])`` and predict from ``h~_t``. With *input
  feeding* the next RNN input also carries ``h~_t``, so the decoder knows what it
  attended to before.

The encoder is bidirectional by default, with ``hidden_size // 2`` units per
direction so its outputs have the decoder's size ``hidden_size``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .attention import LUONG_SCORES, BahdanauAttention, LuongAttention
from .protocol import Memory, Seq2SeqModel, index_batch, last_layer, source_mask
from .rnn import Encoder, make_rnn, rnn_step
from .vocab import PAD

ATTENTIONS = ("bahdanau", *LUONG_SCORES)


@dataclass
class AttentionConfig:
    """Size and shape of an attentional RNN model (``attention``: bahdanau, dot, general or concat)."""

    src_vocab_size: int
    tgt_vocab_size: int
    attention: str = "bahdanau"
    #: Luong's input feeding: the RNN also reads the previous attentional vector h~_{t-1}
    input_feeding: bool = False
    emb_dim: int = 64
    hidden_size: int = 128
    num_layers: int = 1
    cell: str = "gru"
    bidirectional: bool = True
    dropout: float = 0.0
    #: hidden size of the additive scores (bahdanau, concat); default hidden_size
    attn_size: int | None = None

    def __post_init__(self):
        if self.attention not in ATTENTIONS:
            raise ValueError(f"unknown attention {self.attention!r}; choose one of {ATTENTIONS}")
        if self.attention == "bahdanau" and self.input_feeding:
            raise ValueError("input feeding is Luong's; Bahdanau's decoder already reads the context "
                             "at every step (use a Luong score: dot, general or concat)")
        if self.bidirectional and self.hidden_size % 2:
            raise ValueError(f"a bidirectional encoder splits hidden_size over two directions: "
                             f"it must be even, got {self.hidden_size}")


@dataclass
class AttnState:
    """Decoder state: the RNN's (``[L, B, H]`` or an LSTM's ``(h, c)``) and, with
    input feeding, Luong's attentional vector ``h~_{t-1}`` ``[B, H]``."""

    rnn: Any
    feed: torch.Tensor | None = None


class AttentionRNNSeq2Seq(Seq2SeqModel):
    """Bidirectional (GRU/LSTM) encoder + an attentional decoder (Bahdanau or Luong)."""

    state_batch_dim = 1

    def __init__(self, config: AttentionConfig):
        super().__init__(config)
        c = config
        H, E = c.hidden_size, c.emb_dim
        self.encoder = Encoder(c.src_vocab_size, E, H // 2 if c.bidirectional else H, c.num_layers,
                               c.cell, c.bidirectional, c.dropout, bridge_size=H)
        self.embedding = nn.Embedding(c.tgt_vocab_size, E, padding_idx=PAD)
        self.dropout = nn.Dropout(c.dropout)
        self.bahdanau = c.attention == "bahdanau"
        if self.bahdanau:
            self.attention = BahdanauAttention(H, H, c.attn_size)
            self.rnn = make_rnn(c.cell, E + H, H, c.num_layers, c.dropout)
            self.out = nn.Linear(H + H + E, c.tgt_vocab_size)  # reads [s_i; c_i; y_{i-1}]
        else:
            self.attention = LuongAttention(H, H, c.attention, c.attn_size)
            self.rnn = make_rnn(c.cell, E + (H if c.input_feeding else 0), H, c.num_layers, c.dropout)
            self.W_c = nn.Linear(2 * H, H, bias=False)
            self.out = nn.Linear(H, c.tgt_vocab_size)  # W_s

    def encode(self, src: torch.Tensor, src_lens: torch.Tensor) -> Memory:
        """``src`` ``[B, S]``, ``src_lens`` ``[B]`` -> :class:`Memory` with outputs ``[B, S, H]``
        and the attention's key projection, computed once for the whole batch."""
        self.check_source(src, src_lens)
        outputs, state = self.encoder(src, src_lens)
        mask = source_mask(src, src_lens)
        feed = outputs.new_zeros(src.size(0), self.config.hidden_size) if self.config.input_feeding else None
        return Memory(outputs=outputs, mask=mask, init_state=AttnState(state, feed),
                      keys=self.attention.project_keys(outputs))

    def index_state(self, state: AttnState | None, index: torch.Tensor) -> AttnState | None:
        if state is None:
            return None
        return AttnState(index_batch(state.rnn, index, 1), index_batch(state.feed, index, 0))

    def decode_step(self, prev_tokens: torch.Tensor, state: AttnState, memory: Memory,
                    return_attention: bool = True):
        """One target position.

        Args:
            prev_tokens: ``[B]`` the previous output token (``<sos>`` at first).
            state: :class:`AttnState`.
            memory: the encoder outputs ``[B, S, H]``, mask ``[B, S]`` and key projection.
            return_attention: return the weights (the decoder needs them anyway).
        Returns:
            logits ``[B, V]``, the new state, attention weights ``[B, S]`` (or ``None``).
        """
        emb = self.dropout(self.embedding(prev_tokens))  # [B, E]
        if self.bahdanau:
            context, weights = self.attention(last_layer(state.rnn), memory.outputs, memory.mask, memory.keys)
            s, rnn_state = rnn_step(self.rnn, torch.cat([emb, context], -1), state.rnn)
            logits = self.out(self.dropout(torch.cat([s, context, emb], -1)))
            return logits, AttnState(rnn_state), weights if return_attention else None
        x = torch.cat([emb, state.feed], -1) if self.config.input_feeding else emb
        h, rnn_state = rnn_step(self.rnn, x, state.rnn)
        context, weights = self.attention(h, memory.outputs, memory.mask, memory.keys)
        h_tilde = torch.tanh(self.W_c(torch.cat([context, h], -1)))
        feed = h_tilde if self.config.input_feeding else None
        return self.out(self.dropout(h_tilde)), AttnState(rnn_state, feed), weights if return_attention else None

    def forward(self, src: torch.Tensor, src_lens: torch.Tensor, tgt_in: torch.Tensor,
                teacher_forcing: float = 1.0, fast: bool = True, return_attention: bool = False):
        """Training forward pass.

        Args:
            src: ``[B, S]``; src_lens: ``[B]``; tgt_in: ``[B, T]``.
            teacher_forcing: probability of reading the gold token at each step.
            fast: with full teacher forcing, embed the whole target and apply the
                output layer once; Luong without input feeding runs the RNN and
                the attention over all positions in one call each (same result
                as the step loop).
            return_attention: also return the weights ``[B, T, S]``.
        Returns:
            logits ``[B, T, V]`` (and the weights).
        """
        memory = self.encode(src, src_lens)
        self.check_target(tgt_in, src.size(0))
        if fast and teacher_forcing >= 1.0:
            logits, weights = self._teacher_forced(tgt_in, memory)
        else:
            logits, weights = self.decoder_loop(tgt_in, memory, teacher_forcing, return_attention=True)
        return (logits, weights) if return_attention else logits

    def _teacher_forced(self, tgt_in: torch.Tensor, memory: Memory):
        """The fast path: ``tgt_in`` ``[B, T]`` -> logits ``[B, T, V]``, weights ``[B, T, S]``."""
        emb = self.dropout(self.embedding(tgt_in))  # [B, T, E]
        args = (memory.outputs, memory.mask, memory.keys)
        if not self.bahdanau and not self.config.input_feeding:  # nothing recurrent depends on attention
            h, _ = self.rnn(emb, memory.init_state.rnn)  # [B, T, H]
            context, weights = self.attention(h, *args)
            return self.out(self.dropout(torch.tanh(self.W_c(torch.cat([context, h], -1))))), weights
        rnn_state, feed, outs, attn = memory.init_state.rnn, memory.init_state.feed, [], []
        for t in range(tgt_in.size(1)):
            if self.bahdanau:
                context, weights = self.attention(last_layer(rnn_state), *args)
                out, rnn_state = rnn_step(self.rnn, torch.cat([emb[:, t], context], -1), rnn_state)
                outs.append(torch.cat([out, context], -1))
            else:
                out, rnn_state = rnn_step(self.rnn, torch.cat([emb[:, t], feed], -1), rnn_state)
                context, weights = self.attention(out, *args)
                feed = torch.tanh(self.W_c(torch.cat([context, out], -1)))
                outs.append(feed)
            attn.append(weights)
        outs = torch.stack(outs, 1)
        if self.bahdanau:
            outs = torch.cat([outs, emb], -1)  # [s_i; c_i; y_{i-1}]
        return self.out(self.dropout(outs)), torch.stack(attn, 1)
