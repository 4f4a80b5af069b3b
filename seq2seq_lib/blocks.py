"""The pieces of today's Transformer block: RMSNorm, gated feed-forward networks and rotary positions.

Each piece is one switch of :class:`~seq2seq_lib.decoder_only.DecoderOnlyConfig`:

* ``norm="rms"``: RMSNorm (Zhang & Sennrich, 2019) instead of LayerNorm: no mean subtracted, no bias;
* ``ffn="swiglu"``: the SwiGLU feed-forward network (Shazeer, 2020), ``W_2 (SiLU(x W_1) * x W_3)``,
  instead of ``W_2 max(0, x W_1)`` (``"relu"``) or ``W_2 GELU(x W_1)`` (``"gelu"``);
* ``positions="rope"``: rotary position embeddings (Su et al., 2021), which rotate each query and
  key by an angle proportional to its position, so that their dot product depends only on the
  *difference* of the positions; ``"sinusoidal"`` and ``"learned"`` add a vector to the input instead.

Every piece has a readable form written as in the papers; where the library has a faster one, a test
checks that the two agree.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

NORMS = ("layer", "rms")
FFNS = ("relu", "gelu", "swiglu")
POSITIONS = ("sinusoidal", "learned", "rope")


class RMSNorm(nn.Module):
    """``RMSNorm(x) = x / sqrt(mean(x^2) + eps) * g`` over the last dimension (no mean, no bias)."""

    def __init__(self, d_model: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d_model))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[..., d_model] -> [..., d_model]``."""
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def make_norm(kind: str, d_model: int) -> nn.Module:
    """``"layer"``: ``nn.LayerNorm``; ``"rms"``: :class:`RMSNorm`."""
    if kind == "layer":
        return nn.LayerNorm(d_model)
    if kind == "rms":
        return RMSNorm(d_model)
    raise ValueError(f"unknown norm {kind!r}; choose one of {NORMS}")


class FeedForward(nn.Module):
    """The position-wise network: ``W_2 act(x W_1)``, or gated, ``W_2 (SiLU(x W_1) * x W_3)`` (SwiGLU).

    SwiGLU has three matrices instead of two; to compare at equal parameter counts, give it a
    ``d_ff`` of about two thirds of the others' (Shazeer, 2020).
    """

    def __init__(self, d_model: int, d_ff: int, kind: str = "relu", dropout: float = 0.0):
        super().__init__()
        if kind not in FFNS:
            raise ValueError(f"unknown feed-forward network {kind!r}; choose one of {FFNS}")
        self.kind = kind
        self.W_1, self.W_2 = nn.Linear(d_model, d_ff), nn.Linear(d_ff, d_model)
        self.W_3 = nn.Linear(d_model, d_ff) if kind == "swiglu" else None
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, T, d_model] -> [B, T, d_model]``."""
        h = self.W_1(x)
        if self.kind == "relu":
            h = torch.relu(h)
        elif self.kind == "gelu":
            h = F.gelu(h)
        else:
            h = F.silu(h) * self.W_3(x)
        return self.W_2(self.dropout(h))


class SinusoidalPositions(nn.Module):
    """``PE(pos, 2i) = sin(pos / 10000^(2i/d))``, ``PE(pos, 2i+1) = cos(...)``, looked up per position."""

    def __init__(self, d_model: int, max_len: int):
        super().__init__()
        if d_model % 2:
            raise ValueError(f"the sinusoidal encoding pairs sin and cos: d_model must be even, got {d_model}")
        pos = torch.arange(max_len, dtype=torch.float32)[:, None]
        freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
        self.register_buffer("pe", pe, persistent=False)

    def forward(self, positions: torch.Tensor) -> torch.Tensor:
        """``positions`` ``[B, L]`` (long) -> ``[B, L, d_model]``."""
        return self.pe[positions]


class LearnedPositions(nn.Module):
    """One trained vector per position (as in GPT-2): ``[max_len, d_model]``."""

    def __init__(self, d_model: int, max_len: int):
        super().__init__()
        self.table = nn.Embedding(max_len, d_model)
        nn.init.normal_(self.table.weight, std=0.02)

    def forward(self, positions: torch.Tensor) -> torch.Tensor:
        """``positions`` ``[B, L]`` (long) -> ``[B, L, d_model]``."""
        return self.table(positions)


class Rotary(nn.Module):
    """Rotary position embeddings: rotate the pair ``(x_2i, x_2i+1)`` of a query or key at position
    ``m`` by the angle ``m * theta_i``, ``theta_i = base^(-2i/d_k)``.

    Since a rotation by ``m a`` followed by the dot product with a rotation by ``n a`` equals the dot
    product of the unrotated vectors rotated by ``(n - m) a``, the attention score of a query and a
    key depends on their positions only through ``n - m``.

    ``fast=False`` is the readable form (:func:`rotate_readable`): the 2x2 rotation of each pair,
    with the angles' cosines and sines computed at every call. ``fast=True`` reads
    ``exp(i m theta)`` from a table built once and multiplies each pair, seen as the complex number
    ``x_2i + i x_2i+1``, by it: one complex product instead of four strided real ones.
    """

    def __init__(self, d_k: int, max_len: int, base: float = 10000.0):
        super().__init__()
        if d_k % 2:
            raise ValueError(f"rotary embeddings rotate pairs of dimensions: d_k must be even, got {d_k}")
        theta = base ** (-torch.arange(0, d_k, 2, dtype=torch.float32) / d_k)  # [d_k/2]
        angles = torch.arange(max_len, dtype=torch.float32)[:, None] * theta  # [max_len, d_k/2]
        self.register_buffer("theta", theta, persistent=False)
        self.register_buffer("turns", torch.polar(torch.ones_like(angles), angles), persistent=False)

    def forward(self, x: torch.Tensor, positions: torch.Tensor, fast: bool = True) -> torch.Tensor:
        """``x`` ``[B, h, L, d_k]`` at ``positions`` ``[B, L]`` -> the rotated ``x``, same shape."""
        if not fast:
            return rotate_readable(x, positions, self.theta)
        pairs = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2).contiguous())
        return torch.view_as_real(pairs * self.turns[positions][:, None]).flatten(-2).type_as(x)


def rotate_readable(x: torch.Tensor, positions: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """RoPE as in the paper: the pair ``(x_2i, x_2i+1)`` at position ``m`` becomes
    ``(x_2i cos(m theta_i) - x_2i+1 sin(m theta_i), x_2i sin(m theta_i) + x_2i+1 cos(m theta_i))``.
    ``x`` ``[B, h, L, d_k]``, ``positions`` ``[B, L]``, ``theta`` ``[d_k/2]`` -> ``[B, h, L, d_k]``."""
    angles = positions[..., None].float() * theta  # [B, L, d_k/2]
    cos, sin = angles.cos()[:, None], angles.sin()[:, None]  # broadcast over the heads
    even, odd = x[..., 0::2], x[..., 1::2]
    return torch.stack((even * cos - odd * sin, even * sin + odd * cos), -1).flatten(-2)
