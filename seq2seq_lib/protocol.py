"""The one model protocol every sequence-to-sequence model of the course follows.

Training, decoding, metrics and plots are written once against these calls:

* ``encode(src, src_lens) -> Memory``: run the encoder once per batch;
* ``decode_step(prev_tokens, state, memory, return_attention=True) -> (logits, state, attention)``:
  one target position for the whole batch (``attention`` is ``None`` for models
  without attention or when not asked for, else ``[B, S]``);
* ``forward(src, src_lens, tgt_in, teacher_forcing=1.0, fast=True, return_attention=False)``
  ``-> logits [B, T, V]`` (and the weights ``[B, T, S]`` or ``None`` when asked);
* ``reorder(state, memory, index) -> (state, memory)``: select or repeat batch
  rows (beam search uses this to follow the surviving hypotheses);
* ``config``: the model's dataclass config, from which the checkpoint code rebuilds it.

:class:`Seq2SeqModel` declares these calls (``encode``, ``decode_step`` and
``forward`` are abstract), so a model that misses one cannot be built, and no
caller needs to know which model it holds.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, is_dataclass
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


def mix_teacher_forcing(gold: torch.Tensor, pred: torch.Tensor, ratio: float) -> torch.Tensor:
    """The next decoder input: ``gold`` with probability ``ratio``, else ``pred``.

    One coin per sequence *and* per position (Bengio et al., 2015), never one
    per batch; ``ratio`` 1 and 0 draw no random numbers. ``gold``, ``pred``: ``[B, ...]``.
    """
    if ratio >= 1.0:
        return gold
    if ratio <= 0.0:
        return pred
    coin = torch.rand(gold.shape[:1], device=gold.device) < ratio
    return torch.where(coin.view(-1, *[1] * (gold.dim() - 1)), gold, pred)


class Seq2SeqModel(nn.Module, metaclass=ABCMeta):
    """Base class: the protocol's calls, input checks and the generic parts.

    Subclasses call ``super().__init__(config)`` with their dataclass config and
    implement :meth:`encode`, :meth:`decode_step` and :meth:`forward`.
    """

    #: the batch dimension of the decoder state tensors (1 for PyTorch RNN states)
    state_batch_dim: int = 0
    #: the longest target the model can decode (``None``: no limit)
    max_target_len: int | None = None

    def __init__(self, config: Any):
        super().__init__()
        if not is_dataclass(config) or isinstance(config, type):
            raise TypeError(f"a model's config must be a dataclass instance, got {type(config).__name__}")
        self.config = config
        self.src_vocab_size: int = config.src_vocab_size
        self.tgt_vocab_size: int = config.tgt_vocab_size

    @abstractmethod
    def encode(self, src: torch.Tensor, src_lens: torch.Tensor) -> Memory:
        """Run the encoder once: ``src`` ``[B, S]``, ``src_lens`` ``[B]`` -> :class:`Memory`."""

    @abstractmethod
    def decode_step(self, prev_tokens: torch.Tensor, state: Any, memory: Memory,
                    return_attention: bool = True) -> tuple[torch.Tensor, Any, torch.Tensor | None]:
        """One target position: ``prev_tokens`` ``[B]`` -> logits ``[B, V]``, the new
        state, and the attention weights ``[B, S]`` (``None`` without attention, or
        when ``return_attention`` is False and the model can skip computing them)."""

    @abstractmethod
    def forward(self, src: torch.Tensor, src_lens: torch.Tensor, tgt_in: torch.Tensor,
                teacher_forcing: float = 1.0, fast: bool = True, return_attention: bool = False):
        """Training pass: ``src`` ``[B, S]``, ``src_lens`` ``[B]``, ``tgt_in`` ``[B, T]`` ->
        logits ``[B, T, V]``; with ``return_attention``, ``(logits, weights)`` where the
        weights are ``[B, T, S]`` or ``None`` for a model without attention."""

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
                inp = mix_teacher_forcing(tgt_in[:, t + 1], logits.argmax(-1), teacher_forcing)
        logits = torch.stack(steps, dim=1)
        if not return_attention:
            return logits
        return logits, (torch.stack(attention, dim=1) if attention[0] is not None else None)


def last_layer(rnn_state) -> torch.Tensor:
    """The last layer's hidden state ``[B, H]`` of an RNN state ``[L, B, H]`` (or an LSTM's ``(h, c)``)."""
    return (rnn_state[0] if isinstance(rnn_state, tuple) else rnn_state)[-1]
