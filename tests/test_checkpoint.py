"""Checkpoint I/O: atomic saves (even under Ctrl-C and kill -9) and loads that name the bad file."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from seq2seq_lib import checkpoint
from seq2seq_lib.checkpoint import (
    CheckpointError,
    check_out_dir,
    describe,
    load_checkpoint,
    rebuild,
    save_checkpoint,
)
from seq2seq_lib.models import MODELS, build_model
from seq2seq_lib.tasks import task_vocab

SMALL = {"transformer": dict(d_model=16, n_heads=2, num_layers=1, d_ff=32)}
SMALL["decoder-only"] = SMALL["transformer"]
FILES = ["checkpoint.json", "model.json", "model.pt", "vocab.json"]


def small(name: str = "gru"):
    return build_model(name, 14, 14, **SMALL.get(name, dict(emb_dim=8, hidden_size=8))).eval()


@pytest.fixture
def vocab():
    return task_vocab(10)  # 14 tokens with the specials


@pytest.fixture
def ckpt(tmp_path, vocab):
    """A saved GRU checkpoint at ``tmp_path / "ckpt"``."""
    return save_checkpoint(tmp_path / "ckpt", small(), vocab, vocab, {"generation": 1})


def contents(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def outputs(model):
    src = torch.tensor([[5, 6, 7, 8], [9, 10, 0, 0]])
    return model(src, torch.tensor([4, 2]), torch.tensor([[1, 4, 5], [1, 6, 7]]))


# ---------------------------------------------------------------- round trips
@pytest.mark.parametrize("name", list(MODELS))
def test_describe_rebuild_round_trip(name):
    model = small(name)
    assert rebuild(json.loads(json.dumps(describe(model)))).config == model.config


@pytest.mark.parametrize("name", ["gru", "transformer", "decoder-only"])
def test_round_trip(tmp_path, vocab, name):
    model, meta = small(name), {"task": "reversal", "history": [{"loss": 1.5}], "note": "é"}
    assert save_checkpoint(tmp_path / "c", model, vocab, vocab, meta) == tmp_path / "c"
    assert sorted(os.listdir(tmp_path / "c")) == FILES
    loaded, src_vocab, tgt_vocab, loaded_meta = load_checkpoint(tmp_path / "c")
    assert not loaded.training and loaded_meta == meta
    assert src_vocab.itos == vocab.itos and tgt_vocab.itos == vocab.itos
    for (k, a), (k2, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    with torch.no_grad():
        assert torch.equal(outputs(model), outputs(loaded))


def test_training_state_round_trip(tmp_path, vocab):
    model = small()  # an optimizer state_dict's layout (building a real optimizer costs seconds)
    optimizer = {"state": {0: {"step": torch.tensor(1.0), "exp_avg": torch.randn(3, 2)}},
                 "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.98), "params": [0]}]}
    state = {"optimizer": optimizer, "python_random": random.getstate(),
             "torch_random": torch.get_rng_state(), "history": [{"epoch": 1, "loss": 2.0}], "step": 7}
    save_checkpoint(tmp_path / "c", model, vocab, vocab, training_state=state)
    assert "training.pt" in os.listdir(tmp_path / "c")
    *_, meta, loaded = load_checkpoint(tmp_path / "c", training_state=True)
    assert meta == {} and loaded["python_random"] == state["python_random"]
    assert loaded["history"] == state["history"] and loaded["step"] == 7
    assert torch.equal(loaded["torch_random"], state["torch_random"])
    assert torch.equal(loaded["optimizer"]["state"][0]["exp_avg"], optimizer["state"][0]["exp_avg"])
    assert loaded["optimizer"]["param_groups"] == optimizer["param_groups"]
    assert len(load_checkpoint(tmp_path / "c")) == 4


def test_resuming_needs_training_state(ckpt):
    with pytest.raises(CheckpointError, match="training.pt.*cannot be resumed"):
        load_checkpoint(ckpt, training_state=True)


def test_checkpoint_without_manifest_still_loads(tmp_path, vocab):
    """The layout the code before the manifest wrote."""
    model, old = small(), tmp_path / "old"
    old.mkdir()
    torch.save(model.state_dict(), old / "model.pt")
    (old / "model.json").write_text(json.dumps({**describe(model), "meta": {"a": 1}}))
    (old / "vocab.json").write_text(json.dumps({"src": vocab.to_list(), "tgt": vocab.to_list()}))
    assert load_checkpoint(old)[3] == {"a": 1}
    save_checkpoint(old, small("transformer"), vocab, vocab)  # and is replaced like any checkpoint
    assert type(load_checkpoint(old)[0]).__name__ == "TransformerSeq2Seq"


def test_directory_permissions_follow_the_umask(tmp_path, ckpt):
    (tmp_path / "plain").mkdir()
    assert ckpt.stat().st_mode == (tmp_path / "plain").stat().st_mode


# ---------------------------------------------------------------- replacing
@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "fallback"])
def test_overwrite_replaces_the_checkpoint_and_leaves_nothing_behind(tmp_path, vocab, ckpt, monkeypatch, exchange):
    if exchange and checkpoint._renameat2() is None:
        pytest.skip("renameat2 is not available here")
    if not exchange:
        monkeypatch.setattr(checkpoint, "_exchange", lambda a, b: False)
    save_checkpoint(ckpt, small("transformer"), vocab, vocab, {"generation": 2}, training_state={"step": 3})
    model, *_, meta, state = load_checkpoint(ckpt, training_state=True)
    assert type(model).__name__ == "TransformerSeq2Seq" and meta == {"generation": 2} and state == {"step": 3}
    assert os.listdir(tmp_path) == ["ckpt"]
    save_checkpoint(ckpt, small(), vocab, vocab)  # training.pt of the previous one is gone
    assert sorted(os.listdir(ckpt)) == FILES and os.listdir(tmp_path) == ["ckpt"]


def test_save_into_an_empty_directory_and_a_new_parent(tmp_path, vocab, ckpt):
    (tmp_path / "empty").mkdir()
    for fine in (tmp_path / "empty", tmp_path / "runs" / "gru", ckpt):
        check_out_dir(fine)
    save_checkpoint(tmp_path / "empty", small(), vocab, vocab)
    save_checkpoint(tmp_path / "runs" / "gru", small(), vocab, vocab)
    assert load_checkpoint(tmp_path / "empty") and load_checkpoint(tmp_path / "runs" / "gru")
    assert sorted(os.listdir(tmp_path)) == ["ckpt", "empty", "runs"] and os.listdir(tmp_path / "runs") == ["gru"]


def test_save_through_a_symlink_replaces_its_target(tmp_path, vocab, ckpt):
    (tmp_path / "link").symlink_to(ckpt)
    save_checkpoint(tmp_path / "link", small(), vocab, vocab, {"generation": 2})
    assert (tmp_path / "link").is_symlink() and load_checkpoint(ckpt)[3] == {"generation": 2}


def test_renameat2_exchange_swaps_two_directories(tmp_path):
    if checkpoint._renameat2() is None:
        pytest.skip("renameat2 is not available here")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    assert checkpoint._exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b" / "x").read_text() == "a" and not os.listdir(tmp_path / "a")


# ---------------------------------------------------------------- refusing
def test_refuses_to_replace_a_file(tmp_path, vocab):
    (tmp_path / "out").write_text("precious")
    with pytest.raises(CheckpointError, match="out: exists and is not a directory.*another --out"):
        check_out_dir(tmp_path / "out")
    with pytest.raises(CheckpointError, match="out: exists and is not a directory.*another --out"):
        save_checkpoint(tmp_path / "out", small(), vocab, vocab)
    assert (tmp_path / "out").read_text() == "precious" and os.listdir(tmp_path) == ["out"]


@pytest.mark.parametrize("with_checkpoint", [False, True])
def test_refuses_a_directory_that_holds_other_files(tmp_path, vocab, with_checkpoint):
    out = tmp_path / "out"
    if with_checkpoint:
        save_checkpoint(out, small(), vocab, vocab)
    out.mkdir(exist_ok=True)
    (out / "notes.txt").write_text("precious")
    before = contents(out)
    with pytest.raises(CheckpointError, match="not a checkpoint.*notes.txt.*another --out or remove it"):
        check_out_dir(out)
    with pytest.raises(CheckpointError, match="not a checkpoint.*notes.txt.*another --out or remove it"):
        save_checkpoint(out, small(), vocab, vocab)
    assert contents(out) == before and os.listdir(tmp_path) == ["out"]


def test_meta_that_is_not_json(tmp_path, vocab, ckpt):
    before = contents(ckpt)
    with pytest.raises(CheckpointError, match="model.json: meta cannot be written as JSON"):
        save_checkpoint(ckpt, small(), vocab, vocab, {"device": torch.device("cpu")})
    assert contents(ckpt) == before and os.listdir(tmp_path) == ["ckpt"]


# ---------------------------------------------------------------- interruptions
def interrupt_torch_save_on_call(monkeypatch, n: int):
    calls, real = [], torch.save

    def save(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(torch, "save", save)


@pytest.mark.parametrize("where", ["writing", "moving"])
def test_interrupted_overwrite_keeps_the_old_checkpoint(tmp_path, vocab, ckpt, monkeypatch, where):
    before = contents(ckpt)
    if where == "writing":  # model.pt is written, training.pt is not
        interrupt_torch_save_on_call(monkeypatch, 2)
    else:
        monkeypatch.setattr(checkpoint, "_exchange", lambda a, b: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(ckpt, small(), vocab, vocab, {"generation": 2}, training_state={"step": 1})
    assert contents(ckpt) == before and os.listdir(tmp_path) == ["ckpt"]
    assert load_checkpoint(ckpt)[3] == {"generation": 1}


def test_interrupted_first_save_creates_nothing(tmp_path, vocab, monkeypatch):
    interrupt_torch_save_on_call(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "new", small(), vocab, vocab)
    assert os.listdir(tmp_path) == []


KILLED_SAVER = textwrap.dedent("""
    import sys, torch
    from seq2seq_lib.checkpoint import save_checkpoint
    from seq2seq_lib.models import build_model
    from seq2seq_lib.tasks import task_vocab
    vocab, model = task_vocab(10), build_model("gru", 14, 14, emb_dim=256, hidden_size=512)
    print("ready", flush=True)
    for generation in range(2, 10**6):
        with torch.no_grad():
            for p in model.parameters():
                p.fill_(generation)
        save_checkpoint(sys.argv[1], model, vocab, vocab, {"generation": generation})
""")


def test_kill_during_save_leaves_old_or_new_checkpoint(tmp_path, vocab, ckpt):
    with torch.no_grad():  # the parent's checkpoint follows the same rule: every weight == generation
        model = small()
        for p in model.parameters():
            p.fill_(1)
    save_checkpoint(ckpt, model, vocab, vocab, {"generation": 1})
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, str(ckpt)], stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(random.uniform(0.02, 0.25))  # each save takes some tens of milliseconds
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    model, _, _, meta = load_checkpoint(ckpt)
    assert all(torch.all(p == meta["generation"]) for p in model.parameters())
    # kill -9 leaves the unfinished temporary directory (and nothing else) behind
    assert all(name == "ckpt" or name.startswith(".ckpt.tmp-") for name in os.listdir(tmp_path))


# ---------------------------------------------------------------- damaged checkpoints
def rewrite_json(path: Path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def wrong_shape(d: Path):
    state = torch.load(d / "model.pt", weights_only=True)
    key = next(iter(state))
    state[key] = torch.zeros(*state[key].shape[:-1], state[key].shape[-1] + 1)
    torch.save(state, d / "model.pt")


DAMAGES = {  # name: (damage, file named in the message, detail when there is no manifest)
    "model.pt missing": (lambda d: (d / "model.pt").unlink(), "model.pt", "missing model.pt"),
    "vocab.json missing": (lambda d: (d / "vocab.json").unlink(), "vocab.json", "missing vocab.json"),
    "model.pt truncated": (lambda d: (d / "model.pt").write_bytes((d / "model.pt").read_bytes()[:300]),
                           "model.pt", "torch.load"),
    "model.pt garbage": (lambda d: (d / "model.pt").write_bytes(b"not a zip"), "model.pt", "torch.load"),
    "model.json truncated": (lambda d: (d / "model.json").write_text("{"), "model.json", "not valid JSON"),
    "model.json a list": (lambda d: (d / "model.json").write_text("[]"), "model.json", "lacks 'class', 'config'"),
    "vocab.json truncated": (lambda d: (d / "vocab.json").write_text('{"src": ['), "vocab.json", "not valid JSON"),
    "vocab.json no tgt": (lambda d: rewrite_json(d / "vocab.json", lambda v: v.pop("tgt")), "vocab.json", "'tgt'"),
    "vocab size": (lambda d: rewrite_json(d / "vocab.json", lambda v: v["src"].pop()), "vocab.json",
                   "13 tokens but model.json says src_vocab_size=14"),
    "weight shape": (wrong_shape, "model.pt", "encoder.embedding.weight' has shape (14, 9)"),
    "unknown class": (lambda d: rewrite_json(d / "model.json", lambda i: i.update({"class": "RNN"})),
                      "model.json", "unknown model class 'RNN'"),
    "unknown config key": (lambda d: rewrite_json(d / "model.json", lambda i: i["config"].update(colour=1)),
                           "model.json", "['colour'] are not options of RNNConfig"),
}


@pytest.mark.parametrize("manifest", [True, False], ids=["manifest", "no-manifest"])
@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_checkpoint_names_the_file(ckpt, damage, manifest):
    change, name, detail = DAMAGES[damage]
    if not manifest:
        (ckpt / "checkpoint.json").unlink()
    change(ckpt)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(ckpt)
    message = str(info.value)
    assert name in message and "\n" not in message
    if not manifest:
        assert detail in message
    elif "missing" not in damage:
        assert "manifest" in message


@pytest.mark.parametrize("text,detail", [("{", "not valid JSON"), ('{"version": 99, "files": {}}', "newer"),
                                         ('{"version": 1, "files": []}', "'files'")])
def test_damaged_manifest(ckpt, text, detail):
    (ckpt / "checkpoint.json").write_text(text)
    with pytest.raises(CheckpointError, match=f"checkpoint.json.*{detail}"):
        load_checkpoint(ckpt)


def test_missing_training_state_listed_in_the_manifest(tmp_path, vocab):
    save_checkpoint(tmp_path / "c", small(), vocab, vocab, training_state={"step": 1})
    (tmp_path / "c" / "training.pt").unlink()
    with pytest.raises(CheckpointError, match="training.pt: missing, though the manifest lists it"):
        load_checkpoint(tmp_path / "c")


def test_load_what_is_not_a_checkpoint(tmp_path, ckpt):
    with pytest.raises(CheckpointError, match="nope: does not exist"):
        load_checkpoint(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CheckpointError, match="file: is a file"):
        load_checkpoint(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="not a checkpoint directory"):
        load_checkpoint(tmp_path / "empty")
    leftover = tmp_path / ".ckpt.tmp-1234abcd"
    shutil.copytree(ckpt, leftover)
    with pytest.raises(CheckpointError, match=r"tmp-1234abcd: is a temporary directory .* load .*ckpt instead"):
        load_checkpoint(leftover)


def test_training_state_that_weights_only_cannot_load_is_refused_at_save(tmp_path, vocab, ckpt):
    np = pytest.importorskip("numpy")
    before = contents(ckpt)
    with pytest.raises(CheckpointError, match="training.pt: torch.load.*Unsupported global.*numpy"):
        save_checkpoint(ckpt, small(), vocab, vocab, training_state={"numpy_random": np.random.get_state()})
    assert contents(ckpt) == before and os.listdir(tmp_path) == ["ckpt"]


def test_leftover_from_the_fallback_when_the_checkpoint_is_gone(tmp_path, ckpt):
    leftover = tmp_path / ".ckpt.old-1234abcd"
    ckpt.rename(leftover)
    with pytest.raises(CheckpointError, match=r"rename it to .*ckpt if it holds a checkpoint.json"):
        load_checkpoint(leftover)
