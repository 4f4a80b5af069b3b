"""Recurrent encoders and decoders, and the vanilla RNN sequence-to-sequence model.

The vanilla model follows Sutskever et al. (2014) and Cho et al. (2014): the
encoder reads the source, and its final hidden state, the *context vector*, is
the decoder's initial state: everything the decoder knows about the source has
to pass through that one fixed-size vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .protocol import Memory, Seq2SeqModel, last_layer, source_mask
from .vocab import PAD

CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}


def make_rnn(cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
             dropout: float = 0.0, bidirectional: bool = False) -> nn.RNNBase:
    """A batch-first ``nn.GRU`` or ``nn.LSTM``."""
    if cell not in CELLS:
        raise ValueError(f"unknown RNN cell {cell!r}; choose one of {sorted(CELLS)}")
    return CELLS[cell](input_size, hidden_size, num_layers, batch_first=True,
                       dropout=dropout if num_layers > 1 else 0.0, bidirectional=bidirectional)


def rnn_step(rnn: nn.RNNBase, x: torch.Tensor, state):
    """One time step of a batch-first ``nn.GRU``/``nn.LSTM`` made by ``make_rnn``, with its cell
    functions (``torch.gru_cell``, ``torch.lstm_cell``) and its own weights.

    The same result as ``rnn(x.unsqueeze(1), state)`` (dropout between layers
    included), without the full-sequence module's per-call overhead, which
    dominates a single step of a small RNN.

    Args:
        x: ``[B, I]`` the step's input; state: ``[L, B, H]`` (an LSTM's ``(h, c)``).
    Returns:
        the last layer's output ``[B, H]`` and the new state (the shape of ``state``).
    """
    lstm = isinstance(rnn, nn.LSTM)
    hs, cs = state if lstm else (state, None)
    new_h, new_c = [], []
    for layer in range(rnn.num_layers):
        if layer and rnn.dropout and rnn.training:
            x = F.dropout(x, rnn.dropout)
        w = [getattr(rnn, f"{name}_l{layer}", None) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        if lstm:
            x, c = torch.lstm_cell(x, (hs[layer], cs[layer]), *w)
            new_c.append(c)
        else:
            x = torch.gru_cell(x, hs[layer], *w)
        new_h.append(x)
    stack = (lambda t: t[0].unsqueeze(0)) if rnn.num_layers == 1 else torch.stack
    return x, ((stack(new_h), stack(new_c)) if lstm else stack(new_h))


class Encoder(nn.Module):
    """Embedding + (bi)GRU/LSTM over a padded batch, with packed sequences.

    Packing makes the RNN stop at each sequence's true length, so the final
    state (and, for a bidirectional encoder, the backward direction's start)
    ignores padding. A batch without padding (all lengths equal, as length
    bucketing often gives) skips packing: PyTorch's fused CPU kernel is faster.
    A bidirectional encoder's two final states are joined by
    ``tanh(W [h_fwd; h_bwd])`` to the decoder's size ``bridge_size`` (default
    ``hidden_size``).
    """

    def __init__(self, vocab_size: int, emb_dim: int, hidden_size: int, num_layers: int = 1,
                 cell: str = "gru", bidirectional: bool = False, dropout: float = 0.0,
                 bridge_size: int | None = None):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD)
        self.rnn = make_rnn(cell, emb_dim, hidden_size, num_layers, dropout, bidirectional)
        self.dropout = nn.Dropout(dropout)
        self.num_layers, self.hidden_size = num_layers, hidden_size
        self.bridge = nn.Linear(2 * hidden_size, bridge_size or hidden_size) if bidirectional else None

    def forward(self, src: torch.Tensor, src_lens: torch.Tensor):
        """Encode a batch.

        Args:
            src: ``[B, S]`` token ids, right-padded.
            src_lens: ``[B]`` true lengths (at least 1).
        Returns:
            outputs ``[B, S, D*H]`` (zero at padding; ``D`` = 2 if bidirectional),
            state ``[L, B, H]`` (a pair ``(h, c)`` for an LSTM).
        """
        emb = self.dropout(self.embedding(src))
        if bool((src_lens == src.size(1)).all()):
            outputs, state = self.rnn(emb)  # no padding: one fused call, nothing to pack
        else:
            packed = pack_padded_sequence(emb, src_lens.cpu(), batch_first=True, enforce_sorted=False)
            outputs, state = self.rnn(packed)
            outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=src.size(1))
        if self.bridge is not None:
            state = tuple(map(self._join_directions, state)) if isinstance(state, tuple) \
                else self._join_directions(state)
        return outputs, state

    def _join_directions(self, h: torch.Tensor) -> torch.Tensor:
        """``[L*2, B, H]`` -> ``[L, B, bridge_size]`` via ``tanh(W [h_fwd; h_bwd])``."""
        h = h.view(self.num_layers, 2, h.size(1), self.hidden_size)
        return torch.tanh(self.bridge(torch.cat([h[:, 0], h[:, 1]], dim=-1)))


class Decoder(nn.Module):
    """Embedding + GRU/LSTM + a linear layer to vocabulary logits (no attention).

    With ``context_size > 0`` the decoder also reads a context vector ``c`` at
    every step, as in Cho et al. (2014): the RNN input is ``[y_{t-1}; c]`` and the
    output layer sees ``[s_t; y_{t-1}; c]``. Otherwise (Sutskever et al., 2014)
    the context reaches the decoder only through its initial state.
    """

    def __init__(self, vocab_size: int, emb_dim: int, hidden_size: int, num_layers: int = 1,
                 cell: str = "gru", dropout: float = 0.0, context_size: int = 0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD)
        self.rnn = make_rnn(cell, emb_dim + context_size, hidden_size, num_layers, dropout)
        self.dropout = nn.Dropout(dropout)
        out_in = hidden_size + (emb_dim + context_size if context_size else 0)
        self.out = nn.Linear(out_in, vocab_size)
        self.context_size = context_size

    def forward(self, tgt_in: torch.Tensor, state, context: torch.Tensor | None = None):
        """Run over a whole target prefix in one RNN call.

        Args:
            tgt_in: ``[B, T]`` input tokens (``<sos> y1 ... y_{T-1}``).
            state: ``[L, B, H]`` (or ``(h, c)``) initial state.
            context: ``[B, C]`` context vector (only when ``context_size > 0``).
        Returns:
            logits ``[B, T, V]`` and the final state.
        """
        emb = self.dropout(self.embedding(tgt_in))
        if self.context_size:
            emb = torch.cat([emb, context.unsqueeze(1).expand(-1, emb.size(1), -1)], dim=-1)
        outputs, state = self.rnn(emb, state)
        if self.context_size:
            outputs = torch.cat([outputs, emb], dim=-1)
        return self.out(self.dropout(outputs)), state


@dataclass
class RNNConfig:
    """Size and shape of an RNN sequence-to-sequence model."""

    src_vocab_size: int
    tgt_vocab_size: int
    emb_dim: int = 64
    hidden_size: int = 128
    num_layers: int = 1
    cell: str = "gru"
    bidirectional: bool = False
    dropout: float = 0.0
    #: feed the context vector to every decoder step (Cho et al., 2014)
    context_every_step: bool = False


class RNNSeq2Seq(Seq2SeqModel):
    """The vanilla encoder-decoder: the context vector is the decoder's initial state."""

    state_batch_dim = 1  # PyTorch RNN states are [L, B, H]

    def __init__(self, config: RNNConfig):
        super().__init__(config)
        c = config
        self.encoder = Encoder(c.src_vocab_size, c.emb_dim, c.hidden_size, c.num_layers,
                               c.cell, c.bidirectional, c.dropout)
        self.decoder = Decoder(c.tgt_vocab_size, c.emb_dim, c.hidden_size, c.num_layers, c.cell, c.dropout,
                               context_size=c.hidden_size if c.context_every_step else 0)

    def encode(self, src: torch.Tensor, src_lens: torch.Tensor) -> Memory:
        """``src`` ``[B, S]``, ``src_lens`` ``[B]`` -> :class:`Memory` (outputs ``[B, S, D*H]``)."""
        self.check_source(src, src_lens)
        outputs, state = self.encoder(src, src_lens)
        mask = source_mask(src, src_lens)
        return Memory(outputs=outputs, mask=mask, init_state=state, context=self._context(state))

    def _context(self, state) -> torch.Tensor | None:
        """The context vector ``c`` ``[B, H]``: the encoder's last-layer final hidden state."""
        if not self.config.context_every_step:
            return None
        return last_layer(state)

    def decode_step(self, prev_tokens: torch.Tensor, state, memory: Memory, return_attention: bool = True):
        """One target position.

        Args:
            prev_tokens: ``[B]`` the previous output token (``<sos>`` at first).
            state: decoder state ``[L, B, H]`` (or ``(h, c)``).
            memory: only its context vector is used (with ``context_every_step``):
                the decoder never looks at the encoder outputs, that is the bottleneck.
            return_attention: ignored (there is no attention).
        Returns:
            logits ``[B, V]``, the new state, and ``None`` (no attention).
        """
        logits, state = self.decoder(prev_tokens.unsqueeze(1), state, memory.context)
        return logits.squeeze(1), state, None

    def forward(self, src: torch.Tensor, src_lens: torch.Tensor, tgt_in: torch.Tensor,
                teacher_forcing: float = 1.0, fast: bool = True, return_attention: bool = False):
        """Training forward pass.

        Args:
            src: ``[B, S]``; src_lens: ``[B]``; tgt_in: ``[B, T]``.
            teacher_forcing: probability of reading the gold token at each step.
            fast: with full teacher forcing, run the decoder RNN as one call over
                the whole target (same result as the step loop, much faster).
            return_attention: also return the weights: always ``None`` here.
        Returns:
            logits ``[B, T, V]`` (and ``None``).
        """
        memory = self.encode(src, src_lens)
        self.check_target(tgt_in, src.size(0))
        if fast and teacher_forcing >= 1.0:
            logits = self.decoder(tgt_in, memory.init_state, memory.context)[0]
        else:
            logits = self.decoder_loop(tgt_in, memory, teacher_forcing)
        return (logits, None) if return_attention else logits
