"""Sequence-to-sequence for time series: continuous inputs and outputs.

A forecaster reads ``history`` (the last ``L`` observed values) and writes the
next ``H`` values. It is the encoder-decoder of the course with three changes:
a value enters through a linear projection ``nn.Linear(1, d)`` instead of an
embedding, the output layer returns one number instead of vocabulary logits,
and the loss is the mean squared error. The decoder reads the previous *value*
(teacher forcing feeds the true one) and forecasts autoregressively.
Tensors are batch-first: ``history [B, L, 1]``, ``future [B, H, 1]``.

The forecaster is *not* a :class:`~seq2seq_lib.protocol.Seq2SeqModel`: it reads
and writes values, not token ids, so greedy and beam search, the token metrics
and the checkpoint code do not apply to it. Its two steps therefore have other
names than the token protocol's ``encode``/``decode_step``:
:meth:`Seq2SeqForecaster.encode_history` and :meth:`Seq2SeqForecaster.forecast_step`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from tqdm.auto import tqdm

from .attention import LuongAttention
from .protocol import mix_teacher_forcing
from .rnn import make_rnn
from .train import History, as_schedule, lr_scheduler
from .utils import check_shape, eval_mode


# ---------------------------------------------------------------- data
@dataclass
class Signal:
    """A generated series ``values = trend + seasonal + noise``, each ``[N]``."""

    values: torch.Tensor
    trend: torch.Tensor
    seasonal: torch.Tensor
    noise: torch.Tensor
    period: int


def make_signal(n: int = 1500, period: int = 24, slope: float = 0.002, amplitude: float = 1.0,
                noise_std: float = 0.25, noise_ar: float = 0.6, seed: int = 0) -> Signal:
    """A deterministic (for a ``seed``) series of length ``n``.

    Trend ``slope * t``; seasonality of period ``period`` made of two harmonics,
    ``amplitude * (sin(2 pi t / m) + 0.5 sin(4 pi t / m + 1))``; AR(1) noise
    ``e_t = noise_ar * e_{t-1} + noise_std * z_t`` with Gaussian ``z_t``.
    """
    if n < 2 * period or period < 2:
        raise ValueError(f"need period >= 2 and n >= 2 * period, got n={n}, period={period}")
    if not 0.0 <= noise_ar < 1.0 or noise_std < 0:
        raise ValueError(f"need 0 <= noise_ar < 1 and noise_std >= 0, got {noise_ar}, {noise_std}")
    t = torch.arange(n, dtype=torch.float64)  # float64: sin of large angles stays exact
    trend = (slope * t).float()
    phase = 2 * math.pi * t / period
    seasonal = (amplitude * (torch.sin(phase) + 0.5 * torch.sin(2 * phase + 1.0))).float()
    z = (torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * noise_std).tolist()
    e = [z[0] / math.sqrt(1 - noise_ar**2)]  # start in the stationary distribution
    for z_t in z[1:]:
        e.append(noise_ar * e[-1] + z_t)
    noise = torch.tensor(e, dtype=torch.float32)
    return Signal(trend + seasonal + noise, trend, seasonal, noise, period)


@dataclass
class Windows:
    """``history [W, L, 1]`` and ``future [W, H, 1]`` cut from one series;
    ``start [W]`` is the series index of each window's first history value."""

    history: torch.Tensor
    future: torch.Tensor
    start: torch.Tensor

    def __len__(self) -> int:
        return self.history.size(0)

    def to(self, device) -> Windows:
        return Windows(self.history.to(device), self.future.to(device), self.start.to(device))


def make_windows(series: torch.Tensor, history: int, horizon: int, stride: int = 1,
                 offset: int = 0) -> Windows:
    """Every ``(history, future)`` pair of consecutive values of ``series [N]``,
    one every ``stride`` steps; ``offset`` is added to ``start`` (the series'
    position in a longer one)."""
    check_shape(series, ("N",), "series")
    if history < 1 or horizon < 1 or stride < 1:
        raise ValueError(f"history, horizon and stride must be >= 1, got {history}, {horizon}, {stride}")
    if series.numel() < history + horizon:
        raise ValueError(f"a series of {series.numel()} values is shorter than one window "
                         f"(history {history} + horizon {horizon})")
    if not bool(torch.isfinite(series).all()):
        raise ValueError("the series contains NaN or infinite values; fill or drop them first")
    w = series.unfold(0, history + horizon, stride).unsqueeze(-1)  # [W, L + H, 1]
    start = torch.arange(w.size(0)) * stride + offset
    return Windows(w[:, :history].contiguous(), w[:, history:].contiguous(), start)


def split_windows(series: torch.Tensor, history: int, horizon: int,
                  fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
                  stride: int = 1) -> dict[str, Windows]:
    """Cut ``series [N]`` in time order into train, valid and test segments, then
    window each segment on its own: no value of one split appears in another, and
    every test value comes after every training value (no leakage)."""
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {fractions}")
    n = series.numel()
    cuts = [0, round(n * fractions[0]), round(n * (fractions[0] + fractions[1])), n]
    names = ("train", "valid", "test")
    return {name: make_windows(series[a:b], history, horizon, stride, offset=a)
            for name, a, b in zip(names, cuts, cuts[1:])}


class Scaler:
    """Standardisation ``(x - mean) / std`` with statistics fitted on training values only."""

    def __init__(self, mean: float = 0.0, std: float = 1.0):
        self.mean, self.std = float(mean), float(std)

    @classmethod
    def fit(cls, train_values: torch.Tensor) -> Scaler:
        if train_values.numel() < 2:
            raise ValueError("fit the scaler on at least two training values")
        return cls(train_values.mean(), train_values.std().clamp_min(1e-8))

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std + self.mean


# ---------------------------------------------------------------- baseline and metrics
def _check_history(history: torch.Tensor, name: str = "history") -> torch.Tensor:
    if not isinstance(history, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor [B, L, 1], got {type(history).__name__}")
    check_shape(history, ("B", "L", 1), f"{name} (batch-first values)")
    if not bool(torch.isfinite(history).all()):
        raise ValueError(f"{name} contains NaN or infinite values; fill or drop them first")
    return history


def seasonal_naive(history: torch.Tensor, horizon: int, period: int) -> torch.Tensor:
    """``y_hat_{T+h} = y_{T+h-k m}`` with ``k = ceil(h / m)``: repeat the last season.

    ``history [B, L, 1]`` with ``L >= period`` -> forecast ``[B, horizon, 1]``.
    """
    _check_history(history)
    if horizon <= 0:
        raise ValueError(f"horizon must be positive, got {horizon}")
    if period < 1 or history.size(1) < period:
        raise ValueError(f"history of length {history.size(1)} is shorter than the period {period}")
    last = history[:, -period:]
    return last.repeat(1, math.ceil(horizon / period), 1)[:, :horizon]


def _check_pair(pred: torch.Tensor, target: torch.Tensor) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"forecast {list(pred.shape)} and target {list(target.shape)} differ in shape")


def mae(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Mean absolute error."""
    _check_pair(pred, target)
    return float((pred - target).abs().mean())


def rmse(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Root mean squared error."""
    _check_pair(pred, target)
    return float((pred - target).pow(2).mean().sqrt())


def mase(pred: torch.Tensor, target: torch.Tensor, train_series: torch.Tensor, period: int) -> float:
    """Mean absolute scaled error (Hyndman and Koehler, 2006): the MAE divided by the
    in-sample MAE of the one-season-ago forecast on the training series ``[N]``.
    Below 1: better than the seasonal naive forecast was on the training data."""
    check_shape(train_series, ("N",), "train_series")
    if train_series.numel() <= period:
        raise ValueError(f"the training series ({train_series.numel()}) must be longer than the period {period}")
    scale = (train_series[period:] - train_series[:-period]).abs().mean()
    return mae(pred, target) / float(scale)


def error_by_step(pred: torch.Tensor, target: torch.Tensor, kind: str = "rmse") -> torch.Tensor:
    """``[B, H, 1]`` pairs -> ``[H]`` error of each horizon step over the batch."""
    _check_pair(pred, target)
    err = (pred - target).squeeze(-1)
    if kind == "mae":
        return err.abs().mean(0)
    if kind == "rmse":
        return err.pow(2).mean(0).sqrt()
    raise ValueError(f"unknown error kind {kind!r}; choose 'mae' or 'rmse'")


# ---------------------------------------------------------------- the forecaster
@dataclass
class ForecasterConfig:
    """Size and shape of a :class:`Seq2SeqForecaster`."""

    d_model: int = 16  #: size of the value projection (the "embedding" size)
    hidden_size: int = 32
    cell: str = "gru"
    num_layers: int = 1
    attention: bool = False  #: Luong ``general`` attention over the encoded history
    window_norm: bool = True  #: work relative to each window's mean and standard deviation


class Seq2SeqForecaster(nn.Module):
    """GRU/LSTM encoder over projected values, a decoder fed the previous value,
    optional Luong attention (``h~_t = tanh(W_c [c_t; h_t])``), and a linear head."""

    def __init__(self, config: ForecasterConfig | None = None):
        super().__init__()
        c = self.config = config or ForecasterConfig()
        self.enc_proj = nn.Linear(1, c.d_model)  # replaces the source embedding
        self.dec_proj = nn.Linear(1, c.d_model)  # replaces the target embedding
        self.encoder = make_rnn(c.cell, c.d_model, c.hidden_size, c.num_layers)
        self.decoder = make_rnn(c.cell, c.d_model, c.hidden_size, c.num_layers)
        self.attention = LuongAttention(c.hidden_size, c.hidden_size, "general") if c.attention else None
        self.W_c = nn.Linear(2 * c.hidden_size, c.hidden_size) if c.attention else None
        self.head = nn.Linear(c.hidden_size, 1)  # replaces the vocabulary logits

    def encode_history(self, history: torch.Tensor):
        """``history [B, L, 1]`` (already level-adjusted) -> outputs ``[B, L, H]``, state ``[layers, B, H]``."""
        return self.encoder(self.enc_proj(history))

    def _readout(self, h: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
        """Decoder states ``[B, T, H]`` -> values ``[B, T, 1]`` (through attention if any)."""
        if self.attention is not None:
            mask = torch.ones(outputs.shape[:2], dtype=torch.bool, device=outputs.device)
            context, _ = self.attention(h, outputs, mask)
            h = torch.tanh(self.W_c(torch.cat([context, h], dim=-1)))
        return self.head(h)

    def forecast_step(self, prev: torch.Tensor, state, outputs: torch.Tensor):
        """One step: previous value ``prev [B, 1]`` -> next value ``[B, 1]`` and the new state."""
        h, state = self.decoder(self.dec_proj(prev).unsqueeze(1), state)
        return self._readout(h, outputs).squeeze(1), state

    def forward(self, history: torch.Tensor, future: torch.Tensor | None = None, horizon: int | None = None,
                teacher_forcing: float = 1.0, fast: bool = True) -> torch.Tensor:
        """Forecast ``H`` values.

        Args:
            history: ``[B, L, 1]`` observed values.
            future: ``[B, H, 1]`` true values, read only as decoder inputs under
                teacher forcing (never as inputs for the step they are the target of).
            horizon: ``H`` when ``future`` is None (then ``teacher_forcing`` must be 0).
            teacher_forcing: probability that step ``t`` reads the true ``y_{t-1}``
                rather than its own prediction; one coin per series and step.
            fast: with ``teacher_forcing == 1``, run the decoder RNN in one call.
        Returns:
            predictions ``[B, H, 1]``.
        """
        _check_history(history)
        if not 0.0 <= teacher_forcing <= 1.0:
            raise ValueError(f"teacher_forcing must be in [0, 1], got {teacher_forcing}")
        if future is None:
            if horizon is None or horizon <= 0:
                raise ValueError(f"give future [B, H, 1] or a positive horizon, got horizon={horizon}")
            if teacher_forcing > 0:
                raise ValueError("teacher forcing needs the true future values: pass future=")
        else:
            check_shape(future, (history.size(0), "H", 1), "future")
            horizon = future.size(1)
        level, scale = self.window_stats(history)
        history = (history - level) / scale
        future = (future - level) / scale if future is not None else None
        outputs, state = self.encode_history(history)
        if fast and teacher_forcing >= 1.0:  # all inputs known: last observed value, then y_1..y_{H-1}
            inputs = torch.cat([history[:, -1:], future[:, :-1]], dim=1)
            h, _ = self.decoder(self.dec_proj(inputs), state)
            return self._readout(h, outputs) * scale + level
        prev, preds = history[:, -1], []
        for t in range(horizon):
            y, state = self.forecast_step(prev, state, outputs)
            preds.append(y)
            prev = y.detach()  # like a sampled token: no gradient through the fed-back value
            if future is not None and teacher_forcing > 0:
                prev = mix_teacher_forcing(future[:, t], prev, teacher_forcing)
        return torch.stack(preds, dim=1) * scale + level

    def window_stats(self, history: torch.Tensor):
        """Each window's ``level`` (mean) and ``scale`` (std), ``[B, 1, 1]`` each; 0 and 1 without ``window_norm``."""
        if not self.config.window_norm:
            return torch.zeros_like(history[:, :1]), torch.ones_like(history[:, :1])
        return history.mean(1, keepdim=True), history.std(1, keepdim=True).clamp_min(1e-3)

    @torch.no_grad()
    def forecast(self, history: torch.Tensor, horizon: int) -> torch.Tensor:
        """Autoregressive forecast ``[B, horizon, 1]`` from ``history [B, L, 1]`` alone."""
        with eval_mode(self):
            return self(history, horizon=horizon, teacher_forcing=0.0)


def fit_forecaster(model: Seq2SeqForecaster, train: Windows, epochs: int, valid: Windows | None = None,
                   batch_size: int = 128, lr: float = 1e-2, teacher_forcing=1.0, clip: float | None = 1.0,
                   lr_schedule: str = "cosine", device="cpu", seed: int = 0, progress: bool = True) -> History:
    """Minimise the MSE of ``model(history, future, teacher_forcing)`` with Adam.

    ``teacher_forcing`` is a ratio or a schedule ``step -> ratio`` (see
    ``seq2seq_lib.train.SCHEDULES``). Each epoch records ``train_mse`` and, with
    ``valid``, ``valid_mse`` of the autoregressive forecast (no teacher forcing).
    """
    if len(train) == 0 or epochs < 1:
        raise ValueError(f"need training windows and epochs >= 1, got {len(train)} windows, {epochs} epochs")
    model.to(device)
    train = train.to(device)
    valid = valid.to(device) if valid is not None else None
    schedule, gen = as_schedule(teacher_forcing), torch.Generator().manual_seed(seed)
    steps_per_epoch = math.ceil(len(train) / batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = lr_scheduler(optimizer, lr_schedule, epochs * steps_per_epoch)
    history, step = History(), 0
    bar = tqdm(total=epochs * steps_per_epoch, desc="training", disable=not progress)
    for epoch in range(1, epochs + 1):
        model.train()
        total, order = 0.0, torch.randperm(len(train), generator=gen).to(device)
        for idx in order.split(batch_size):
            ratio = schedule(step)
            pred = model(train.history[idx], train.future[idx], teacher_forcing=ratio)
            loss = nn.functional.mse_loss(pred, train.future[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            scheduler.step()
            total, step = total + loss.item() * len(idx), step + 1
            bar.update(1)
        row = {"epoch": epoch, "train_mse": total / len(train), "teacher_forcing": ratio}
        if valid is not None:
            forecast = model.forecast(valid.history, valid.future.size(1))
            row["valid_mse"] = float(nn.functional.mse_loss(forecast, valid.future))
        history.append(row)
    bar.close()
    return history
