"""Resume = straight run: a training state saved mid-run continues to the very same weights."""

from __future__ import annotations

import signal

import pytest
import torch

from seq2seq_lib import Seq2SeqDataset, build_model, make_loader, make_pairs, seed_everything, task_vocab
from seq2seq_lib import trainer as trainer_module
from seq2seq_lib.trainer import fit

VOCAB = task_vocab(6)
PAIRS = make_pairs(160, vocab_size=6, min_len=2, max_len=6, seed=0)
VALID = make_pairs(20, vocab_size=6, min_len=2, max_len=6, seed=1, exclude=PAIRS)


def setup(name: str = "bahdanau", bucket: bool = False):
    seed_everything(0)
    model = build_model(name, len(VOCAB), len(VOCAB), **({"d_model": 16, "n_heads": 2, "num_layers": 1, "d_ff": 32,
                                                          "dropout": 0.2} if name == "transformer" else
                                                         {"emb_dim": 8, "hidden_size": 8, "dropout": 0.2}))
    loader = make_loader(Seq2SeqDataset.from_pairs(PAIRS, VOCAB, VOCAB), 16, shuffle=True, bucket=bucket, seed=3)
    valid = make_loader(Seq2SeqDataset.from_pairs(VALID, VOCAB, VOCAB), 20)
    return model, loader, valid


OPTIONS = dict(lr=3e-3, lr_schedule="cosine", teacher_forcing=0.5, keep_best=True, progress=False)


def interrupt_after(monkeypatch, n_steps: int) -> None:
    """Press Ctrl-C (a real SIGINT) right after update ``n_steps``."""
    real, calls = trainer_module.train_step, []

    def step(*args, **kwargs):
        loss = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == n_steps:
            signal.raise_signal(signal.SIGINT)
        return loss

    monkeypatch.setattr(trainer_module, "train_step", step)


@pytest.mark.parametrize("name,bucket", [("bahdanau", False), ("transformer", True)])
@pytest.mark.parametrize("stop_at", [13, 20])  # mid-epoch 2, and the end of epoch 2 (10 batches an epoch)
def test_interrupted_and_resumed_equals_straight_through(monkeypatch, name, bucket, stop_at):
    model, loader, valid = setup(name, bucket)
    straight = fit(model, loader, 3, valid, **OPTIONS)
    expected = {k: v.clone() for k, v in model.state_dict().items()}

    model, loader, valid = setup(name, bucket)
    saved = []
    interrupt_after(monkeypatch, stop_at)
    with pytest.raises(KeyboardInterrupt):
        fit(model, loader, 3, valid, on_save=saved.append, **OPTIONS)
    monkeypatch.undo()
    assert saved[-1]["step"] == stop_at
    state = torch.load(_roundtrip(saved[-1]), weights_only=False)  # as if read back from disk

    model, loader, valid = setup(name, bucket)
    torch.manual_seed(123)  # whatever the generators hold now, resume restores them
    resumed = fit(model, loader, 3, valid, resume=state, **OPTIONS)
    for key, value in model.state_dict().items():
        assert torch.equal(value, expected[key]), key
    assert resumed.best_epoch == straight.best_epoch
    assert resumed["train_loss"] == pytest.approx(straight["train_loss"], rel=1e-6)
    assert resumed["valid_exact_match"] == straight["valid_exact_match"]


def test_a_finished_run_extends_to_the_same_weights_as_a_longer_run():
    opts = {**OPTIONS, "lr_schedule": "constant", "keep_best": False}
    model, loader, valid = setup()
    fit(model, loader, 4, valid, **opts)
    expected = {k: v.clone() for k, v in model.state_dict().items()}
    model, loader, valid = setup()
    saved = []
    fit(model, loader, 2, valid, on_save=saved.append, **opts)
    model, loader, valid = setup()
    history = fit(model, loader, 4, valid, resume=saved[-1], **opts)
    assert len(history) == 4 and [row["epoch"] for row in history] == [1, 2, 3, 4]
    for key, value in model.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_the_final_state_holds_the_last_weights_and_the_model_the_best():
    model, loader, valid = setup()
    saved = []
    history = fit(model, loader, 3, valid, on_save=saved.append, **OPTIONS)
    final = saved[-1]
    assert final["epoch"] == 4 and final["batch"] == 0 and final["step"] == 30
    best = final["best_weights"]
    for key, value in model.state_dict().items():
        assert torch.equal(value, best[key])
    if history.best_epoch != 3:
        assert any(not torch.equal(final["model"][k], best[k]) for k in best)


def test_save_every_saves_during_training(monkeypatch):
    model, loader, valid = setup()
    saved = []
    fit(model, loader, 1, valid, on_save=saved.append, save_every=1e-9, **OPTIONS)
    assert [s["step"] for s in saved[:-1]] == list(range(1, 11))  # after every update, then the final state
    assert saved[-1]["step"] == 10


def test_a_state_of_another_version_is_refused():
    model, loader, valid = setup()
    saved = []
    fit(model, loader, 1, on_save=saved.append, lr=1e-3, progress=False)
    with pytest.raises(ValueError, match="version"):
        fit(model, loader, 2, resume={**saved[-1], "version": 0}, progress=False)


def _roundtrip(state):
    import io

    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return buffer
