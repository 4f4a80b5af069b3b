"""Time-series seq2seq: the signal, windows without leakage, the seasonal naive
baseline, metrics, input checks, teacher forcing with values and the forecast."""

import math

import pytest
import torch

from seq2seq_lib.timeseries import (
    ForecasterConfig,
    Scaler,
    Seq2SeqForecaster,
    Windows,
    error_by_step,
    fit_forecaster,
    mae,
    make_signal,
    make_windows,
    mase,
    rmse,
    seasonal_naive,
    split_windows,
)
from seq2seq_lib.utils import seed_everything


def small_model(**kw):
    torch.manual_seed(0)
    return Seq2SeqForecaster(ForecasterConfig(d_model=8, hidden_size=16, **kw))


# ---------------------------------------------------------------- the signal
def test_signal_is_deterministic_and_the_sum_of_its_components():
    a, b, c = make_signal(300, seed=1), make_signal(300, seed=1), make_signal(300, seed=2)
    assert torch.equal(a.values, b.values)
    assert not torch.equal(a.values, c.values)
    torch.testing.assert_close(a.values, a.trend + a.seasonal + a.noise)
    assert torch.equal(a.trend, c.trend) and torch.equal(a.seasonal, c.seasonal)


def test_signal_components_have_their_shape():
    s = make_signal(480, period=24, slope=0.01, noise_std=0.0)
    torch.testing.assert_close(s.seasonal[24:], s.seasonal[:-24], atol=1e-5, rtol=0)
    torch.testing.assert_close(s.trend[1:] - s.trend[:-1], torch.full((479,), 0.01), atol=1e-5, rtol=0)
    assert abs(float(s.seasonal[:24].mean())) < 1e-5  # a whole season averages to zero
    assert float(s.noise.abs().max()) == 0.0
    noisy = make_signal(5000, noise_std=0.3, noise_ar=0.0)
    assert abs(float(noisy.noise.std()) - 0.3) < 0.02


@pytest.mark.parametrize("kw", [dict(n=10, period=24), dict(period=1), dict(noise_ar=1.0), dict(noise_std=-1.0)])
def test_signal_rejects_bad_arguments(kw):
    with pytest.raises(ValueError):
        make_signal(**kw)


# ---------------------------------------------------------------- windows and scaling
def test_windows_are_consecutive_values():
    series = torch.arange(10.0)
    w = make_windows(series, history=3, horizon=2, stride=2)
    assert w.history.shape == (3, 3, 1) and w.future.shape == (3, 2, 1) and len(w) == 3
    assert w.history[1, :, 0].tolist() == [2.0, 3.0, 4.0] and w.future[1, :, 0].tolist() == [5.0, 6.0]
    assert w.start.tolist() == [0, 2, 4]


def test_splits_are_in_time_order_and_do_not_leak():
    series = torch.arange(1000.0)  # each value is its own time index
    splits = split_windows(series, history=48, horizon=24)
    used = {name: torch.cat([w.history.flatten(), w.future.flatten()]) for name, w in splits.items()}
    assert used["train"].max() < used["valid"].min()
    assert used["valid"].max() < used["test"].min()
    for name, w in splits.items():  # start is the series index of the first history value
        assert torch.equal(w.history[:, 0, 0], w.start.float()), name
    assert len(splits["train"]) > len(splits["valid"]) > 0 and len(splits["test"]) > 0


def test_window_input_errors_name_the_problem():
    with pytest.raises(ValueError, match="shorter than one window"):
        make_windows(torch.arange(5.0), 4, 2)
    with pytest.raises(ValueError, match="NaN"):
        make_windows(torch.tensor([1.0, float("nan"), 2.0, 3.0]), 2, 1)
    with pytest.raises(ValueError, match="series should have shape"):
        make_windows(torch.zeros(10, 1), 2, 1)
    with pytest.raises(ValueError, match="horizon"):
        make_windows(torch.arange(10.0), 3, 0)
    with pytest.raises(ValueError, match="fractions"):
        split_windows(torch.arange(100.0), 5, 5, fractions=(0.8, 0.3, 0.1))


def test_scaler_uses_training_statistics_and_inverts():
    train, test = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([10.0, 20.0])
    sc = Scaler.fit(train)
    assert sc.mean == 2.0 and sc.std == 1.0
    assert sc.transform(test).tolist() == [8.0, 18.0]  # not standardised on its own statistics
    torch.testing.assert_close(sc.inverse(sc.transform(test)), test)


# ---------------------------------------------------------------- baseline and metrics
def test_seasonal_naive_is_exact_on_a_periodic_series():
    s = make_signal(200, period=12, slope=0.0, noise_std=0.0)
    w = make_windows(s.values, history=30, horizon=29)  # horizon longer than two periods
    pred = seasonal_naive(w.history, 29, 12)
    assert pred.shape == w.future.shape
    torch.testing.assert_close(pred, w.future, atol=1e-5, rtol=0)
    assert mae(pred, w.future) < 1e-5


def test_seasonal_naive_input_errors():
    h = torch.zeros(2, 10, 1)
    with pytest.raises(ValueError, match="horizon must be positive"):
        seasonal_naive(h, 0, 5)
    with pytest.raises(ValueError, match="shorter than the period"):
        seasonal_naive(h, 3, 12)
    with pytest.raises(ValueError, match=r"\[B, L, 1\]"):
        seasonal_naive(torch.zeros(2, 10), 3, 5)
    with pytest.raises(TypeError, match="torch.Tensor"):
        seasonal_naive([[1.0]], 3, 1)
    with pytest.raises(ValueError, match="NaN"):
        seasonal_naive(torch.full((1, 10, 1), float("nan")), 3, 5)


def test_metrics():
    pred, target = torch.tensor([[[1.0], [3.0]]]), torch.tensor([[[0.0], [0.0]]])
    assert mae(pred, target) == 2.0
    assert math.isclose(rmse(pred, target), math.sqrt(5.0), rel_tol=1e-6)
    train = torch.tensor([0.0, 1.0, 0.0, 3.0])  # seasonal differences (m=1): 1, 1, 3 -> scale 5/3
    assert math.isclose(mase(pred, target, train, 1), 2.0 / (5.0 / 3.0), rel_tol=1e-6)
    assert error_by_step(pred, target, "mae").tolist() == [1.0, 3.0]
    with pytest.raises(ValueError, match="differ in shape"):
        mae(pred, target[:, :1])
    with pytest.raises(ValueError, match="unknown error kind"):
        error_by_step(pred, target, "mape")


# ---------------------------------------------------------------- the forecaster
@pytest.mark.parametrize("attention", [False, True])
def test_forecaster_shapes_and_fast_path_agree(attention):
    m = small_model(attention=attention)
    h, f = torch.randn(3, 20, 1), torch.randn(3, 7, 1)
    fast, loop = m(h, f, teacher_forcing=1.0), m(h, f, teacher_forcing=1.0, fast=False)
    assert fast.shape == (3, 7, 1) and m.forecast(h, 5).shape == (3, 5, 1)
    torch.testing.assert_close(fast, loop, atol=1e-5, rtol=1e-5)


def test_forecaster_input_errors():
    m, h = small_model(), torch.randn(2, 10, 1)
    with pytest.raises(ValueError, match="positive horizon"):
        m.forecast(h, 0)
    with pytest.raises(ValueError, match="true future values"):
        m(h, horizon=3, teacher_forcing=0.5)
    with pytest.raises(ValueError, match="teacher_forcing must be in"):
        m(h, torch.randn(2, 3, 1), teacher_forcing=1.5)
    with pytest.raises(ValueError, match="future should have shape"):
        m(h, torch.randn(3, 3, 1))
    with pytest.raises(ValueError, match=r"\[B, L, 1\]"):
        m.forecast(torch.randn(2, 10), 3)
    with pytest.raises(ValueError, match="NaN"):
        m.forecast(torch.full((1, 10, 1), float("nan")), 3)


def test_forecast_never_reads_the_future():
    s = make_signal(300, period=12)
    w = make_windows(s.values, 24, 12, stride=12)
    m = small_model(attention=True)
    before = m.forecast(w.history, 12)
    changed = torch.cat([w.history, w.future + 100.0], dim=1)  # the same past, another future
    torch.testing.assert_close(m.forecast(changed[:, :24], 12), before)
    longer = m.forecast(w.history, 20)  # a longer horizon only appends steps
    torch.testing.assert_close(longer[:, :12], before)


def test_teacher_forcing_ratio_one_reads_the_given_values_and_zero_its_own():
    m, h = small_model(), torch.randn(4, 16, 1)
    f1, f2 = torch.randn(4, 6, 1), torch.randn(4, 6, 1)
    f2[:, 0] = f1[:, 0]  # the same first true value, different later ones
    forced1, forced2 = m(h, f1, teacher_forcing=1.0, fast=False), m(h, f2, teacher_forcing=1.0, fast=False)
    torch.testing.assert_close(forced1[:, :2], forced2[:, :2])  # step t reads y_{t-1}: step 1 reads f[:, 0]
    assert (forced1[:, 2:] - forced2[:, 2:]).abs().min() > 0
    free1, free2 = m(h, f1, teacher_forcing=0.0), m(h, f2, teacher_forcing=0.0)
    torch.testing.assert_close(free1, free2)
    torch.testing.assert_close(free1, m.forecast(h, 6))
    torch.manual_seed(0)
    mixed = m(h, f1, teacher_forcing=0.5)  # one coin per series and step: somewhere between
    assert not torch.allclose(mixed, free1) and not torch.allclose(mixed, forced1)


def test_a_small_model_beats_seasonal_naive():
    seed_everything(0)
    s = make_signal(500, period=8, slope=0.05, noise_std=0.1, noise_ar=0.0)  # naive lags the trend
    sc = Scaler.fit(s.values[:350])
    splits = split_windows(sc.transform(s.values), history=16, horizon=8)
    model = small_model()
    history = fit_forecaster(model, splits["train"], 6, splits["valid"], batch_size=32, progress=False)
    assert history["valid_mse"][-1] < history["valid_mse"][0]
    test = splits["test"]
    model_rmse = rmse(model.forecast(test.history, 8), test.future)
    naive_rmse = rmse(seasonal_naive(test.history, 8, 8), test.future)
    assert model_rmse < 0.9 * naive_rmse, (model_rmse, naive_rmse)


def test_fit_forecaster_rejects_empty_data():
    empty = Windows(torch.zeros(0, 4, 1), torch.zeros(0, 2, 1), torch.zeros(0))
    with pytest.raises(ValueError, match="training windows"):
        fit_forecaster(small_model(), empty, 1, progress=False)
