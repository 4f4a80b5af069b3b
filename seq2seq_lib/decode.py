"""Decoding: batched greedy search, sampling and beam search over any model of the protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .data import pad_sequences
from .protocol import Seq2SeqModel
from .utils import eval_mode
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


def default_max_len(model: Seq2SeqModel, src: torch.Tensor) -> int:
    """Twice the longest source plus 10, at most the model's ``max_target_len``."""
    return int(min(2 * src.size(1) + 10, model.max_target_len or float("inf")))


@torch.no_grad()
def greedy_decode(model: Seq2SeqModel, src: torch.Tensor, src_lens: torch.Tensor,
                  max_len: int | None = None, return_attention: bool = True) -> Hypotheses:
    """Pick the most likely token at each step, for the whole batch at once.

    Each sequence stops at its own ``<eos>`` (later positions are ``<pad>``);
    the loop ends when all have stopped or after ``max_len`` steps (default:
    :func:`default_max_len`). ``return_attention=False`` lets a model skip
    computing the attention weights it would only return (``Hypotheses.attention``
    is then ``None``).

    Args: ``src`` ``[B, S]``, ``src_lens`` ``[B]``.
    """
    return _step_by_step(model, src, src_lens, max_len, lambda logits: logits.argmax(-1), return_attention)


@torch.no_grad()
def decode_batch(model: Seq2SeqModel, src: torch.Tensor, src_lens: torch.Tensor, beam: int = 1,
           alpha: float = 0.6, max_len: int | None = None) -> list[list[int]]:
    """The one decoding entry point: output ids per sentence (no ``<eos>``).

    ``beam=1`` decodes greedily (:func:`greedy_decode`), a larger beam runs
    :func:`beam_search` with the length penalty ``alpha``.
    Args: ``src`` ``[B, S]``, ``src_lens`` ``[B]``.
    """
    if beam < 1:
        raise ValueError(f"beam must be at least 1 (1: greedy decoding), got {beam}")
    if beam == 1:
        return greedy_decode(model, src, src_lens, max_len, return_attention=False).to_lists()
    return beam_search(model, src, src_lens, beam, alpha, max_len=max_len).to_lists()


@torch.no_grad()
def sample_decode(model: Seq2SeqModel, src: torch.Tensor, src_lens: torch.Tensor, temperature: float = 1.0,
                  top_k: int | None = None, generator: torch.Generator | None = None,
                  max_len: int | None = None) -> Hypotheses:
    """Draw each token from ``softmax(logits / temperature)``, restricted to the ``top_k`` most likely.

    ``temperature < 1`` sharpens the distribution (towards greedy), ``> 1``
    flattens it; ``top_k=1`` is greedy decoding. Pass a seeded ``generator``
    (on the device of ``src``) for repeatable samples.

    Args: ``src`` ``[B, S]``, ``src_lens`` ``[B]``.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 (use greedy_decode for the limit), got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")

    def pick(logits: torch.Tensor) -> torch.Tensor:
        logits = logits.float() / temperature
        if top_k is not None and top_k < logits.size(-1):
            kth = logits.topk(top_k, dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        return torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(1)

    return _step_by_step(model, src, src_lens, max_len, pick)


def _step_by_step(model, src, src_lens, max_len, pick, return_attention: bool = True) -> Hypotheses:
    """The decoding loop shared by greedy search and sampling; ``pick`` maps logits ``[B, V]`` to ids ``[B]``."""
    with eval_mode(model):
        memory = model.encode(src, src_lens)
        max_len = max_len if max_len is not None else default_max_len(model, src)
        B, device = src.size(0), src.device
        prev = torch.full((B,), SOS, dtype=torch.long, device=device)
        finished = torch.zeros(B, dtype=torch.bool, device=device)
        lengths = torch.full((B,), max_len, dtype=torch.long, device=device)
        state, tokens, attn = memory.init_state, [], []
        for t in range(max_len):
            logits, state, weights = model.decode_step(prev, state, memory, return_attention=return_attention)
            prev = pick(logits).masked_fill(finished, PAD)
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


def length_penalty(length: int | torch.Tensor, alpha: float):
    """GNMT's length penalty ``lp(Y) = ((5 + |Y|) / 6) ** alpha`` (Wu et al., 2016).

    A hypothesis is ranked by ``log P(Y | X) / lp(Y)``: ``alpha = 0`` ranks by
    the raw log-probability (which favours short outputs); larger ``alpha``
    favours longer ones.
    """
    return ((5.0 + length) / 6.0) ** alpha


@torch.no_grad()
def sequence_log_prob(model: Seq2SeqModel, src: torch.Tensor, src_lens: torch.Tensor,
                      outputs: Sequence[Sequence[int]], ended: bool | Sequence[bool] = True) -> torch.Tensor:
    """``log P(Y | X)`` of given outputs, by teacher forcing: ``[B]``.

    The sum over each output's tokens, and its ``<eos>`` where ``ended``, of the
    model's log-probability for that token. This is the score a search
    maximises, so it tells search errors (the search missed a more probable
    output) from model errors (the most probable output is wrong).

    Args: ``src`` ``[B, S]``, ``src_lens`` ``[B]``, ``outputs`` ``B`` lists of ids
    (no ``<sos>``, no ``<eos>``), ``ended`` one flag or one per output.
    """
    if len(outputs) != src.size(0):
        raise ValueError(f"got {len(outputs)} outputs for a batch of {src.size(0)} sources")
    flags = [ended] * len(outputs) if isinstance(ended, bool) else list(ended)
    targets = [[*out, EOS] if end else list(out) for out, end in zip(outputs, flags)]
    if any(not t for t in targets):
        raise ValueError("an output is empty and not ended: there is nothing to score")
    tgt_in = pad_sequences([[SOS, *t[:-1]] for t in targets]).to(src.device)
    tgt_out = pad_sequences(targets).to(src.device)
    with eval_mode(model):
        logp = torch.log_softmax(model(src, src_lens, tgt_in), -1)
    picked = logp.gather(-1, tgt_out.unsqueeze(-1)).squeeze(-1)  # [B, T]
    lengths = torch.tensor([len(t) for t in targets], device=src.device)  # by length: an output may hold id 0
    return (picked * (torch.arange(tgt_out.size(1), device=src.device)[None, :] < lengths[:, None])).sum(1)


@dataclass
class BeamResult:
    """Beam-search output: for each sentence, its ``n_best`` hypotheses, best first.

    ``tokens[b][i]`` the ids of hypothesis ``i`` of sentence ``b`` (no ``<sos>``,
    no ``<eos>``); ``scores[b][i]`` its length-normalised log-probability;
    ``finished[b][i]`` whether it ended with ``<eos>`` (not cut at ``max_len``).
    """

    tokens: list[list[list[int]]]
    scores: list[list[float]]
    finished: list[list[bool]]

    def to_lists(self) -> list[list[int]]:
        """The best hypothesis of each sentence (the shape of ``Hypotheses.to_lists``)."""
        return [hyps[0] for hyps in self.tokens]


@torch.no_grad()
def beam_search(model: Seq2SeqModel, src: torch.Tensor, src_lens: torch.Tensor, beam_size: int = 5,
                alpha: float = 0.6, n_best: int = 1, max_len: int | None = None) -> BeamResult:
    """Batched beam search over any model of the protocol.

    The ``B`` sentences and their ``K = beam_size`` hypotheses are decoded
    together as ``B * K`` rows; ``model.index_state`` makes each row follow the
    hypothesis it extends (the memory stays: rows never leave their sentence).
    At each step every live hypothesis is extended by every token, and the
    ``2K`` best candidates of each sentence are kept: those ending in ``<eos>``
    join the sentence's finished list (scored with :func:`length_penalty`),
    the ``K`` best others stay alive. A sentence is
    done when it has ``K`` finished hypotheses, or after ``max_len`` steps
    (default as in :func:`greedy_decode`), when its live ones are added too.
    With ``beam_size=1`` this is greedy decoding.

    Args: ``src`` ``[B, S]``, ``src_lens`` ``[B]``.
    """
    if beam_size < 1 or not 1 <= n_best <= beam_size:
        raise ValueError(f"need beam_size >= 1 and 1 <= n_best <= beam_size, got {beam_size} and {n_best}")
    with eval_mode(model):
        return _beam_search(model, src, src_lens, beam_size, alpha, n_best, max_len)


def _beam_search(model, src, src_lens, K, alpha, n_best, max_len) -> BeamResult:
    B, device = src.size(0), src.device
    max_len = max_len if max_len is not None else default_max_len(model, src)
    memory = model.encode(src, src_lens)
    rows = torch.arange(B, device=device).repeat_interleave(K)  # [B*K]: sentence of each row
    state, memory = model.reorder(memory.init_state, memory, rows)
    prev = torch.full((B * K,), SOS, dtype=torch.long, device=device)
    live = torch.full((B, K), float("-inf"), device=device)
    live[:, 0] = 0.0  # one live hypothesis per sentence at the start
    history = torch.zeros(B * K, 0, dtype=torch.long, device=device)
    finished: list[list[tuple[float, list[int], bool]]] = [[] for _ in range(B)]
    done = [False] * B
    for t in range(max_len):
        logits, state, _ = model.decode_step(prev, state, memory, return_attention=False)
        logp = torch.log_softmax(logits.float(), -1)  # [B*K, V]
        V = logp.size(-1)
        cand = (live.view(B * K, 1) + logp).view(B, K * V)
        top, idx = cand.topk(min(2 * K, K * V), dim=-1)  # [B, 2K]
        beam, token = idx // V, idx % V
        keep_beam, keep_tok, keep_score = _select(top, beam, token, history, finished, done, t, K, alpha)
        flat = (torch.arange(B, device=device)[:, None] * K + keep_beam).view(-1)
        state = model.index_state(state, flat)  # rows stay within their sentence: memory unchanged
        history = torch.cat([history.index_select(0, flat), keep_tok.view(-1, 1)], 1)
        prev, live = keep_tok.view(-1), keep_score
        if all(done):
            break
    for b in range(B):  # sentences cut at max_len: their live hypotheses count too
        if not done[b]:
            for k in range(K):
                if live[b, k] > float("-inf"):
                    ids = history[b * K + k].tolist()
                    finished[b].append((float(live[b, k]) / length_penalty(len(ids), alpha), ids, False))
    best = [sorted(f, key=lambda h: -h[0])[:n_best] for f in finished]
    return BeamResult([[h[1] for h in f] for f in best], [[h[0] for h in f] for f in best],
                      [[h[2] for h in f] for f in best])


def _select(top, beam, token, history, finished, done, t, K, alpha):
    """Move the ``<eos>`` candidates to ``finished``; keep the ``K`` best others per sentence.

    Returns the kept beams ``[B, K]``, tokens ``[B, K]`` and raw scores ``[B, K]``
    (``-inf`` for the rows of a finished sentence, which are kept but ignored).
    """
    is_eos = token == EOS
    for b, row in enumerate(is_eos.tolist()):
        if done[b]:
            continue
        for j, eos in enumerate(row):
            # an <eos> candidate counts only if it ranks among the K best of this step
            if eos and j < K:
                ids = history[b * K + int(beam[b, j])].tolist()
                finished[b].append((float(top[b, j]) / length_penalty(t + 1, alpha), ids, True))
        done[b] = len(finished[b]) >= K
    order = torch.where(is_eos, float("inf"), torch.arange(top.size(1), device=top.device, dtype=torch.float))
    pick = order.argsort(-1)[:, :K]  # the K best non-<eos> candidates, in rank order
    scores = top.gather(1, pick).masked_fill(is_eos.gather(1, pick), float("-inf"))
    scores[torch.tensor(done, device=top.device)] = float("-inf")
    return beam.gather(1, pick), token.gather(1, pick), scores
