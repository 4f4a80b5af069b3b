import math
import time

import pytest
import torch

from seq2seq_lib import (
    EOS,
    PAD,
    SCHEDULES,
    Seq2SeqDataset,
    evaluate,
    fit,
    greedy_decode,
    load_checkpoint,
    make_loader,
    make_pairs,
    perplexity,
    save_checkpoint,
    task_vocab,
)
from seq2seq_lib.decode import Hypotheses
from seq2seq_lib.train import lr_scheduler, train_step

from .conftest import small_model


class Scripted(torch.nn.Module):
    """A fake model of the protocol that emits a fixed script of tokens per row."""

    def __init__(self, scripts, vocab_size=8):
        super().__init__()
        self.scripts, self.V = scripts, vocab_size

    def encode(self, src, src_lens):
        from seq2seq_lib import Memory
        return Memory(outputs=src.float(), mask=src != PAD, init_state=torch.zeros(len(src), dtype=torch.long))

    def decode_step(self, prev, t, memory, return_attention=True):
        logits = torch.full((len(prev), self.V), -1e9)
        for i, script in enumerate(self.scripts):
            logits[i, script[min(int(t[i]), len(script) - 1)]] = 0.0
        return logits, t + 1, None


def test_greedy_stops_each_sequence_at_its_eos():
    model = Scripted([[4, EOS, 5, 5], [4, 5, 6, EOS], [5, 5, 5, 5]])
    src = torch.tensor([[4, 4], [4, 4], [4, 4]])
    hyp = greedy_decode(model, src, torch.tensor([2, 2, 2]), max_len=6)
    assert hyp.tokens[0].tolist() == [4, EOS, PAD, PAD, PAD, PAD]
    assert hyp.tokens[1].tolist() == [4, 5, 6, EOS, PAD, PAD]
    assert hyp.lengths.tolist() == [1, 3, 6]
    assert hyp.to_lists() == [[4], [4, 5, 6], [5] * 6]


def test_greedy_ends_early_when_all_finished():
    model = Scripted([[EOS], [4, EOS]])
    hyp = greedy_decode(model, torch.tensor([[4], [4]]), torch.tensor([1, 1]), max_len=50)
    assert hyp.tokens.shape == (2, 2)


def test_greedy_matches_argmax_of_teacher_forced_logits_on_its_own_output(batch):
    model = small_model("gru")
    hyp = greedy_decode(model, batch.src, batch.src_lens, max_len=5)
    tgt_in = torch.cat([torch.full((len(batch), 1), 1), hyp.tokens[:, :-1]], 1)
    logits = model(batch.src, batch.src_lens, tgt_in.masked_fill(tgt_in == PAD, EOS))
    first = logits.argmax(-1)[:, 0]
    assert torch.equal(first, hyp.tokens[:, 0])
    assert isinstance(hyp, Hypotheses) and hyp.attention is None


@pytest.mark.parametrize("name, kw, expected", [
    ("constant", dict(ratio=0.3), [0.3, 0.3, 0.3]),
    ("linear", dict(steps=10, start=1.0, end=0.2), [1.0, 0.6, 0.2]),
    ("exponential", dict(k=0.9), [1.0, 0.9**5, 0.9**10]),
    ("inverse_sigmoid", dict(k=5), [5 / 6, 5 / (5 + math.e), 5 / (5 + math.e**2)]),
])
def test_schedule_values(name, kw, expected):
    s = SCHEDULES[name](**kw)
    assert [s(i) for i in (0, 5, 10)] == pytest.approx(expected)


def test_schedules_are_monotone_and_bounded():
    for s in (SCHEDULES["linear"](100), SCHEDULES["exponential"](0.99), SCHEDULES["inverse_sigmoid"](20)):
        values = [s(i) for i in range(0, 5000, 50)]
        assert all(0 <= v <= 1 for v in values)
        assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("name, kw", [("constant", dict(ratio=2)), ("exponential", dict(k=1.5)),
                                      ("inverse_sigmoid", dict(k=0.5))])
def test_schedule_bad_parameters(name, kw):
    with pytest.raises(ValueError):
        SCHEDULES[name](**kw)


def test_cosine_lr_schedule_warms_up_and_decays():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = lr_scheduler(opt, "cosine", 100)
    lrs = []
    for _ in range(100):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] < lrs[4] == pytest.approx(1.0) and lrs[-1] < 0.01
    with pytest.raises(ValueError, match="unknown lr_schedule"):
        lr_scheduler(opt, "step", 10)


def test_a_model_learns_reversal():
    """A short deterministic run: a small GRU learns to reverse short sequences."""
    vocab = task_vocab(6)
    train = make_pairs(3000, vocab_size=6, min_len=2, max_len=5, seed=0)
    valid = make_pairs(200, vocab_size=6, min_len=2, max_len=5, seed=1, exclude=train)
    tl = make_loader(Seq2SeqDataset.from_pairs(train, vocab, vocab), 64, shuffle=True, bucket=True)
    vl = make_loader(Seq2SeqDataset.from_pairs(valid, vocab, vocab), 200)
    from seq2seq_lib import build_model
    model = build_model("gru", len(vocab), len(vocab), emb_dim=16, hidden_size=64)
    hist = fit(model, tl, 8, vl, lr=1e-2, lr_schedule="cosine", progress=False)
    assert hist["train_loss"][-1] < hist["train_loss"][0] / 5
    assert hist[-1]["valid_exact_match"] >= 0.9, hist["valid_exact_match"]
    assert hist[-1]["valid_perplexity"] < 1.5


def test_perplexity_excludes_padding(batch):
    """Adding padding to the batch must not change perplexity."""
    model = small_model("gru")
    ds = Seq2SeqDataset([([4, 5, 6], [6, 5, 4])])
    alone = perplexity(model, make_loader(ds, 1))
    ds2 = Seq2SeqDataset([([4, 5, 6], [6, 5, 4]), ([4] * 9, [4] * 9)])
    both = perplexity(model, make_loader(ds2, 2))
    first = perplexity(model, make_loader(Seq2SeqDataset([([4] * 9, [4] * 9)]), 1))
    # the pair's perplexity is the token-weighted geometric mean of the two
    expected = math.exp((4 * math.log(alone) + 10 * math.log(first)) / 14)
    assert both == pytest.approx(expected, rel=1e-5)


def test_untrained_perplexity_is_near_vocabulary_size():
    model = small_model("gru", vocab_size=14)
    loader = make_loader(Seq2SeqDataset([([4, 5], [5, 4])] * 8), 8)
    assert 5 < perplexity(model, loader) < 30


def test_train_step_reduces_loss_on_a_batch(batch):
    model = small_model("lstm")
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    losses = [train_step(model, batch, opt) for _ in range(30)]
    assert losses[-1] < losses[0] * 0.7


def test_checkpoint_round_trip_gives_identical_outputs(tmp_path, batch, vocab):
    model = small_model("lstm", bidirectional=True, num_layers=2)
    save_checkpoint(tmp_path / "ck", model, vocab, vocab, {"note": "x"})
    loaded, src_vocab, tgt_vocab, meta = load_checkpoint(tmp_path / "ck")
    assert meta == {"note": "x"} and src_vocab.itos == vocab.itos
    torch.testing.assert_close(loaded(batch.src, batch.src_lens, batch.tgt_in),
                               model(batch.src, batch.src_lens, batch.tgt_in), rtol=0, atol=0)
    assert torch.equal(greedy_decode(loaded, batch.src, batch.src_lens).tokens,
                       greedy_decode(model, batch.src, batch.src_lens).tokens)


def test_evaluate_reports_all_metrics(batch, pairs, vocab):
    model = small_model("gru")
    scores = evaluate(model, make_loader(Seq2SeqDataset.from_pairs(pairs, vocab, vocab), 32))
    assert set(scores) == {"n", "exact_match", "token_accuracy", "perplexity"}
    assert scores["n"] == len(pairs) and 0 <= scores["exact_match"] <= scores["token_accuracy"] <= 1


def test_fit_rejects_an_empty_loader():
    with pytest.raises(ValueError, match="no batches"):
        fit(small_model(), [], 1)


def _tiny_loaders(n=400):
    vocab = task_vocab(6)
    train = make_pairs(n, vocab_size=6, min_len=2, max_len=5, seed=0)
    valid = make_pairs(100, vocab_size=6, min_len=2, max_len=5, seed=1, exclude=train)
    return (make_loader(Seq2SeqDataset.from_pairs(train, vocab, vocab), 32, shuffle=True),
            make_loader(Seq2SeqDataset.from_pairs(valid, vocab, vocab), 100), len(vocab))


def test_fit_stops_at_its_time_budget():
    from seq2seq_lib import build_model
    tl, vl, V = _tiny_loaders()
    model = build_model("gru", V, V, emb_dim=8, hidden_size=16)
    start = time.perf_counter()
    hist = fit(model, tl, 1000, vl, lr=1e-2, lr_schedule="cosine", max_seconds=1.0, progress=False)
    assert len(hist) < 1000 and hist[-1]["steps"] < 1000 * len(tl)
    assert time.perf_counter() - start < 10


def test_fit_keeps_the_weights_of_the_best_validation_epoch():
    from seq2seq_lib import build_model

    tl, vl, V = _tiny_loaders()
    model = build_model("gru", V, V, emb_dim=8, hidden_size=16)
    hist = fit(model, tl, 4, vl, lr=3e-2, keep_best=True, progress=False)
    best = min(range(len(hist)), key=lambda i: hist[i]["valid_loss"])
    assert hist.best_epoch == best + 1
    assert math.log(perplexity(model, vl)) == pytest.approx(hist[best]["valid_loss"], rel=1e-6)
    with pytest.raises(ValueError, match="keep_best needs a valid_loader"):
        fit(model, tl, 1, keep_best=True, progress=False)


def test_cosine_schedule_follows_the_clock_when_given_one():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    clock = {"fraction": 0.0}
    sched = lr_scheduler(opt, "cosine", total_steps=1000, warmup=1, time_fraction=lambda: clock["fraction"])
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0, abs=1e-4)  # step 1 of 1000, no time spent
    clock["fraction"] = 0.5
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5, abs=1e-3)  # half the budget: half-way down
    clock["fraction"] = 1.0
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-9)


def test_cosine_warmup_ends_after_five_percent_of_the_time_budget():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    clock = {"fraction": 0.0}
    sched = lr_scheduler(opt, "cosine", total_steps=10_000, warmup=500, time_fraction=lambda: clock["fraction"])
    rates = []
    for fraction in (0.0, 0.025, 0.05, 0.5):
        clock["fraction"] = fraction
        opt.step()
        sched.step()
        rates.append(opt.param_groups[0]["lr"])
    assert rates[0] == pytest.approx(2 / 500)          # by steps: step 2 of a 500-step warm-up
    assert rates[1] == pytest.approx(0.5)              # by time: half of the 5% warm-up budget spent
    assert rates[2] == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.05)))  # warm; decay follows the clock
    assert rates[3] == pytest.approx(0.5)


def test_max_steps_stops_mid_epoch_and_ends_the_schedule_there(pairs, vocab):
    model = small_model("gru", vocab_size=len(vocab))
    loader = make_loader(Seq2SeqDataset.from_pairs(pairs, vocab, vocab), batch_size=8)  # 8 batches an epoch
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = fit(model, loader, 5, optimizer=optimizer, lr_schedule="cosine", max_steps=11, progress=False)
    assert [row["steps"] for row in history] == [8, 11]
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-9)  # the cosine reached its end
    with pytest.raises(ValueError, match="max_steps must be at least 1"):
        fit(model, loader, 1, max_steps=0, progress=False)
