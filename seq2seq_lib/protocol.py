"""The one model protocol every sequence-to-sequence model of the course follows.

Training, decoding, metrics and plots are written once against these calls:

* ``encode(src, src_lens) -> Memory``: run the encoder once per batch;
* ``decode_step(prev_tokens, state, memory) -> (logits, state, attention)``:
  one target position for the whole batch (``attention`` is ``None`` for models
  without attention, else ``[B, S]``);
* ``forward(src, src_lens, tgt_in, teacher_forcing=1.0) -> logits [B, T, V]``;
* ``reorder(state, memory, index) -> (state, memory)``: select or repeat batch
  rows (beam search uses this to follow the surviving hypotheses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .utils import check_shape


@dataclass
class Memory:
    """What the encoder hands to the decoder.

    ``outputs`` ``[B, S, H]`` encoder states, ``mask`` ``[B, S]`` (True on real
    tokens), ``init_state`` the decoder's first state (model specific),
    ``context`` an optional fixed ``[B, C]`` summary read at every step,
    ``keys`` the attention's query-independent key projection ``[B, S, A]``,
    computed once per batch (``None``: recomputed at every step).
    """

    outputs: torch.Tensor
    mask: torch.Tensor
    init_state: Any = None
    context: torch.Tensor | None = None
    keys: torch.Tensor | None = None


def source_mask(src: torch.Tensor, src_lens: torch.Tensor) -> torch.Tensor:
    """``[B, S]`` bool mask, True on the real tokens of a right-padded batch."""
    return torch.arange(src.size(1), device=src.device)[None, :] < src_lens.to(src.device)[:, None]


def index_batch(x: Any, index: torch.Tensor, dim: int) -> Any:
    """Apply ``index_select(dim, index)`` to every tensor in a (nested) tuple/list."""
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        return x.index_select(dim, index)
    if isinstance(x, (tuple, list)):
        return type(x)(index_batch(v, index, dim) for v in x)
    raise TypeError(f"cannot index a {type(x).__name__} along the batch")


class Seq2SeqModel(nn.Module):
    """Base class: input checks and the generic parts of the protocol."""

    src_vocab_size: int
    tgt_vocab_size: int
    #: the batch dimension of the decoder state tensors (1 for PyTorch RNN states)
    state_batch_dim: int = 0
    #: the longest target the model can decode (``None``: no limit)
    max_target_len: int | None = None

    def check_source(self, src: torch.Tensor, src_lens: torch.Tensor) -> None:
        """Raise a clear error for malformed source batches."""
        dims = check_shape(src, ("B", "S"), "src")
        check_shape(src_lens, (dims["B"],), "src_lens")
        if src.dtype != torch.long:
            raise TypeError(f"src must hold token ids (torch.long), got {src.dtype}")
        if dims["S"] == 0 or int(src_lens.min()) < 1:
            raise ValueError("empty source sequence in the batch: every source needs at least one token")
        if int(src_lens.max()) > dims["S"]:
            raise ValueError(f"src_lens has a length {int(src_lens.max())} longer than src ({dims['S']})")
        self._check_ids(src, self.src_vocab_size, "src")

    def check_target(self, tgt: torch.Tensor, batch_size: int) -> None:
        check_shape(tgt, (batch_size, "T"), "tgt_in")
        if tgt.dtype != torch.long:
            raise TypeError(f"tgt_in must hold token ids (torch.long), got {tgt.dtype}")
        self._check_ids(tgt, self.tgt_vocab_size, "tgt_in")

    @staticmethod
    def _check_ids(x: torch.Tensor, size: int, name: str) -> None:
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= size:
            bad = hi if hi >= size else lo
            raise ValueError(f"{name} contains token id {bad}, out of range for a vocabulary of size {size}")

    def index_state(self, state: Any, index: torch.Tensor) -> Any:
        """Select batch rows ``index`` of a decoder state."""
        return index_batch(state, index, self.state_batch_dim)

    def reorder(self, state: Any, memory: Memory, index: torch.Tensor) -> tuple[Any, Memory]:
        """Select batch rows ``index`` of the decoder state and the memory."""
        memory = Memory(
            outputs=memory.outputs.index_select(0, index),
            mask=memory.mask.index_select(0, index),
            init_state=self.index_state(memory.init_state, index),
            context=index_batch(memory.context, index, 0),
            keys=index_batch(memory.keys, index, 0),
        )
        return self.index_state(state, index), memory

    def decoder_loop(self, tgt_in: torch.Tensor, memory: Memory, teacher_forcing: float = 1.0,
                     return_attention: bool = False):
        """Run ``decode_step`` once per target position (the readable reference path).

        At step ``t`` the decoder reads the gold token ``tgt_in[:, t]`` with
        probability ``teacher_forcing`` and its own previous prediction otherwise:
        one coin per sequence *and* per position (Bengio et al., 2015).

        Args: ``tgt_in`` ``[B, T]``. Returns logits ``[B, T, V]`` (and, with
        ``return_attention``, the weights ``[B, T, S]``, or ``None`` without attention).
        """
        if not 0.0 <= teacher_forcing <= 1.0:
            raise ValueError(f"teacher_forcing must be in [0, 1], got {teacher_forcing}")
        state, inp, steps, attention = memory.init_state, tgt_in[:, 0], [], []
        for t in range(tgt_in.size(1)):
            logits, state, weights = self.decode_step(inp, state, memory)
            steps.append(logits)
            attention.append(weights)
            if t + 1 < tgt_in.size(1):
                gold, pred = tgt_in[:, t + 1], logits.argmax(-1)
                if teacher_forcing >= 1.0:
                    inp = gold
                elif teacher_forcing <= 0.0:
                    inp = pred
                else:
                    coin = torch.rand(gold.shape, device=gold.device) < teacher_forcing
                    inp = torch.where(coin, gold, pred)
        logits = torch.stack(steps, dim=1)
        if not return_attention:
            return logits
        return logits, (torch.stack(attention, dim=1) if attention[0] is not None else None)
