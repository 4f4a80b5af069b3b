"""Training: teacher-forcing schedules, one step, evaluation, ``fit`` and checkpoints."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from .decode import beam_search, greedy_decode
from .distributed import DistEnv, MixedPrecision
from .metrics import exact_match, perplexity, sequence_nll, token_accuracy
from .models import describe, rebuild
from .protocol import Seq2SeqModel
from .vocab import Vocab

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
        if beam > 1:
            preds += beam_search(model, batch.src, batch.src_lens, beam, alpha, max_len=max_len).to_lists()
        else:
            preds += greedy_decode(model, batch.src, batch.src_lens, max_len).to_lists()
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


# ---------------------------------------------------------------- fit
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


def fit(model: Seq2SeqModel, train_loader: DataLoader, epochs: int,
        valid_loader: DataLoader | None = None, lr: float = 1e-3,
        optimizer: torch.optim.Optimizer | None = None,
        teacher_forcing: float | Schedule = 1.0, clip: float | None = 1.0,
        lr_schedule: str = "constant", warmup: int | None = None, label_smoothing: float = 0.0,
        max_seconds: float | None = None, max_steps: int | None = None, keep_best: bool = False,
        device: torch.device | str = "cpu", progress: bool = True,
        callback: Callable[[dict], None] | None = None, amp: str | None = None,
        distributed: DistEnv | None = None) -> History:
    """Train for ``epochs`` epochs and return the per-epoch history.

    ``teacher_forcing`` is a ratio or a schedule ``step -> ratio`` (see
    ``SCHEDULES``), evaluated at every optimisation step. With a validation
    loader, each epoch also records greedy exact match, token accuracy and
    teacher-forced perplexity. The default optimiser is Adam with
    ``betas=(0.9, 0.98)`` (a shorter memory of squared gradients than PyTorch's
    0.999, as in Vaswani et al., 2017). ``lr_schedule`` and ``warmup`` (steps) are
    described in :func:`lr_scheduler`; ``label_smoothing`` in :func:`sequence_nll`
    (the training loss is then the smoothed one; validation scores are not).
    ``max_seconds`` stops training once that much time is spent (the cosine
    schedule then follows the clock); ``max_steps`` after that many updates,
    even mid-epoch (the schedule then ends there); ``keep_best`` restores, at the end, the
    weights of the epoch with the lowest validation loss (``history.best_epoch``).
    ``amp`` (``"auto"``, ``"fp16"``, ``"bf16"``) trains in mixed precision. With
    ``distributed`` (from :func:`~seq2seq_lib.distributed.init_distributed`), every
    rank passes the same loader and trains on its shard of each batch; only rank 0
    shows progress, validates and calls ``callback`` (see ``seq2seq_lib.distributed``).
    """
    if len(train_loader) == 0:
        raise ValueError("the training loader yields no batches")
    if keep_best and valid_loader is None:
        raise ValueError("keep_best needs a valid_loader to tell the best epoch")
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    device = distributed.device if distributed is not None else device
    main = distributed is None or distributed.is_main
    net = distributed.wrap(model) if distributed is not None else model.to(device)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
    run = _Run(as_schedule(teacher_forcing), clip, label_smoothing, max_seconds, max_steps,
               MixedPrecision(amp, device), distributed)
    total_steps = min(epochs * len(train_loader), max_steps or math.inf)
    scheduler = lr_scheduler(optimizer, lr_schedule, total_steps, warmup,
                             run.time_fraction if max_seconds else None)
    history, best = History(), (math.inf, None)
    bar = tqdm(total=total_steps, desc="training", disable=not (progress and main))
    for epoch in range(1, epochs + 1):
        row = {"epoch": epoch, **run.epoch(net, train_loader, optimizer, scheduler, device, bar)}
        if valid_loader is not None and main:
            scores = evaluate(model, valid_loader, device)
            row.update({f"valid_{k}": v for k, v in scores.items() if k != "n"})
            row["valid_loss"] = math.log(scores["perplexity"])
            if keep_best and row["valid_loss"] < best[0]:
                best = (row["valid_loss"], {k: v.detach().clone() for k, v in model.state_dict().items()})
                history.best_epoch = epoch
        history.append(row)
        bar.set_postfix(loss=f"{row['train_loss']:.3f}", em=f"{row.get('valid_exact_match', float('nan')):.3f}")
        if callback is not None and main:
            callback(row)
        if run.out_of_time():
            break
    bar.close()
    if best[1] is not None:
        model.load_state_dict(best[1])
    return history


class _Run:
    """The state that ``fit`` carries from one epoch to the next: the step count and the clock."""

    def __init__(self, schedule: Schedule, clip, label_smoothing: float, max_seconds: float | None,
                 max_steps: int | None = None, amp: MixedPrecision | None = None, dist: DistEnv | None = None):
        self.schedule, self.clip, self.label_smoothing = schedule, clip, label_smoothing
        self.max_seconds, self.max_steps, self.start, self.step = max_seconds, max_steps, time.perf_counter(), 0
        self.amp, self.dist = amp, dist

    def time_fraction(self) -> float:
        """Fraction of the time budget spent (rank 0's clock when distributed, so all ranks agree)."""
        if not self.max_seconds:
            return 0.0
        spent = (time.perf_counter() - self.start) / self.max_seconds
        return self.dist.from_main(spent) if self.dist is not None else spent

    def out_of_time(self) -> bool:
        """The time budget is spent, or the step budget."""
        return self.time_fraction() >= 1.0 or (self.max_steps is not None and self.step >= self.max_steps)

    def epoch(self, model, loader, optimizer, scheduler, device, bar) -> dict:
        """One pass over ``loader`` (cut short when the time or step budget is spent)."""
        start, total, n, ratio = time.perf_counter(), 0.0, 0, self.schedule(self.step)
        for batch in loader:
            batch = batch.to(device)
            ratio = self.schedule(self.step)
            loss = train_step(model, batch, optimizer, ratio, self.clip, self.label_smoothing, self.amp, self.dist)
            total += loss * batch.n_tokens
            scheduler.step()
            n, self.step = n + batch.n_tokens, self.step + 1
            bar.update(1)
            if self.out_of_time():
                break
        return {"train_loss": total / n, "teacher_forcing": ratio, "seconds": time.perf_counter() - start,
                "steps": self.step}


# ---------------------------------------------------------------- checkpoints
def save_checkpoint(directory: str | Path, model: Seq2SeqModel, src_vocab: Vocab, tgt_vocab: Vocab,
                    meta: dict | None = None) -> Path:
    """Write ``model.pt`` (weights), ``model.json`` (architecture) and ``vocab.json``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), directory / "model.pt")
    (directory / "model.json").write_text(json.dumps({**describe(model), "meta": meta or {}}, indent=2))
    vocabs = {"src": src_vocab.to_list(), "tgt": tgt_vocab.to_list()}
    (directory / "vocab.json").write_text(json.dumps(vocabs, ensure_ascii=False))
    return directory


def load_checkpoint(directory: str | Path, device="cpu"):
    """Load ``(model, src_vocab, tgt_vocab, meta)`` written by :func:`save_checkpoint`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"checkpoint {str(directory)!r} is not a directory")
    missing = [f for f in ("model.pt", "model.json", "vocab.json") if not (directory / f).is_file()]
    if missing:
        raise ValueError(f"{str(directory)!r} is not a checkpoint directory: missing {', '.join(missing)}")
    info = json.loads((directory / "model.json").read_text())
    model = rebuild(info)
    model.load_state_dict(torch.load(directory / "model.pt", map_location=device, weights_only=True))
    vocabs = json.loads((directory / "vocab.json").read_text())
    return model.to(device).eval(), Vocab(vocabs["src"]), Vocab(vocabs["tgt"]), info.get("meta", {})
