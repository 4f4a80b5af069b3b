"""Decoding: batched greedy search over any model of the protocol."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .protocol import Seq2SeqModel
from .vocab import EOS, PAD, SOS


@dataclass
class Hypotheses:
    """Decoded batch.

    ``tokens`` ``[B, T]`` output ids without ``<sos>``, ending with ``<eos>`` when
    the model stopped, ``<pad>`` after it; ``lengths`` ``[B]`` the number of
    tokens before ``<eos>``; ``attention`` ``[B, T, S]`` when the model has it.
    """

    tokens: torch.Tensor
    lengths: torch.Tensor
    attention: torch.Tensor | None = None

    def to_lists(self) -> list[list[int]]:
        """The output ids of each sequence, ``<eos>`` and padding removed."""
        return [row[:n].tolist() for row, n in zip(self.tokens.cpu(), self.lengths.cpu())]


@torch.no_grad()
def greedy_decode(model: Seq2SeqModel, src: torch.Tensor, src_lens: torch.Tensor,
                  max_len: int | None = None) -> Hypotheses:
    """Pick the most likely token at each step, for the whole batch at once.

    Each sequence stops at its own ``<eos>`` (later positions are ``<pad>``);
    the loop ends when all have stopped or after ``max_len`` steps (default:
    twice the longest source plus 10, at most the model's ``max_target_len``).

    Args: ``src`` ``[B, S]``, ``src_lens`` ``[B]``.
    """
    was_training = model.training
    model.eval()
    try:
        memory = model.encode(src, src_lens)
        if max_len is None:
            max_len = min(2 * src.size(1) + 10, model.max_target_len or float("inf"))
        B, device = src.size(0), src.device
        prev = torch.full((B,), SOS, dtype=torch.long, device=device)
        finished = torch.zeros(B, dtype=torch.bool, device=device)
        lengths = torch.full((B,), max_len, dtype=torch.long, device=device)
        state, tokens, attn = memory.init_state, [], []
        for t in range(max_len):
            logits, state, weights = model.decode_step(prev, state, memory)
            prev = logits.argmax(-1).masked_fill(finished, PAD)
            tokens.append(prev)
            if weights is not None:
                attn.append(weights)
            just_ended = (prev == EOS) & ~finished
            lengths[just_ended] = t
            finished |= just_ended
            if bool(finished.all()):
                break
        attention = torch.stack(attn, 1) if attn else None
        return Hypotheses(torch.stack(tokens, 1), lengths, attention)
    finally:
        model.train(was_training)
