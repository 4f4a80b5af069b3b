"""The command line as a new user meets it: bad options, bad files, interruptions, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from seq2seq_lib import commands
from seq2seq_lib import trainer as trainer_module
from seq2seq_lib.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--task", "reversal", "--model", "gru", "--train-size", "200", "--max-len", "6", "--epochs", "2",
        "--hidden-size", "16", "--emb-dim", "8", "--batch-size", "32", "--quiet"]


def run(argv, capsys) -> tuple[int, str]:
    """Exit status and stderr of one command line (argparse errors included)."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("ckpt") / "gru"
    assert main(["train", *TINY, "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("flags,message", [
    (["--epochs", "0"], "0 is out of range: must be >= 1"),
    (["--batch-size", "many"], "'many' is not an integer"),
    (["--lr", "-0.1"], "must be > 0"),
    (["--dropout", "1"], "must be >= 0 and < 1"),
    (["--label-smoothing", "-0.5"], "must be >= 0 and < 1"),
    (["--max-minutes", "0"], "must be > 0"),
    (["--save-every", "-1"], "must be > 0"),
    (["--min-len", "0"], "must be >= 1"),
    (["--vocab-size", "1"], "must be >= 2"),
    (["--seed", "-3"], "must be >= 0"),
    (["--min-len", "9", "--max-len", "3"], "--min-len 9 is larger than --max-len 3"),
    (["--device", "gpu7"], "'gpu7' is not a device"),
    (["--device", "cuda:9"], "cuda"),
])
def test_out_of_range_options_name_the_range(tmp_path, capsys, flags, message):
    if flags[:2] == ["--device", "cuda:9"] and torch.cuda.device_count() > 9:
        pytest.skip("this machine has ten GPUs")
    code, err = run(["train", *TINY, *flags, "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and message in err, err
    assert not (tmp_path / "o").exists()


def test_a_config_that_cannot_be_built_is_refused_before_training(tmp_path, capsys):
    code, err = run(["train", "--task", "reversal", "--model", "transformer", "--d-model", "16", "--heads", "3",
                     "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "divisible by n_heads" in err


def test_evaluate_and_translate_options(checkpoint, tmp_path, capsys):
    assert run(["evaluate", "--checkpoint", str(checkpoint), "--task", "reversal", "--beam", "0"], capsys)[0] == 2
    code, err = run(["evaluate", "--checkpoint", str(checkpoint)], capsys)
    assert code == 2 and "needs --task or --data" in err
    code, err = run(["evaluate", "--checkpoint", str(checkpoint), "--task", "reversal", "--predictions",
                     str(tmp_path)], capsys)
    assert code == 2 and "is a directory" in err
    code, err = run(["translate", "--checkpoint", str(tmp_path / "nowhere"), "1 2 3"], capsys)
    assert code == 2 and "nowhere" in err
    code, err = run(["translate", "--checkpoint", str(checkpoint), "--device", "cuda:9", "1 2"], capsys)
    assert code == 2 and "cuda" in err


def test_an_out_that_is_a_file_or_holds_other_data_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "file").write_text("precious")
    code, err = run(["train", *TINY, "--out", str(tmp_path / "file")], capsys)
    assert code == 2 and "file" in err
    assert (tmp_path / "file").read_text() == "precious"
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "thesis.txt").write_text("precious")
    code, err = run(["train", *TINY, "--out", str(tmp_path / "notes")], capsys)
    assert code == 2 and "notes" in err
    assert os.listdir(tmp_path / "notes") == ["thesis.txt"]


@pytest.mark.parametrize("damage,name", [("truncate", "model.pt"), ("json", "model.json"),
                                         ("vocab", "vocab.json"), ("missing", "vocab.json")])
def test_a_damaged_checkpoint_gives_one_line_naming_the_file(checkpoint, tmp_path, capsys, damage, name):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in checkpoint.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    target = broken / name
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "json":
        target.write_text("{")
    elif damage == "vocab":
        vocabs = json.loads(target.read_text())
        vocabs["tgt"] = vocabs["tgt"][:-1]  # one token fewer than the weights have
        target.write_text(json.dumps(vocabs))
    else:
        target.unlink()
    for argv in (["evaluate", "--checkpoint", str(broken), "--task", "reversal"],
                 ["translate", "--checkpoint", str(broken), "1 2 3"]):
        code, err = run(argv, capsys)
        assert code == 2 and name in err and len(err.strip().splitlines()) == 1, err


def test_a_bug_prints_one_line_and_debug_shows_the_traceback(checkpoint, monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("something broke")

    monkeypatch.setattr(commands, "evaluate_command", boom)
    code, err = run(["evaluate", "--checkpoint", str(checkpoint), "--task", "reversal"], capsys)
    assert code == 1 and "RuntimeError: something broke (run with --debug" in err
    with pytest.raises(RuntimeError):
        main(["evaluate", "--checkpoint", str(checkpoint), "--task", "reversal", "--debug"])


def test_ctrl_c_saves_and_resume_ends_with_the_weights_of_a_straight_run(tmp_path, monkeypatch, capsys):
    assert main(["train", *TINY, "--out", str(tmp_path / "straight")]) == 0
    straight = torch.load(tmp_path / "straight" / "model.pt")
    capsys.readouterr()

    real, calls = trainer_module.train_step, []

    def step(*args, **kwargs):
        loss = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 9:  # mid-epoch 2 of 2 (7 batches an epoch)
            signal.raise_signal(signal.SIGINT)
        return loss

    monkeypatch.setattr(trainer_module, "train_step", step)
    out = tmp_path / "run"
    code, err = run(["train", *TINY, "--out", str(out)], capsys)
    assert code == 130 and f"train --resume {out}" in err and len(err.strip().splitlines()) == 1
    monkeypatch.undo()
    code, err = run(["train", "--resume", str(out), "--model", "lstm"], capsys)
    assert code == 2 and "drop --model" in err
    assert main(["train", "--resume", str(out), "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["epochs"] == 2 and summary["steps"] == 14
    resumed = torch.load(out / "model.pt")
    assert all(torch.equal(resumed[k], straight[k]) for k in straight)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "straight"]  # no temporary directory left
    assert main(["train", "--resume", str(out), "--epochs", "3", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["epochs"] == 3


def test_resume_needs_a_training_state(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    code, err = run(["train", "--resume", str(tmp_path / "x")], capsys)
    assert code == 2 and "x" in err


def test_sigint_to_a_real_process_exits_130_without_a_traceback(tmp_path):
    out = tmp_path / "run"
    argv = [sys.executable, "-m", "seq2seq_lib", "train", "--task", "reversal", "--model", "gru",
            "--train-size", "20000", "--epochs", "20", "--hidden-size", "16", "--emb-dim", "8", "--out", str(out)]
    proc = subprocess.Popen(argv, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    seen, deadline = "", time.time() + 60
    while "training" not in seen and time.time() < deadline:  # the progress bar: fit has started
        seen += proc.stderr.read(1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and f"train --resume {out}" in err
    assert (out / "training.pt").is_file()
