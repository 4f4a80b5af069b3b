"""Attention: the masked softmax, Bahdanau's additive attention, Luong's global
attention, and the Transformer's scaled dot-product and multi-head attention.

An attention module scores every encoder state (a *key*) against a decoder
state (the *query*), turns the scores into weights with a softmax over the real
source positions, and returns the weighted sum of the encoder states (the
*context*) with the weights.

The part of a score that depends only on the keys (``U_a h_j`` for Bahdanau,
``W_a h_j`` for Luong's ``general``) is the same at every decoder step, so
:meth:`Attention.project_keys` computes it once per batch; the decoder passes
the result back at each step. Passing nothing recomputes it (the slow way that
``bench precomputed-keys`` measures).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .utils import check_shape


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension that gives masked positions exactly zero weight.

    Args:
        scores: ``[..., S]`` attention scores.
        mask: bool, broadcastable to ``scores``, True on real positions.
    Returns:
        weights of the shape of ``scores``; each row sums to one over the real positions.
    """
    if mask.dtype != torch.bool:
        raise TypeError(f"the attention mask must be a bool tensor (True on real tokens), got {mask.dtype}")
    try:
        shape = torch.broadcast_shapes(scores.shape, mask.shape)
    except RuntimeError:
        shape = None
    if shape != scores.shape:
        raise ValueError(f"attention mask of shape {list(mask.shape)} does not match scores "
                         f"of shape {list(scores.shape)} (the last dimension is the source length)")
    if not bool(mask.any(-1).all()):
        raise ValueError("a row of the attention mask has no real position: every source needs a token")
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


def additive_score(query_part: torch.Tensor, key_part: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``e_ij = v^T tanh(q_i + k_j)`` for every query and key: ``[B, T, A]``, ``[B, S, A]``, ``v`` ``[A]``
    -> ``[B, T, S]``.

    Computed as ``(2v)^T sigmoid(2 q_i + 2 k_j) - sum(v)``, the same number (up to
    float rounding, about 1e-6) since ``tanh(x) = 2 sigmoid(2x) - 1``. The one
    elementwise pass over the ``[B, T, S, A]`` tensor is most of an additive
    attention step, and PyTorch's CPU ``sigmoid`` is about 3x faster than its ``tanh``.
    """
    hidden = torch.add(query_part.unsqueeze(2) * 2, key_part.unsqueeze(1), alpha=2).sigmoid_()
    return hidden @ (2 * v) - v.sum()


class Attention(nn.Module):
    """Base class: ``score`` a query against the keys, softmax, weighted sum."""

    query_size: int
    key_size: int

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """The query-independent part of the score, ``[B, S, K] -> [B, S, *]`` (once per batch)."""
        return keys

    def score(self, query: torch.Tensor, projected_keys: torch.Tensor) -> torch.Tensor:
        """``query [B, T, Q]``, projected keys ``[B, S, *]`` -> scores ``[B, T, S]``."""
        raise NotImplementedError

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor,
                projected_keys: torch.Tensor | None = None):
        """Attend from one or several decoder states.

        Args:
            query: ``[B, Q]`` (one decoder step) or ``[B, T, Q]`` (every step at once).
            keys: ``[B, S, K]`` encoder outputs (also the values).
            mask: ``[B, S]`` bool, True on real source tokens.
            projected_keys: ``project_keys(keys)``, if already computed for this batch.
        Returns:
            context ``[B, K]`` and weights ``[B, S]`` (or ``[B, T, K]`` and ``[B, T, S]``).
        """
        one_step = query.dim() == 2
        q = query.unsqueeze(1) if one_step else query
        dims = check_shape(q, ("B", "T", self.query_size), "attention query (decoder state)")
        check_shape(keys, (dims["B"], "S", self.key_size), "attention keys (encoder outputs)")
        check_shape(mask, (dims["B"], keys.size(1)), "attention mask")
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        weights = masked_softmax(self.score(q, projected_keys), mask.unsqueeze(1))  # [B, T, S]
        context = torch.bmm(weights, keys)  # [B, T, K]
        if one_step:
            return context.squeeze(1), weights.squeeze(1)
        return context, weights


class BahdanauAttention(Attention):
    """Additive attention (Bahdanau et al., 2015): ``e_j = v_a^T tanh(W_a s + U_a h_j)``.

    ``s`` is the decoder state *before* the step (``s_{i-1}`` in the paper).
    """

    def __init__(self, query_size: int, key_size: int, attn_size: int | None = None):
        super().__init__()
        attn_size = attn_size or query_size
        self.query_size, self.key_size = query_size, key_size
        self.W_a = nn.Linear(query_size, attn_size, bias=False)
        self.U_a = nn.Linear(key_size, attn_size, bias=False)
        self.v_a = nn.Linear(attn_size, 1, bias=False)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        return self.U_a(keys)  # [B, S, A]

    def score(self, query: torch.Tensor, projected_keys: torch.Tensor) -> torch.Tensor:
        return additive_score(self.W_a(query), projected_keys, self.v_a.weight[0])  # v_a^T tanh(W_a s + U_a h_j)


LUONG_SCORES = ("dot", "general", "concat")


class LuongAttention(Attention):
    """Global attention (Luong et al., 2015) with one of three scores of ``h_t`` and ``h_s``.

    * ``dot``: ``h_t^T h_s`` (no parameters; query and key sizes must be equal);
    * ``general``: ``h_t^T W_a h_s``;
    * ``concat``: ``v_a^T tanh(W_a [h_t; h_s])``.

    ``h_t`` is the decoder state *after* the step.
    """

    def __init__(self, query_size: int, key_size: int, score: str = "general", attn_size: int | None = None):
        super().__init__()
        if score not in LUONG_SCORES:
            raise ValueError(f"unknown Luong score {score!r}; choose one of {LUONG_SCORES}")
        if score == "dot" and query_size != key_size:
            raise ValueError(f"the dot score needs decoder and encoder states of one size, got decoder "
                             f"{query_size} and encoder {key_size}; use 'general' or match the sizes")
        self.query_size, self.key_size, self.kind = query_size, key_size, score
        if score == "general":
            self.W_a = nn.Linear(key_size, query_size, bias=False)
        elif score == "concat":
            attn_size = attn_size or query_size
            self.W_a = nn.Linear(query_size + key_size, attn_size, bias=False)
            self.v_a = nn.Linear(attn_size, 1, bias=False)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        if self.kind == "general":
            return self.W_a(keys)  # [B, S, Q]
        if self.kind == "concat":  # the h_s half of W_a [h_t; h_s]
            return keys @ self.W_a.weight[:, self.query_size:].T  # [B, S, A]
        return keys

    def score(self, query: torch.Tensor, projected_keys: torch.Tensor) -> torch.Tensor:
        if self.kind == "concat":
            q = query @ self.W_a.weight[:, : self.query_size].T  # [B, T, A]
            return additive_score(q, projected_keys, self.v_a.weight[0])
        return torch.bmm(query, projected_keys.transpose(1, 2))  # [B, T, S]

    def extra_repr(self) -> str:
        return f"score={self.kind!r}"


# ---------------------------------------------------------------- the Transformer's attention
def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                 mask: torch.Tensor | None = None):
    """The readable path: ``softmax(q k^T / sqrt(d_k)) v`` (Vaswani et al., 2017, eq. 1).

    Args:
        q: ``[..., T, d_k]`` queries; k: ``[..., S, d_k]`` keys; v: ``[..., S, d_v]`` values.
        mask: bool, broadcastable to ``[..., T, S]``, True where a query may attend.
    Returns:
        output ``[..., T, d_v]`` and weights ``[..., T, S]``.
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    weights = torch.softmax(scores, -1) if mask is None else masked_softmax(scores, mask)
    return weights @ v, weights


def attend_one(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None,
               dropout: float = 0.0):
    """One query position (a cached decoding step): the formula of
    :func:`scaled_dot_product_attention` in plain matmuls, without its checks.

    For a single query on the CPU this is faster than ``F.scaled_dot_product_attention``
    (whose fused kernel pays off only for many queries), and the weights come for free.

    Args:
        q: ``[B, h, 1, d_k]``; k, v: ``[B, h, S, d_k]``.
        mask: bool broadcastable to ``[B, h, 1, S]``, True where the query may attend (``None``: all).
        dropout: dropout on the weights (training only), as on the readable path.
    Returns:
        output ``[B, h, 1, d_k]`` and weights ``[B, h, 1, S]``.
    """
    scores = (q @ k.transpose(-2, -1)).div_(math.sqrt(q.size(-1)))
    if mask is not None:
        scores = scores.masked_fill_(~mask, float("-inf"))
    weights = torch.softmax(scores, -1)
    return (F.dropout(weights, dropout) if dropout else weights) @ v, weights


def append_position(cache: torch.Tensor | None, new: torch.Tensor, capacity: int) -> torch.Tensor:
    """A key/value cache ``[B, h, t, d_k]`` (``None``: empty) plus one position ``[B, h, 1, d_k]``
    -> ``[B, h, t+1, d_k]``.

    ``torch.cat`` would copy the whole cache at every step (``O(t^2)`` copying per
    sequence). Without autograd the result is instead a view of a buffer with room
    for later positions (up to ``capacity``), and the next call writes into that
    room. The buffer records how far it is filled, so a cache that is extended
    twice (two continuations of one prefix) is copied the second time rather
    than overwritten. With autograd (an in-place write would break the backward
    pass) this is ``torch.cat``.
    """
    if cache is None and torch.is_grad_enabled():
        return new
    if torch.is_grad_enabled():
        return torch.cat([cache, new], 2)
    t = 0 if cache is None else cache.size(2)
    buf = None if cache is None else cache._base
    if not _has_room(buf, cache, new):
        B, h, _, d = new.shape
        buf = new.new_empty(B, h, max(t + 1, min(capacity, 2 * t + 16)), d)
        if t:
            buf[:, :, :t] = cache
    buf[:, :, t:t + 1] = new
    buf._filled = t + 1  # positions 0..t are in use: a second writer of position t must copy
    return buf[:, :, :t + 1]


def _has_room(buf: torch.Tensor | None, cache: torch.Tensor | None, new: torch.Tensor) -> bool:
    """Whether ``cache`` is the filled start of ``buf`` and ``buf`` has room for ``new``."""
    if buf is None or cache is None:
        return False
    t = cache.size(2)
    return (getattr(buf, "_filled", None) == t and buf.size(2) > t and buf.dtype == new.dtype
            and cache.data_ptr() == buf.data_ptr() and cache.stride() == buf.stride()
            and cache.shape[:2] == new.shape[:2] == buf.shape[:2] and cache.size(3) == new.size(3))


class MultiHeadAttention(nn.Module):
    """``MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W_o`` with
    ``head_i = Attention(Q W_q_i, K W_k_i, V W_v_i)`` (Vaswani et al., 2017).

    The heads are the columns of one ``W_q`` (and ``W_k``, ``W_v``), split into
    ``n_heads`` slices of ``d_k = d_model / n_heads``. ``fast=True`` computes the
    attention with ``F.scaled_dot_product_attention`` (fused kernels, no weights);
    ``fast=False`` with :func:`scaled_dot_product_attention` (returns the weights).
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        self.d_model, self.n_heads, self.d_k = d_model, n_heads, d_model // n_heads
        self.W_q, self.W_k, self.W_v, self.W_o = (nn.Linear(d_model, d_model) for _ in range(4))
        self.dropout = dropout

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, T, d_model] -> [B, h, T, d_k]``."""
        return x.view(x.size(0), x.size(1), self.n_heads, self.d_k).transpose(1, 2)

    def project_kv(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values ``[B, h, S, d_k]`` of ``x`` ``[B, S, d_model]`` (cacheable)."""
        return self.split_heads(self.W_k(x)), self.split_heads(self.W_v(x))

    def forward(self, query: torch.Tensor, kv: torch.Tensor | tuple[torch.Tensor, torch.Tensor],
                mask: torch.Tensor | None = None, fast: bool = True):
        """Attend from ``query`` to ``kv``.

        Args:
            query: ``[B, T, d_model]``.
            kv: ``[B, S, d_model]`` (keys and values are projected here), or the
                already projected ``(k, v)``, each ``[B, h, S, d_k]`` (a cache).
            mask: bool ``[B or 1, T or 1, S]``, True where a query may attend.
            fast: use ``F.scaled_dot_product_attention`` (weights are then ``None``).
        Returns:
            output ``[B, T, d_model]`` and weights ``[B, h, T, S]`` (or ``None``).
        """
        dims = check_shape(query, ("B", "T", self.d_model), "attention query")
        k, v = kv if isinstance(kv, tuple) else self.project_kv(kv)
        check_shape(k, (dims["B"], self.n_heads, "S", self.d_k), "attention keys")
        q = self.split_heads(self.W_q(query))  # [B, h, T, d_k]
        if mask is not None:
            check_shape(mask, (None, None, k.size(2)), "attention mask")
            mask = mask.unsqueeze(1)  # broadcast over the heads
        p = self.dropout if self.training else 0.0
        if fast:
            out, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p), None
        else:
            out, weights = scaled_dot_product_attention(q, k, v, mask)
            out = F.dropout(weights, p, self.training) @ v if p else out
        out = out.transpose(1, 2).reshape(dims["B"], dims["T"], self.d_model)
        return self.W_o(out), weights

    def forward_cached(self, x: torch.Tensor, cache: tuple[torch.Tensor, torch.Tensor] | None, capacity: int):
        """Self-attention of one new position over the cached ones and itself (a decoding step).

        ``x`` ``[B, 1, d_model]``; ``cache`` the keys and values ``[B, h, t, d_k]`` of the
        earlier positions (``None`` at first) -> output ``[B, 1, d_model]`` and the cache
        grown by :func:`append_position` (``[B, h, t+1, d_k]`` each). No mask: every cached
        position is in the past.
        """
        k, v = (append_position(c, new, capacity) for c, new in zip(cache or (None, None), self.project_kv(x)))
        return self.forward_one(x, k, v)[0], (k, v)

    def forward_one(self, query: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                    mask: torch.Tensor | None = None):
        """One query position against keys and values already projected (a cached step).

        Args:
            query: ``[B, 1, d_model]``; k, v: ``[B, h, S, d_k]``.
            mask: bool ``[B, 1, S]``, True where the query may attend (``None``: everywhere).
        Returns:
            output ``[B, 1, d_model]`` and weights ``[B, h, 1, S]`` (the same as :meth:`forward`'s).
        """
        q = self.split_heads(self.W_q(query))  # [B, h, 1, d_k]
        out, weights = attend_one(q, k, v, None if mask is None else mask.unsqueeze(1),
                                  self.dropout if self.training else 0.0)
        return self.W_o(out.transpose(1, 2).reshape(query.size(0), 1, self.d_model)), weights
