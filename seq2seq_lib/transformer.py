"""The Transformer (Vaswani et al., 2017) on the course's one model protocol.

An encoder of self-attention layers reads the whole source at once; a decoder
of masked self-attention and cross-attention layers predicts the target. There
is no recurrence: word order comes from the positional encoding, and the
decoder's causal mask keeps each position from reading the future.

Decoding one token at a time, the keys and values of the tokens already
produced never change, so :meth:`TransformerSeq2Seq.decode_step` keeps them in a
*key/value cache* (grown in place, not copied at each step) and computes only the
new position (``model.kv_cache = False`` recomputes the whole prefix at every
step instead: same tokens, much slower).
The cross-attention keys and values of the encoder output are computed once in
:meth:`~TransformerSeq2Seq.encode` and kept in ``Memory.keys``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from .attention import MultiHeadAttention
from .protocol import Memory, Seq2SeqModel, source_mask
from .utils import eval_mode
from .vocab import PAD


@dataclass
class TransformerConfig:
    """Size and shape of a Transformer; names follow Vaswani et al. (2017)."""

    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 64
    n_heads: int = 4
    #: layers in the encoder and in the decoder (N in the paper)
    num_layers: int = 2
    d_ff: int = 256
    dropout: float = 0.1
    #: True: pre-norm, ``x + f(LN(x))`` (trains without a long warm-up); False: the paper's post-norm
    norm_first: bool = True
    #: the longest sequence the positional table covers
    max_len: int = 256
    #: the output layer reuses the target embedding matrix (Press & Wolf, 2017)
    tie_embeddings: bool = False
    #: one embedding matrix for source and target (a joint vocabulary: ``src_vocab_size == tgt_vocab_size``)
    joint_embeddings: bool = False

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads})")
        if self.d_model % 2:
            raise ValueError(f"the sinusoidal encoding pairs sin and cos: d_model must be even, got {self.d_model}")
        if self.joint_embeddings and self.src_vocab_size != self.tgt_vocab_size:
            raise ValueError(f"joint_embeddings needs one vocabulary for both sides, got {self.src_vocab_size} "
                             f"source and {self.tgt_vocab_size} target tokens (use a joint BPE vocabulary)")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


class PositionalEncoding(nn.Module):
    """``PE(pos, 2i) = sin(pos / 10000^(2i/d))``, ``PE(pos, 2i+1) = cos(pos / 10000^(2i/d))``."""

    def __init__(self, d_model: int, max_len: int = 256):
        super().__init__()
        pos = torch.arange(max_len, dtype=torch.float32)[:, None]
        freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
        self.register_buffer("pe", pe, persistent=False)
        self.max_len = max_len

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        """``x`` ``[B, T, d_model]`` at positions ``start .. start+T-1`` -> ``x + PE``."""
        end = start + x.size(1)
        if end > self.max_len:
            raise ValueError(f"a sequence of length {end} is longer than the positional table "
                             f"(max_len={self.max_len}); build the model with a larger max_len")
        return x + self.pe[start:end]


def causal_mask(size: int, start: int = 0, device=None) -> torch.Tensor:
    """``[size - start, size]`` bool, True where query ``start + i`` may read key ``j`` (``j <= start + i``)."""
    return torch.ones(size, size, dtype=torch.bool, device=device).tril()[start:]


class FeedForward(nn.Module):
    """``FFN(x) = max(0, x W_1 + b_1) W_2 + b_2``, applied at every position."""

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.0):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(d_model, d_ff), nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, T, d_model] -> [B, T, d_model]``."""
        return self.linear2(self.dropout(torch.relu(self.linear1(x))))


class _Layer(nn.Module):
    def __init__(self, dropout: float, norm_first: bool):
        super().__init__()
        self.dropout, self.norm_first = nn.Dropout(dropout), norm_first

    def sublayer(self, x: torch.Tensor, norm: nn.LayerNorm, fn):
        """A residual connection around ``fn`` (which returns ``(out, extra)``),
        with the layer norm before ``fn`` (pre-norm) or after the sum (post-norm)."""
        if self.norm_first:
            out, extra = fn(norm(x))
            return x + self.dropout(out), extra
        out, extra = fn(x)
        return norm(x + self.dropout(out)), extra


class EncoderLayer(_Layer):
    """Self-attention, then the feed-forward network, each in a residual block."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = True):
        super().__init__(dropout, norm_first)
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, fast: bool = True):
        """``x`` ``[B, S, d_model]``, ``mask`` ``[B, 1, S]`` (True on real tokens)
        -> ``x`` ``[B, S, d_model]``, weights ``[B, h, S, S]`` (``None`` when ``fast``)."""
        x, weights = self.sublayer(x, self.norm1, lambda h: self.self_attn(h, h, mask, fast))
        x, _ = self.sublayer(x, self.norm2, lambda h: (self.ff(h), None))
        return x, weights


class DecoderLayer(_Layer):
    """Masked self-attention, cross-attention to the encoder, feed-forward."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = True):
        super().__init__(dropout, norm_first)
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(d_model) for _ in range(3))

    def forward(self, y: torch.Tensor, memory_kv, self_mask: torch.Tensor | None, cross_mask: torch.Tensor,
                fast: bool = True, cross_weights: bool = False):
        """Decode every target position at once (training, or recomputing the whole prefix).

        Args:
            y: ``[B, T, d_model]``; self_mask: ``[1, T, T]`` causal (``None``: attend to every key).
            memory_kv: the cross-attention keys and values of the encoder output, each ``[B, h, S, d_k]``.
            cross_mask: ``[B, 1, S]`` True on real source tokens.
            fast: ``F.scaled_dot_product_attention`` (no weights) or the readable path.
            cross_weights: compute the cross-attention on the readable path even when ``fast``.
        Returns:
            ``y`` ``[B, T, d_model]``, the self-attention keys and values ``[B, h, T, d_k]``,
            and the self- and cross-attention weights (``None`` when ``fast``).
        """
        def attend_self(h):
            k, v = self.self_attn.project_kv(h)
            out, weights = self.self_attn(h, (k, v), self_mask, fast)
            return out, ((k, v), weights)

        y, (new_cache, self_w) = self.sublayer(y, self.norm1, attend_self)
        fast_cross = fast and not cross_weights
        y, cross_w = self.sublayer(y, self.norm2, lambda h: self.cross_attn(h, memory_kv, cross_mask, fast_cross))
        y, _ = self.sublayer(y, self.norm3, lambda h: (self.ff(h), None))
        return y, new_cache, self_w, cross_w

    def step(self, y: torch.Tensor, memory_kv, cross_mask: torch.Tensor, cache, capacity: int):
        """The cached step: position ``t`` after the ``t`` in ``cache`` (:meth:`forward`'s result there).

        One query attends with plain matmuls and the cache grows in place, with room for up
        to ``capacity`` positions (:meth:`~seq2seq_lib.attention.MultiHeadAttention.forward_cached`).
        ``y`` ``[B, 1, d_model]``, ``memory_kv`` each ``[B, h, S, d_k]``, ``cross_mask`` ``[B, 1, S]``,
        ``cache`` keys and values ``[B, h, t, d_k]`` (``None`` at first) -> ``y`` ``[B, 1, d_model]``,
        the new cache (``[B, h, t+1, d_k]`` each), cross-attention weights ``[B, h, 1, S]``.
        """
        y, new_cache = self.sublayer(y, self.norm1, lambda h: self.self_attn.forward_cached(h, cache, capacity))
        y, cross_w = self.sublayer(y, self.norm2, lambda h: self.cross_attn.forward_one(h, *memory_kv, cross_mask))
        y, _ = self.sublayer(y, self.norm3, lambda h: (self.ff(h), None))
        return y, new_cache, cross_w


class TransformerSeq2Seq(Seq2SeqModel):
    """Encoder-decoder Transformer with a key/value cache for step-by-step decoding.

    Decoder state: ``(prefix, cache)``, the tokens read so far ``[B, t]`` and, per
    decoder layer, the self-attention keys and values ``[B, h, t, d_k]`` of
    those positions (an empty tuple before the first step).
    """

    def __init__(self, config: TransformerConfig):
        super().__init__(config)
        c = config
        self.max_target_len = c.max_len
        self.src_embed = nn.Embedding(c.src_vocab_size, c.d_model, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(c.tgt_vocab_size, c.d_model, padding_idx=PAD)
        self.pos = PositionalEncoding(c.d_model, c.max_len)
        self.dropout = nn.Dropout(c.dropout)
        layer_args = (c.d_model, c.n_heads, c.d_ff, c.dropout, c.norm_first)
        self.encoder_layers = nn.ModuleList(EncoderLayer(*layer_args) for _ in range(c.num_layers))
        self.decoder_layers = nn.ModuleList(DecoderLayer(*layer_args) for _ in range(c.num_layers))
        # pre-norm leaves the residual stream unnormalised: one last layer norm on each side
        self.encoder_norm = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.decoder_norm = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.generator = nn.Linear(c.d_model, c.tgt_vocab_size)
        init_and_share(self, c)
        #: decode_step reuses the keys and values of the prefix (False: recompute them at every step)
        self.kv_cache = True

    def embed(self, tokens: torch.Tensor, embedding: nn.Embedding, start: int = 0) -> torch.Tensor:
        """``[B, T]`` ids at positions ``start..`` -> ``[B, T, d_model]``: ``E x sqrt(d_model) + PE``."""
        return self.dropout(self.pos(embedding(tokens) * math.sqrt(self.config.d_model), start))

    def encode(self, src: torch.Tensor, src_lens: torch.Tensor) -> Memory:
        """``src`` ``[B, S]``, ``src_lens`` ``[B]`` -> :class:`Memory`: outputs ``[B, S, d_model]``,
        mask ``[B, S]``, and each decoder layer's cross-attention keys and values."""
        return self._encode(src, src_lens, fast=True)[0]

    def _encode(self, src, src_lens, fast: bool):
        """:meth:`encode` on the fast or the readable path; also returns the encoder's weights."""
        self.check_source(src, src_lens)
        mask = source_mask(src, src_lens)
        x, weights = self.embed(src, self.src_embed), []
        for layer in self.encoder_layers:
            x, w = layer(x, mask[:, None, :], fast)
            weights.append(w)
        out = self.encoder_norm(x)
        # contiguous: each decoding step's matmuls then read them without a copy
        kv = tuple(tuple(t.contiguous() for t in layer.cross_attn.project_kv(out)) for layer in self.decoder_layers)
        init_state = (src.new_zeros(src.size(0), 0), ())
        return Memory(outputs=out, mask=mask, init_state=init_state, keys=kv), weights

    def decode(self, tgt: torch.Tensor, memory: Memory, fast: bool = True, cross_weights: bool = False):
        """Run the decoder stack over every target position at once, under the causal mask.

        Args:
            tgt: ``[B, T]`` target ids.
        Returns:
            hidden states ``[B, T, d_model]``, per layer the self-attention keys and
            values of these positions, and per layer the self-attention ``[B, h, T, T]``
            and cross-attention ``[B, h, T, S]`` weights (``None`` when ``fast``; with
            ``cross_weights`` the last layer's cross-attention weights are computed anyway).
        """
        y, T = self.embed(tgt, self.tgt_embed), tgt.size(1)
        self_mask = None if T == 1 else causal_mask(T, device=tgt.device)[None]  # one position: nothing to hide
        cross_mask = memory.mask[:, None, :]
        new_cache, self_ws, cross_ws = [], [], []
        last = len(self.decoder_layers) - 1
        for i, layer in enumerate(self.decoder_layers):
            y, kv, sw, cw = layer(y, memory.keys[i], self_mask, cross_mask, fast, cross_weights and i == last)
            new_cache.append(kv)
            self_ws.append(sw)
            cross_ws.append(cw)
        return self.decoder_norm(y), tuple(new_cache), self_ws, cross_ws

    def decode_step(self, prev_tokens: torch.Tensor, state, memory: Memory, return_attention: bool = True):
        """One target position.

        Args:
            prev_tokens: ``[B]`` the previous output token (``<sos>`` at first).
            state: ``(prefix [B, t], cache)``.
            memory: from :meth:`encode`.
            return_attention: return the last layer's cross-attention weights (with the
                cache they come free; without it ``False`` keeps every layer on the fast path).
        Returns:
            logits ``[B, V]``, the new state, and the last layer's cross-attention
            averaged over its heads ``[B, S]`` (``None`` unless ``return_attention``).
        """
        prefix, cache = state
        t = prefix.size(1)
        prefix = torch.cat([prefix, prev_tokens[:, None]], 1)
        if self.kv_cache:  # the new position only, reading the cached keys and values of the others
            y, cross_mask, new_cache = self.embed(prev_tokens[:, None], self.tgt_embed, t), memory.mask[:, None, :], []
            for i, layer in enumerate(self.decoder_layers):
                y, kv, cross = layer.step(y, memory.keys[i], cross_mask, cache[i] if cache else None,
                                          self.max_target_len)
                new_cache.append(kv)
            h, cache = self.decoder_norm(y), tuple(new_cache)
        else:  # recompute every position of the prefix
            h, _, _, cross = self.decode(prefix, memory, cross_weights=return_attention)
            cache, cross = (), cross[-1]
        weights = cross[:, :, -1].mean(1) if return_attention else None
        return self.generator(h[:, -1]), (prefix, cache), weights

    def forward(self, src: torch.Tensor, src_lens: torch.Tensor, tgt_in: torch.Tensor,
                teacher_forcing: float = 1.0, fast: bool = True, return_attention: bool = False):
        """Training forward pass: every target position at once under the causal mask.

        Args:
            src: ``[B, S]``; src_lens: ``[B]``; tgt_in: ``[B, T]``.
            teacher_forcing: below 1, run the step loop and sometimes read the model's own prediction.
            fast: attention through ``F.scaled_dot_product_attention``; ``False``: the readable path.
            return_attention: also return the last layer's cross-attention averaged
                over the heads ``[B, T, S]`` (computed on the readable path).
        Returns:
            logits ``[B, T, V]`` (and the weights).
        """
        memory = self._encode(src, src_lens, fast)[0]
        self.check_target(tgt_in, src.size(0))
        if teacher_forcing < 1.0:
            logits, weights = self.decoder_loop(tgt_in, memory, teacher_forcing, return_attention=True)
        else:
            h, _, _, cross = self.decode(tgt_in, memory, fast=fast, cross_weights=return_attention)
            logits, weights = self.generator(h), cross[-1]
            weights = None if weights is None else weights.mean(1)
        return (logits, weights) if return_attention else logits

    @torch.no_grad()
    def attention_maps(self, src: torch.Tensor, src_lens: torch.Tensor, tgt_in: torch.Tensor) -> dict:
        """Every head of every layer (readable path, eval mode): ``"encoder"``
        ``[B, h, S, S]``, ``"decoder"`` ``[B, h, T, T]`` and ``"cross"`` ``[B, h, T, S]``,
        each a list with one tensor per layer."""
        with eval_mode(self):
            memory, enc = self._encode(src, src_lens, fast=False)
            self.check_target(tgt_in, src.size(0))
            _, _, dec, cross = self.decode(tgt_in, memory, fast=False)
        return {"encoder": enc, "decoder": dec, "cross": cross}


def init_and_share(model: nn.Module, c, keep: tuple[str, ...] = ()) -> None:
    """Xavier-uniform init of every matrix (but those whose names start with ``keep``), zero
    ``<pad>`` embeddings, then the shared matrices: one embedding for both sides
    (``c.joint_embeddings``) and the output layer tied to the target embedding (``c.tie_embeddings``)."""
    for name, p in model.named_parameters():
        if p.dim() > 1 and not name.startswith(keep):
            nn.init.xavier_uniform_(p)
    with torch.no_grad():
        model.src_embed.weight[PAD].zero_()
        model.tgt_embed.weight[PAD].zero_()
    if c.joint_embeddings:
        model.src_embed.weight = model.tgt_embed.weight
    if c.tie_embeddings:
        model.generator.weight = model.tgt_embed.weight


def copy_from_torch(model: TransformerSeq2Seq, ref: nn.Transformer) -> None:
    """Copy the layer weights of a batch-first ``torch.nn.Transformer`` into ``model``.

    PyTorch keeps ``W_q, W_k, W_v`` stacked in one ``in_proj_weight`` ``[3 d_model, d_model]``;
    here they are three ``nn.Linear``. The embeddings and the output layer are
    not part of ``nn.Transformer`` and stay as they are. ``nn.Transformer`` ends
    each stack with a layer norm even in post-norm mode, where the paper (and this
    model) has none: set ``ref.encoder.norm = ref.decoder.norm = None`` there.
    """
    if len(ref.encoder.layers) != len(model.encoder_layers) or len(ref.decoder.layers) != len(model.decoder_layers):
        raise ValueError("nn.Transformer and the model have different numbers of layers")
    if ref.encoder.layers[0].norm_first != model.config.norm_first:
        raise ValueError("nn.Transformer and the model differ in norm_first (pre- or post-norm)")
    if not model.config.norm_first and (ref.encoder.norm is not None or ref.decoder.norm is not None):
        raise ValueError("a post-norm model has no final layer norms: set ref.encoder.norm = "
                         "ref.decoder.norm = None before comparing with nn.Transformer")
    with torch.no_grad():
        for mine, theirs in zip(model.encoder_layers, ref.encoder.layers):
            _copy_attention(mine.self_attn, theirs.self_attn)
            _copy_common(mine, theirs, 2)
        for mine, theirs in zip(model.decoder_layers, ref.decoder.layers):
            _copy_attention(mine.self_attn, theirs.self_attn)
            _copy_attention(mine.cross_attn, theirs.multihead_attn)
            _copy_common(mine, theirs, 3)
        for norm, ref_norm in ((model.encoder_norm, ref.encoder.norm), (model.decoder_norm, ref.decoder.norm)):
            if isinstance(norm, nn.LayerNorm):
                norm.load_state_dict(ref_norm.state_dict())


def _copy_attention(mine: MultiHeadAttention, theirs: nn.MultiheadAttention) -> None:
    for linear, w, b in zip((mine.W_q, mine.W_k, mine.W_v), theirs.in_proj_weight.chunk(3),
                            theirs.in_proj_bias.chunk(3)):
        linear.load_state_dict({"weight": w, "bias": b})
    mine.W_o.load_state_dict(theirs.out_proj.state_dict())


def _copy_common(mine: nn.Module, theirs: nn.Module, n_norms: int) -> None:
    mine.ff.linear1.load_state_dict(theirs.linear1.state_dict())
    mine.ff.linear2.load_state_dict(theirs.linear2.state_dict())
    for i in range(1, n_norms + 1):
        getattr(mine, f"norm{i}").load_state_dict(getattr(theirs, f"norm{i}").state_dict())
