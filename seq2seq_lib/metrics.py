"""Evaluation metrics: exact match, token accuracy, (teacher-forced) perplexity, BLEU and chrF."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from .utils import eval_mode
from .vocab import EOS, PAD, SOS


def exact_match(predictions: Sequence[Sequence], references: Sequence[Sequence]) -> float:
    """Fraction of predictions identical to their reference (the whole sequence)."""
    _check_pairs(predictions, references)
    return sum(list(p) == list(r) for p, r in zip(predictions, references)) / len(references)


def token_accuracy(predictions: Sequence[Sequence], references: Sequence[Sequence]) -> float:
    """Position-by-position agreement of free-running outputs with the references.

    Each pair contributes ``max(len(pred), len(ref))`` positions, so stopping too
    early or too late costs accuracy too.
    """
    _check_pairs(predictions, references)
    hits = total = 0
    for p, r in zip(predictions, references):
        hits += sum(a == b for a, b in zip(p, r))
        total += max(len(p), len(r))
    return hits / max(total, 1)


def _check_pairs(predictions, references) -> None:
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    if not references:
        raise ValueError("no references to score")


def sequence_nll(logits: torch.Tensor, tgt_out: torch.Tensor, pad_id: int = PAD,
                 label_smoothing: float = 0.0) -> torch.Tensor:
    """Summed negative log-likelihood of the real target tokens.

    Args: ``logits`` ``[B, T, V]``, ``tgt_out`` ``[B, T]``. Padding is excluded,
    ``<eos>`` is not: ``pad_id`` may not be the id of ``<sos>`` or ``<eos>``.
    With ``label_smoothing`` ``eps`` the target distribution is ``1 - eps`` on the
    reference token plus ``eps / V`` on every token (Szegedy et al., 2016), so the
    loss is ``(1 - eps) * NLL + eps * mean_v(-log p_v)`` per token.
    """
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    if pad_id in (SOS, EOS):
        raise ValueError(f"pad_id {pad_id} is the id of <sos> or <eos>: ignoring it would drop every <eos> "
                         f"from the loss and the model would never learn to stop; pad with {PAD}")
    return F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=pad_id, reduction="sum",
                           label_smoothing=label_smoothing)


@torch.no_grad()
def perplexity(model, loader: DataLoader, device: torch.device | str = "cpu") -> float:
    """``exp`` of the mean per-token NLL, with teacher forcing, padding excluded.

    Teacher forcing matters: perplexity scores the model's probability of the
    *reference*, so the decoder must read the reference prefix.
    """
    nll = n = 0.0
    with eval_mode(model):
        for batch in loader:
            batch = batch.to(device)
            nll += float(sequence_nll(model(batch.src, batch.src_lens, batch.tgt_in), batch.tgt_out))
            n += batch.n_tokens
    return math.exp(nll / max(n, 1))


def exact_match_by_length(predictions: Sequence[Sequence], references: Sequence[Sequence],
                          lengths: Sequence[int] | None = None) -> dict[int, float]:
    """Exact match grouped by length (the reference's, unless ``lengths`` is given)."""
    _check_pairs(predictions, references)
    lengths = lengths if lengths is not None else [len(r) for r in references]
    groups: dict[int, list[bool]] = {}
    for p, r, n in zip(predictions, references, lengths):
        groups.setdefault(n, []).append(list(p) == list(r))
    return {n: sum(v) / len(v) for n, v in sorted(groups.items())}


# ---------------------------------------------------------------- BLEU and chrF (sacrebleu)
def reference_streams(references: Sequence[str] | Sequence[Sequence[str]]) -> list[list[str | None]]:
    """sacrebleu's reference streams: one stream for one reference per output, or, when each
    entry is a list of references (several translations of one sentence), stream ``k`` holding
    each sentence's ``k``-th reference and ``None`` where a sentence has fewer."""
    if all(isinstance(r, str) for r in references):
        return [list(references)]
    if not all(isinstance(r, (list, tuple)) and r and all(isinstance(x, str) for x in r) for r in references):
        raise ValueError("references must be strings, or non-empty lists of strings (several per output)")
    n = max(len(r) for r in references)
    return [[r[k] if k < len(r) else None for r in references] for k in range(n)]


def _sacrebleu(metric, hypotheses: Sequence[str], references) -> dict:
    """``{"score", "signature"}`` of a sacrebleu corpus metric."""
    _check_pairs(hypotheses, references)
    return {"score": metric.corpus_score(list(hypotheses), reference_streams(references)).score,
            "signature": str(metric.get_signature())}


def bleu(hypotheses: Sequence[str], references: Sequence[str] | Sequence[Sequence[str]]) -> dict:
    """Corpus BLEU (Papineni et al., 2002) through sacrebleu, with its signature.

    Args: detokenised output sentences and their references: one string per output, or a
    list of strings per output (multi-reference BLEU: an n-gram counts if any reference
    has it, up to the largest count in one reference; the brevity penalty uses, per
    sentence, the reference length closest to the output's).
    Returns: ``{"score": 0..100, "signature": "nrefs:1|case:mixed|..."}``.
    Report the signature with the score: BLEU depends on the tokenisation and
    settings, and the signature says which were used (Post, 2018).
    """
    from sacrebleu.metrics import BLEU

    return _sacrebleu(BLEU(), hypotheses, references)


def chrf(hypotheses: Sequence[str], references: Sequence[str] | Sequence[Sequence[str]]) -> dict:
    """Corpus chrF (Popović, 2015): an F-score over character n-grams, through sacrebleu
    (with several references, each sentence is scored against its best-matching one)."""
    from sacrebleu.metrics import CHRF

    return _sacrebleu(CHRF(), hypotheses, references)


def text_scores(hypotheses: Sequence[str], references: Sequence[str] | Sequence[Sequence[str]]) -> dict:
    """BLEU and chrF with their signatures: ``bleu``, ``chrf``, ``bleu_signature``, ``chrf_signature``
    (``references``: one string per output, or a list of references per output)."""
    b, c = bleu(hypotheses, references), chrf(hypotheses, references)
    return {"bleu": b["score"], "chrf": c["score"], "bleu_signature": b["signature"],
            "chrf_signature": c["signature"]}
