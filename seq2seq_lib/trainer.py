"""``fit``: the training loop, its budgets, and a training state that can be saved and resumed.

The loop is :func:`~seq2seq_lib.train.train_step` over the batches, epoch after
epoch, with an optional validation pass per epoch. Everything the loop carries
from one step to the next lives in one :class:`_Run`, whose :meth:`_Run.state`
is the *training state*: the weights, the optimiser's moments, the scheduler,
the step and epoch (and how far into the epoch), the random number generators,
the loader's shuffling state, the history and the best epoch so far. Given
back to ``fit(resume=...)``, it continues exactly where it stopped: on the CPU a
run interrupted and resumed ends with the same weights as one run straight through.
"""

from __future__ import annotations

import itertools
import math
import random
import signal
import threading
import time
from collections.abc import Callable

import torch
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from .distributed import DistEnv, MixedPrecision
from .protocol import Seq2SeqModel
from .train import History, Schedule, as_schedule, evaluate, lr_scheduler, train_step

#: the version of the training-state dict (a resumed state must have the same)
STATE_VERSION = 1


def fit(model: Seq2SeqModel, train_loader: DataLoader, epochs: int,
        valid_loader: DataLoader | None = None, lr: float = 1e-3,
        optimizer: torch.optim.Optimizer | None = None,
        teacher_forcing: float | Schedule = 1.0, clip: float | None = 1.0,
        lr_schedule: str = "constant", warmup: int | None = None, label_smoothing: float = 0.0,
        max_seconds: float | None = None, max_steps: int | None = None, keep_best: bool = False,
        device: torch.device | str = "cpu", progress: bool = True,
        callback: Callable[[dict], None] | None = None, amp: str | None = None,
        distributed: DistEnv | None = None, save_every: float | None = None,
        on_save: Callable[[dict], None] | None = None, resume: dict | None = None) -> History:
    """Train for ``epochs`` epochs and return the per-epoch history.

    ``teacher_forcing`` is a ratio or a schedule ``step -> ratio`` (see
    ``SCHEDULES``), evaluated at every optimisation step. With a validation
    loader, each epoch also records greedy exact match, token accuracy and
    teacher-forced perplexity. The default optimiser is Adam with
    ``betas=(0.9, 0.98)`` (a shorter memory of squared gradients than PyTorch's
    0.999, as in Vaswani et al., 2017). ``lr_schedule`` and ``warmup`` (steps) are
    described in :func:`~seq2seq_lib.train.lr_scheduler`; ``label_smoothing`` in
    :func:`~seq2seq_lib.metrics.sequence_nll` (the training loss is then the smoothed
    one; validation scores are not). ``max_seconds`` stops training once that much
    time is spent (the cosine schedule then follows the clock); ``max_steps`` after
    that many updates, even mid-epoch; ``keep_best`` restores, at the end, the
    weights of the epoch with the lowest validation loss (``history.best_epoch``).
    ``amp`` (``"auto"``, ``"fp16"``, ``"bf16"``) trains in mixed precision. With
    ``distributed``, every rank passes the same loader and trains on its shard of
    each batch; only rank 0 shows progress, validates and calls ``callback``.

    Saving and resuming: ``on_save(state)`` receives the training state every
    ``save_every`` seconds (between two updates), at the end (its ``"model"`` is
    then the last weights, while ``model`` holds the best ones with ``keep_best``),
    and on Ctrl-C, before the ``KeyboardInterrupt`` goes on. ``resume`` is such a
    state: training continues from it (``epochs`` and ``max_seconds`` count the
    whole run, the part before the interruption included).
    """
    _check_fit_args(train_loader, valid_loader, keep_best, max_steps)
    device = distributed.device if distributed is not None else device
    net = distributed.wrap(model) if distributed is not None else model.to(device)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
    run = _Run(model, optimizer, train_loader, as_schedule(teacher_forcing), clip, label_smoothing,
               max_seconds, max_steps, MixedPrecision(amp, device), distributed)
    run.scheduler_total = total_steps = min(epochs * len(train_loader), max_steps or math.inf)
    run.scheduler = lr_scheduler(optimizer, lr_schedule, total_steps, warmup,
                                 run.time_fraction if max_seconds else None)
    if resume is not None:
        run.load(resume, device)
    _epochs(run, net, epochs, valid_loader, keep_best, device, progress, callback, save_every, on_save)
    final = run.state() if on_save is not None and run.main else None
    if run.best[1] is not None:
        model.load_state_dict(run.best[1])
    if final is not None:
        on_save(final)
    return run.history


def _epochs(run: _Run, net, epochs: int, valid_loader, keep_best: bool, device, progress: bool, callback,
            save_every: float | None, on_save) -> None:
    """The epochs left to train, with Ctrl-C deferred to the end of an update and saving the state."""
    previous_handler = _defer_sigint(run)
    bar = tqdm(total=run.scheduler_total, initial=run.step, desc="training", disable=not (progress and run.main))
    try:
        while run.epoch <= epochs and not run.out_of_time():
            row = run.train_epoch(net, device, bar, save_every, on_save)
            _validate(run, row, valid_loader, keep_best, device)
            if callback is not None and run.main:
                callback(row)
    except KeyboardInterrupt:
        if on_save is not None and run.main:
            on_save(run.state())
        raise
    finally:
        bar.close()
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)


def _defer_sigint(run: _Run):
    """Make Ctrl-C stop training after the current update (a second Ctrl-C stops at once).

    Returns the previous handler, or ``None`` where no handler can be set (not the main thread).
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if run.interrupted:
            raise KeyboardInterrupt
        run.interrupted = True

    signal.signal(signal.SIGINT, handler)
    return previous


def _check_fit_args(train_loader, valid_loader, keep_best: bool, max_steps: int | None) -> None:
    if len(train_loader) == 0:
        raise ValueError("the training loader yields no batches")
    if keep_best and valid_loader is None:
        raise ValueError("keep_best needs a valid_loader to tell the best epoch")
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")


def _validate(run: _Run, row: dict, valid_loader, keep_best: bool, device) -> None:
    """Score the epoch on ``valid_loader`` (rank 0), keep the best weights, append ``row``."""
    if valid_loader is not None and run.main:
        scores = evaluate(run.model, valid_loader, device)
        row.update({f"valid_{k}": v for k, v in scores.items() if k != "n"})
        row["valid_loss"] = math.log(scores["perplexity"])
        if keep_best and row["valid_loss"] < run.best[0]:
            weights = {k: v.detach().clone() for k, v in run.model.state_dict().items()}
            run.best, run.history.best_epoch = (row["valid_loss"], weights), row["epoch"]
    run.history.append(row)


class _Run:
    """What ``fit`` carries from one step to the next, and its training state."""

    def __init__(self, model, optimizer, loader, schedule: Schedule, clip, label_smoothing: float,
                 max_seconds: float | None, max_steps: int | None, amp: MixedPrecision, dist: DistEnv | None):
        self.model, self.optimizer, self.loader, self.scheduler = model, optimizer, loader, None
        self.scheduler_total = 0  # the updates the learning-rate schedule spans (set by fit)
        self.schedule, self.clip, self.label_smoothing = schedule, clip, label_smoothing
        self.max_seconds, self.max_steps, self.amp, self.dist = max_seconds, max_steps, amp, dist
        self.main = dist is None or dist.is_main
        self.start, self.spent_before = time.perf_counter(), 0.0
        self.step, self.epoch, self.history, self.best = 0, 1, History(), (math.inf, None)
        # within the current epoch: batches done, loss sum, tokens, seconds, and the loader's state at its start
        self.batch, self.loss_sum, self.tokens, self.epoch_seconds, self.loader_start = 0, 0.0, 0, 0.0, None
        # set by load(): the loader state and the generators to restore before the next batch
        self.resume_loader, self.restore_rng = None, None
        self.interrupted = False  # Ctrl-C was pressed: stop after the current update

    def spent(self) -> float:
        return self.spent_before + time.perf_counter() - self.start

    def time_fraction(self) -> float:
        """Fraction of the time budget spent (rank 0's clock when distributed, so all ranks agree)."""
        if not self.max_seconds:
            return 0.0
        spent = self.spent() / self.max_seconds
        return self.dist.from_main(spent) if self.dist is not None else spent

    def out_of_time(self) -> bool:
        """The time budget is spent, or the step budget."""
        return self.time_fraction() >= 1.0 or (self.max_steps is not None and self.step >= self.max_steps)

    def _batches(self):
        """This epoch's batches, from where a resumed run stopped."""
        if self.resume_loader is not None:
            _set_loader_state(self.loader, self.resume_loader)
            self.resume_loader = None
        if self.batch == 0:
            self.loader_start = _loader_state(self.loader)
        batches = itertools.islice(iter(self.loader), self.batch, None)
        if self.restore_rng is not None:
            _set_rng_state(self.restore_rng)
            self.restore_rng = None
        return batches

    def train_epoch(self, model, device, bar, save_every: float | None, on_save) -> dict:
        """The rest of the current epoch (cut short when the time or step budget is spent)."""
        start, last_save, ratio = time.perf_counter() - self.epoch_seconds, time.perf_counter(), None
        for batch in self._batches():
            batch = batch.to(device)
            ratio = self.schedule(self.step)
            loss = train_step(model, batch, self.optimizer, ratio, self.clip, self.label_smoothing, self.amp,
                              self.dist)
            self.scheduler.step()
            self.loss_sum, self.tokens = self.loss_sum + loss * batch.n_tokens, self.tokens + batch.n_tokens
            self.step, self.batch = self.step + 1, self.batch + 1
            bar.update(1)
            if self.interrupted:
                raise KeyboardInterrupt
            if self.out_of_time():
                break
            if save_every and on_save is not None and self.main and time.perf_counter() - last_save >= save_every:
                self.epoch_seconds = time.perf_counter() - start
                on_save(self.state())
                last_save = time.perf_counter()
        row = {"epoch": self.epoch, "train_loss": self.loss_sum / max(self.tokens, 1),
               "teacher_forcing": ratio if ratio is not None else self.schedule(self.step),
               "seconds": time.perf_counter() - start, "steps": self.step}
        self.epoch, self.batch, self.loss_sum, self.tokens, self.epoch_seconds = self.epoch + 1, 0, 0.0, 0, 0.0
        bar.set_postfix(loss=f"{row['train_loss']:.3f}")
        return row

    def state(self) -> dict:
        """The training state: everything :meth:`load` needs to continue exactly here."""
        return {"version": STATE_VERSION, "model": _copy(self.model.state_dict()),
                "optimizer": _copy(self.optimizer.state_dict()), "scheduler": self.scheduler.state_dict(),
                "step": self.step, "epoch": self.epoch, "batch": self.batch, "loss_sum": self.loss_sum,
                "tokens": self.tokens, "epoch_seconds": self.epoch_seconds,
                # mid-epoch: the loader as the epoch began (its batches are replayed); else as it is now
                "loader_start": self.loader_start if self.batch else _loader_state(self.loader),
                "rng": _rng_state(), "history": [dict(r) for r in self.history],
                "best_epoch": self.history.best_epoch, "best_loss": self.best[0], "best_weights": self.best[1],
                "seconds": self.spent()}

    def load(self, state: dict, device) -> None:
        """Continue from a :meth:`state` (weights, optimiser, scheduler, counters, generators)."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"training state version {state.get('version')!r} is not {STATE_VERSION}: "
                             "it was saved by another version of seq2seq_lib and cannot be resumed")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        for key in ("step", "epoch", "batch", "loss_sum", "tokens", "epoch_seconds"):
            setattr(self, key, state[key])
        self.resume_loader = self.loader_start = state["loader_start"]
        self.history = History(state["history"])
        self.history.best_epoch = state["best_epoch"]
        best = state["best_weights"]
        self.best = (state["best_loss"], {k: v.to(device) for k, v in best.items()} if best else None)
        self.spent_before, self.start, self.restore_rng = state["seconds"], time.perf_counter(), state["rng"]


def _copy(tree):
    """A detached CPU copy of the tensors in a nested state dict (the live one keeps changing)."""
    if isinstance(tree, torch.Tensor):
        return tree.detach().to("cpu", copy=True)
    if isinstance(tree, dict):
        return {k: _copy(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_copy(v) for v in tree)
    return tree


def _rng_state() -> dict:
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
    return {"torch": torch.get_rng_state(), "cuda": cuda, "python": random.getstate()}


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    random.setstate(state["python"])


def _loader_state(loader) -> dict:
    """What decides the order of a loader's next epoch: its generator, or the bucket sampler's epoch."""
    generator = getattr(loader, "generator", None)
    sampler = getattr(loader, "batch_sampler", None)
    return {"generator": generator.get_state() if generator is not None else None,
            "sampler_epoch": getattr(sampler, "epoch", None)}


def _set_loader_state(loader, state: dict) -> None:
    if state["generator"] is not None:
        loader.generator.set_state(state["generator"])
    if state["sampler_epoch"] is not None:
        loader.batch_sampler.epoch = state["sampler_epoch"]
