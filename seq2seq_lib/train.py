"""Training pieces: teacher-forcing schedules, one update, evaluation, learning-rate schedules.

The loop that puts them together, :func:`~seq2seq_lib.trainer.fit`, lives in :mod:`seq2seq_lib.trainer`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch.utils.data import DataLoader

from .decode import decode_batch
from .distributed import DistEnv, MixedPrecision
from .metrics import exact_match, perplexity, sequence_nll, token_accuracy
from .protocol import Seq2SeqModel

Schedule = Callable[[int], float]


# ---------------------------------------------------------------- schedules
def constant(ratio: float) -> Schedule:
    """Always the same teacher-forcing ratio."""
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"teacher-forcing ratio must be in [0, 1], got {ratio}")
    return lambda step: ratio


def linear_decay(steps: int, start: float = 1.0, end: float = 0.0) -> Schedule:
    """``eps_i = max(end, start - (start - end) * i / steps)`` (Bengio et al., 2015)."""
    return lambda i: max(end, start - (start - end) * i / max(steps, 1))


def exponential_decay(k: float) -> Schedule:
    """``eps_i = k ** i`` with ``0 < k < 1`` (Bengio et al., 2015)."""
    if not 0.0 < k < 1.0:
        raise ValueError(f"exponential decay needs 0 < k < 1, got {k}")
    return lambda i: k**i


def inverse_sigmoid_decay(k: float) -> Schedule:
    """``eps_i = k / (k + exp(i / k))`` with ``k >= 1`` (Bengio et al., 2015)."""
    if k < 1.0:
        raise ValueError(f"inverse sigmoid decay needs k >= 1, got {k}")
    return lambda i: k / (k + math.exp(min(i / k, 700.0)))


SCHEDULES = {"constant": constant, "linear": linear_decay,
             "exponential": exponential_decay, "inverse_sigmoid": inverse_sigmoid_decay}


def as_schedule(teacher_forcing: float | Schedule) -> Schedule:
    return teacher_forcing if callable(teacher_forcing) else constant(float(teacher_forcing))


# ---------------------------------------------------------------- steps
_FP32 = MixedPrecision(None)


def train_step(model: Seq2SeqModel, batch, optimizer: torch.optim.Optimizer,
               teacher_forcing: float = 1.0, clip: float | None = 1.0, label_smoothing: float = 0.0,
               amp: MixedPrecision | None = None, dist: DistEnv | None = None) -> float:
    """One update on one batch; returns the mean per-token loss (padding excluded).

    ``amp`` runs the forward pass in mixed precision (see
    :class:`~seq2seq_lib.distributed.MixedPrecision`). With ``dist``, ``model`` is
    wrapped in DDP and ``batch`` is the *global* batch: this rank trains on its
    shard, whose summed loss is divided by the global token count and multiplied
    by the number of ranks, so DDP's average of the ranks' gradients is exactly
    the single-process gradient; the returned loss is the global mean on every rank.
    """
    model.train()
    amp, n_tokens, ranks, weight = amp or _FP32, batch.n_tokens, 1, 1.0
    if dist is not None:
        (batch, weight), ranks = dist.shard(batch), dist.world_size
    with amp.autocast():
        logits = model(batch.src, batch.src_lens, batch.tgt_in, teacher_forcing=teacher_forcing)
    nll = weight * sequence_nll(logits.float(), batch.tgt_out, label_smoothing=label_smoothing)
    optimizer.zero_grad(set_to_none=True)
    amp.backward(nll * ranks / n_tokens)
    amp.step(optimizer, model.parameters(), clip)
    return (dist.sum(nll) if dist is not None else float(nll.detach())) / n_tokens


@torch.no_grad()
def predict(model: Seq2SeqModel, loader: DataLoader, device="cpu", max_len: int | None = None,
            beam: int = 1, alpha: float = 0.6):
    """Outputs and references (lists of ids) for every example of ``loader``, in order.

    ``beam=1`` decodes greedily; a larger beam runs :func:`~seq2seq_lib.decode.beam_search`
    with the length penalty ``alpha``.
    """
    preds, refs = [], []
    for batch in loader:
        batch = batch.to(device)
        preds += decode_batch(model, batch.src, batch.src_lens, beam, alpha, max_len)
        refs += [row[: n - 1].tolist() for row, n in zip(batch.tgt_out.cpu(), batch.tgt_lens.cpu())]
    return preds, refs


def evaluate(model: Seq2SeqModel, loader: DataLoader, device="cpu", max_len: int | None = None,
             return_predictions: bool = False, beam: int = 1):
    """``n``, ``exact_match``, ``token_accuracy`` (greedy, or beam search with ``beam > 1``)
    and ``perplexity`` (teacher-forced).

    With ``return_predictions``, returns ``(scores, predictions)`` so the greedy
    outputs need not be decoded a second time.
    """
    preds, refs = predict(model, loader, device, max_len, beam)
    scores = {"n": len(refs), "exact_match": exact_match(preds, refs),
              "token_accuracy": token_accuracy(preds, refs),
              "perplexity": perplexity(model, loader, device)}
    return (scores, preds) if return_predictions else scores


# ---------------------------------------------------------------- learning-rate schedules
def noam(warmup: int) -> Callable[[int], float]:
    """Vaswani et al. (2017): ``lr ~ min(step^-0.5, step * warmup^-1.5)``, here scaled
    to peak at 1 at step ``warmup`` (so the optimiser's ``lr`` is the peak rate).
    The paper's factor ``d_model^-0.5`` times this peak gives its learning rates."""
    if warmup < 1:
        raise ValueError(f"the Noam schedule needs warmup >= 1 steps, got {warmup}")
    return lambda s: warmup**0.5 * min((s + 1) ** -0.5, (s + 1) * warmup**-1.5)


def lr_scheduler(optimizer: torch.optim.Optimizer, name: str, total_steps: int, warmup: int | None = None,
                 time_fraction: Callable[[], float] | None = None):
    """``"constant"``; ``"cosine"``: linear warm-up (default 5% of the steps) then
    cosine decay to 0; ``"noam"``: see :func:`noam` (default warm-up 10% of the steps).

    ``time_fraction`` (a function returning the fraction of a time budget spent)
    makes the warm-up and the cosine decay follow whichever runs out first, steps
    or time: the warm-up ends after ``warmup`` steps or 5% of the budget, and a run
    that its budget stops early still ends at a low learning rate.
    """
    if name == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)
    if name == "noam":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, noam(warmup or max(1, total_steps // 10)))
    if name != "cosine":
        raise ValueError(f"unknown lr_schedule {name!r}; choose 'constant', 'cosine' or 'noam'")
    warmup = warmup or max(1, total_steps // 20)

    def factor(s: int) -> float:
        spent = time_fraction() if time_fraction is not None else 0.0
        warm = max((s + 1) / warmup, spent / 0.05)
        if warm < 1:
            return warm
        done = max((s - warmup) / max(1, total_steps - warmup), spent)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, done)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class History(list):
    """One dict per epoch; ``history["valid_exact_match"]`` gives a column."""

    #: with ``fit(..., keep_best=True)``, the epoch whose weights were kept
    best_epoch: int | None = None

    def __getitem__(self, key):
        if isinstance(key, str):
            return [row.get(key) for row in self]
        return super().__getitem__(key)
