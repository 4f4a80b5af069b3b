"""A decoder-only sequence-to-sequence model on the course's one model protocol.

One stack of Transformer blocks reads ``source <sos> target`` as a single sequence (the target
input starts with ``<sos>``, which separates the two) and predicts each target token from
everything before it; the loss covers the target positions only. Two attention patterns:

* ``prefix_lm=False`` (fully causal, as a language model): every position reads the positions
  before it, source positions included;
* ``prefix_lm=True`` (prefix LM, Raffel et al., 2020): the source positions read each other in
  both directions, as an encoder would; the target positions read the whole source and the target
  before them.

Padding: the source is right-padded (as everywhere in the library) and the padded positions are
masked as keys. The positions count per row: the target of a source of length ``n`` starts at
position ``n``, not at the padded length, so a sequence gets the same output alone or in a padded
batch.

``encode`` runs the stack over the source once and keeps each layer's keys and values of it in
``Memory.keys``; ``decode_step`` then computes one new position, reading the source's keys and
the target's own key/value cache (``model.kv_cache = False`` recomputes the whole sequence at every
step instead: the same tokens, much slower). The block options (RMSNorm, SwiGLU, rotary positions,
grouped-query attention) come from :mod:`seq2seq_lib.blocks`; the blocks are pre-norm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .attention import append_position, scaled_dot_product_attention
from .blocks import FFNS, NORMS, POSITIONS, FeedForward, LearnedPositions, Rotary, SinusoidalPositions, make_norm
from .protocol import Memory, Seq2SeqModel, source_mask
from .transformer import init_and_share
from .utils import eval_mode
from .vocab import PAD


@dataclass
class DecoderOnlyConfig:
    """Size and shape of a decoder-only model (``num_layers`` blocks in one stack)."""

    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 64
    n_heads: int = 4
    #: key/value heads (grouped-query attention, Ainslie et al., 2023); ``None``: one per query head
    n_kv_heads: int | None = None
    num_layers: int = 2
    d_ff: int = 256
    dropout: float = 0.1
    #: True: bidirectional attention over the source (prefix LM); False: causal everywhere
    prefix_lm: bool = True
    norm: str = "layer"
    ffn: str = "relu"
    positions: str = "sinusoidal"
    #: the longest source + target the positional table covers
    max_len: int = 256
    tie_embeddings: bool = False
    joint_embeddings: bool = False

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads})")
        kv = self.n_kv_heads or self.n_heads
        if self.n_heads % kv:
            raise ValueError(f"n_heads ({self.n_heads}) must be a multiple of n_kv_heads ({kv})")
        for name, value, allowed in (("norm", self.norm, NORMS), ("ffn", self.ffn, FFNS),
                                     ("positions", self.positions, POSITIONS)):
            if value not in allowed:
                raise ValueError(f"unknown {name} {value!r}; choose one of {allowed}")
        if self.joint_embeddings and self.src_vocab_size != self.tgt_vocab_size:
            raise ValueError("joint_embeddings needs one vocabulary for both sides (a joint BPE vocabulary)")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


def prefix_lm_mask(src_mask: torch.Tensor, tgt_len: int, prefix_lm: bool = True) -> torch.Tensor:
    """Which key each query of ``source <sos> target`` may read: bool ``[B, S+T, S+T]``.

    ``src_mask`` ``[B, S]`` is True on the real source tokens. Query ``i`` reads key ``j`` when
    ``j`` is a real token and either ``j <= i`` (causal), or, with ``prefix_lm``, both are source
    positions (the source reads itself in both directions).
    """
    B, S = src_mask.shape
    L = S + tgt_len
    real = torch.cat([src_mask, src_mask.new_ones(B, tgt_len)], 1)  # [B, L]
    i, j = torch.arange(L, device=src_mask.device)[:, None], torch.arange(L, device=src_mask.device)[None]
    allowed = j <= i
    if prefix_lm:
        allowed = allowed | ((i < S) & (j < S))
    return allowed[None] & real[:, None, :]


def source_share(weights: torch.Tensor, S: int) -> torch.Tensor:
    """Where on the source the target positions look: ``weights`` ``[B, h, T, S + ...]`` of the
    whole sequence -> ``[B, T, S]``, averaged over the heads and renormalised to sum to one over
    the source (the rest of the weight falls on the target so far), as the protocol's weights do."""
    src = weights[..., :S].mean(1)
    return src / src.sum(-1, keepdim=True).clamp_min(1e-12)


class SelfAttention(nn.Module):
    """Multi-head self-attention with optional rotary positions and fewer key/value heads (GQA)."""

    def __init__(self, d_model: int, n_heads: int, n_kv_heads: int, dropout: float, rotary: Rotary | None):
        super().__init__()
        self.n_heads, self.n_kv_heads, self.d_k = n_heads, n_kv_heads, d_model // n_heads
        self.W_q, self.W_o = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.W_k, self.W_v = (nn.Linear(d_model, n_kv_heads * self.d_k) for _ in range(2))
        self.dropout, self.rotary = dropout, rotary

    def project(self, x: torch.Tensor, positions: torch.Tensor, fast: bool = True):
        """``x`` ``[B, L, d_model]`` at ``positions`` ``[B, L]`` -> ``q`` ``[B, h, L, d_k]``, ``k``
        and ``v`` ``[B, h_kv, L, d_k]`` (rotated by the positions with rotary embeddings)."""
        B, L, _ = x.shape
        q = self.W_q(x).view(B, L, self.n_heads, self.d_k).transpose(1, 2)
        k = self.W_k(x).view(B, L, self.n_kv_heads, self.d_k).transpose(1, 2)
        v = self.W_v(x).view(B, L, self.n_kv_heads, self.d_k).transpose(1, 2)
        if self.rotary is not None:
            q, k = self.rotary(q, positions, fast), self.rotary(k, positions, fast)
        return q, k, v

    def expand(self, kv: torch.Tensor) -> torch.Tensor:
        """``[B, h_kv, L, d_k]`` -> ``[B, h, L, d_k]``: each key/value head serves ``h / h_kv`` query heads."""
        groups = self.n_heads // self.n_kv_heads
        return kv if groups == 1 else kv.repeat_interleave(groups, dim=1)

    def attend(self, q, k, v, mask: torch.Tensor, fast: bool = True):
        """``q`` ``[B, h, L, d_k]``, ``k``/``v`` ``[B, h_kv, L', d_k]``, ``mask`` ``[B, L, L']`` ->
        output ``[B, L, d_model]`` and weights ``[B, h, L, L']`` (``None`` when ``fast``)."""
        k, v, mask, p = self.expand(k), self.expand(v), mask[:, None], self.dropout if self.training else 0.0
        if fast:
            out, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p), None
        else:
            out, weights = scaled_dot_product_attention(q, k, v, mask)
            out = F.dropout(weights, p, self.training) @ v if p else out
        B, _, L, _ = q.shape
        return self.W_o(out.transpose(1, 2).reshape(B, L, -1)), weights

    def attend_step(self, q, prefix_kv, prefix_mask: torch.Tensor, kv):
        """One new query ``[B, h, 1, d_k]`` over the source's keys ``prefix_kv`` (``[B, h_kv, S, d_k]``,
        ``prefix_mask`` ``[B, S]``) and the target's ``kv`` (``[B, h_kv, t+1, d_k]``, all readable):
        one softmax over both, without copying the keys together. -> ``[B, 1, d_model]``, weights
        ``[B, h, 1, S + t + 1]``."""
        (pk, pv), (k, v) = (tuple(map(self.expand, pair)) for pair in (prefix_kv, kv))
        scale = 1.0 / math.sqrt(self.d_k)
        scores_src = (q @ pk.transpose(-2, -1)).mul_(scale).masked_fill_(~prefix_mask[:, None, None], float("-inf"))
        scores = torch.cat([scores_src, (q @ k.transpose(-2, -1)).mul_(scale)], -1)
        weights = torch.softmax(scores, -1)
        S = pk.size(2)
        out = weights[..., :S] @ pv + weights[..., S:] @ v
        return self.W_o(out.transpose(1, 2).reshape(q.size(0), 1, -1)), weights


class Block(nn.Module):
    """A pre-norm block: ``x + Attn(Norm(x))``, then ``x + FFN(Norm(x))``."""

    def __init__(self, c: DecoderOnlyConfig, rotary: Rotary | None):
        super().__init__()
        self.norm1, self.norm2 = make_norm(c.norm, c.d_model), make_norm(c.norm, c.d_model)
        self.attn = SelfAttention(c.d_model, c.n_heads, c.n_kv_heads or c.n_heads, c.dropout, rotary)
        self.ff = FeedForward(c.d_model, c.d_ff, c.ffn, c.dropout)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor, positions: torch.Tensor, mask: torch.Tensor, fast: bool = True):
        """``x`` ``[B, L, d_model]``, ``positions`` ``[B, L]``, ``mask`` ``[B, L, L]`` -> ``x``, this
        layer's keys and values ``[B, h_kv, L, d_k]`` and its weights ``[B, h, L, L]`` (``None`` when fast)."""
        q, k, v = self.attn.project(self.norm1(x), positions, fast)
        out, weights = self.attn.attend(q, k, v, mask, fast)
        x = x + self.dropout(out)
        return x + self.dropout(self.ff(self.norm2(x))), (k, v), weights

    def step(self, x: torch.Tensor, positions: torch.Tensor, prefix_kv, prefix_mask, cache, capacity: int):
        """One new position: ``x`` ``[B, 1, d_model]`` at ``positions`` ``[B, 1]``; ``cache`` the
        target's keys and values so far (``None`` at first), grown in place -> ``x``, the new cache,
        the weights ``[B, h, 1, S + t + 1]``."""
        q, k, v = self.attn.project(self.norm1(x), positions)
        k, v = (append_position(c, new, capacity) for c, new in zip(cache or (None, None), (k, v)))
        out, weights = self.attn.attend_step(q, prefix_kv, prefix_mask, (k, v))
        x = x + self.dropout(out)
        return x + self.dropout(self.ff(self.norm2(x))), (k, v), weights


class DecoderOnlySeq2Seq(Seq2SeqModel):
    """``source <sos> target`` through one stack; logits for the target positions.

    Decoder state: ``(prefix, cache)``, the target tokens read so far ``[B, t]`` and, per layer,
    their keys and values ``[B, h_kv, t, d_k]`` (an empty tuple before the first step). ``Memory``:
    the source's last hidden states, its mask, per layer its keys and values (``keys``), and the
    source ids (``context``, which the recompute path re-reads).
    """

    def __init__(self, config: DecoderOnlyConfig):
        super().__init__(config)
        c = config
        self.max_target_len = c.max_len // 2
        self.src_embed = nn.Embedding(c.src_vocab_size, c.d_model, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(c.tgt_vocab_size, c.d_model, padding_idx=PAD)
        table = {"sinusoidal": SinusoidalPositions, "learned": LearnedPositions}.get(c.positions)
        self.pos = table(c.d_model, c.max_len) if table else None
        rotary = Rotary(c.d_model // c.n_heads, c.max_len) if c.positions == "rope" else None
        self.blocks = nn.ModuleList(Block(c, rotary) for _ in range(c.num_layers))
        self.norm = make_norm(c.norm, c.d_model)
        self.generator = nn.Linear(c.d_model, c.tgt_vocab_size)
        self.dropout = nn.Dropout(c.dropout)
        init_and_share(self, c, keep=("pos.",))  # learned positions keep their small normal init
        #: decode_step reuses the keys and values computed before (False: recompute everything)
        self.kv_cache = True

    def embed(self, tokens: torch.Tensor, table: nn.Embedding, positions: torch.Tensor) -> torch.Tensor:
        """``[B, L]`` ids at ``positions`` ``[B, L]`` -> ``[B, L, d_model]``: ``E x sqrt(d_model)``,
        plus the position vector (none with rotary embeddings, which act inside the attention)."""
        if int(positions.max()) >= self.config.max_len:
            raise ValueError(f"source + target of length {int(positions.max()) + 1} is longer than the "
                             f"positional table (max_len={self.config.max_len}); build the model with a "
                             "larger max_len or decode fewer tokens")
        x = table(tokens) * math.sqrt(self.config.d_model)
        return self.dropout(x if self.pos is None else x + self.pos(positions))

    def _run(self, src, src_lens, tgt_in, fast: bool):
        """The whole sequence at once -> hidden states ``[B, S+T, d_model]``, per layer the weights."""
        mask = source_mask(src, src_lens)
        B, S, T = src.size(0), src.size(1), tgt_in.size(1)
        src_pos = torch.arange(S, device=src.device).expand(B, S)
        tgt_pos = src_lens.to(src.device)[:, None] + torch.arange(T, device=src.device)
        x = torch.cat([self.embed(src, self.src_embed, src_pos), self.embed(tgt_in, self.tgt_embed, tgt_pos)], 1)
        positions, weights = torch.cat([src_pos, tgt_pos], 1), []
        attn_mask = prefix_lm_mask(mask, T, self.config.prefix_lm)
        for block in self.blocks:
            x, _, w = block(x, positions, attn_mask, fast)
            weights.append(w)
        return self.norm(x), weights

    def encode(self, src: torch.Tensor, src_lens: torch.Tensor) -> Memory:
        """Run the stack over the source (the prefix) once: ``src`` ``[B, S]``, ``src_lens`` ``[B]``
        -> :class:`Memory` with outputs ``[B, S, d_model]``, mask ``[B, S]`` and, per layer, the
        source's keys and values ``[B, h_kv, S, d_k]``."""
        self.check_source(src, src_lens)
        mask = source_mask(src, src_lens)
        B, S = src.shape
        positions = torch.arange(S, device=src.device).expand(B, S)
        x, kv = self.embed(src, self.src_embed, positions), []
        attn_mask = prefix_lm_mask(mask, 0, self.config.prefix_lm)
        for block in self.blocks:
            x, layer_kv, _ = block(x, positions, attn_mask)
            kv.append(tuple(t.contiguous() for t in layer_kv))
        init_state = (src.new_zeros(B, 0), ())
        return Memory(outputs=self.norm(x), mask=mask, init_state=init_state, keys=tuple(kv), context=src)

    def decode_step(self, prev_tokens: torch.Tensor, state, memory: Memory, return_attention: bool = True):
        """One target position.

        Args:
            prev_tokens: ``[B]`` the previous output token (``<sos>`` at first).
            state: ``(prefix [B, t], cache)``; memory: from :meth:`encode`.
        Returns:
            logits ``[B, V]``, the new state, and the last layer's attention over the source
            (:func:`source_share`) ``[B, S]`` (``None`` unless ``return_attention``).
        """
        prefix, cache = state
        t, S = prefix.size(1), memory.mask.size(1)
        prefix = torch.cat([prefix, prev_tokens[:, None]], 1)
        if not self.kv_cache:  # recompute every position of source and target
            h, weights = self._run(memory.context, memory.mask.sum(1), prefix, fast=not return_attention)
            w = source_share(weights[-1][:, :, -1:], S)[:, 0] if return_attention else None
            return self.generator(h[:, -1]), (prefix, ()), w
        positions = memory.mask.sum(1, keepdim=True) + t  # [B, 1]
        x, new_cache = self.embed(prev_tokens[:, None], self.tgt_embed, positions), []
        for i, block in enumerate(self.blocks):
            x, kv, w = block.step(x, positions, memory.keys[i], memory.mask, cache[i] if cache else None,
                                  self.config.max_len)
            new_cache.append(kv)
        weights = source_share(w, S)[:, 0] if return_attention else None
        return self.generator(self.norm(x)[:, -1]), (prefix, tuple(new_cache)), weights

    def forward(self, src: torch.Tensor, src_lens: torch.Tensor, tgt_in: torch.Tensor,
                teacher_forcing: float = 1.0, fast: bool = True, return_attention: bool = False):
        """Training pass over ``source <sos> target`` at once.

        Args:
            src: ``[B, S]``; src_lens: ``[B]``; tgt_in: ``[B, T]`` (starting with ``<sos>``).
            teacher_forcing: below 1, run the step loop and sometimes read the model's own prediction.
            fast: ``F.scaled_dot_product_attention``; ``False``: the readable path.
            return_attention: also return the last layer's attention of the target positions over
                the source (:func:`source_share`) ``[B, T, S]`` (computed on the readable path).
        Returns:
            logits ``[B, T, V]`` for the target positions (and the weights).
        """
        self.check_source(src, src_lens)
        self.check_target(tgt_in, src.size(0))
        if teacher_forcing < 1.0:
            logits, weights = self.decoder_loop(tgt_in, self.encode(src, src_lens), teacher_forcing, True)
            return (logits, weights) if return_attention else logits
        h, weights = self._run(src, src_lens, tgt_in, fast=fast and not return_attention)
        S = src.size(1)
        logits = self.generator(h[:, S:])
        if not return_attention:
            return logits
        return logits, source_share(weights[-1][:, :, S:], S)

    @torch.no_grad()
    def attention_maps(self, src: torch.Tensor, src_lens: torch.Tensor, tgt_in: torch.Tensor) -> list:
        """Every head of every layer over the whole sequence (readable path, eval mode): one tensor
        ``[B, h, S+T, S+T]`` per layer."""
        with eval_mode(self):
            self.check_source(src, src_lens)
            self.check_target(tgt_in, src.size(0))
            return self._run(src, src_lens, tgt_in, fast=False)[1]

    def cache_bytes(self, batch: int, length: int) -> int:
        """Bytes of the key/value cache for ``batch`` sequences of ``length`` positions (float32)."""
        c = self.config
        return 2 * c.num_layers * batch * (c.n_kv_heads or c.n_heads) * length * (c.d_model // c.n_heads) * 4
