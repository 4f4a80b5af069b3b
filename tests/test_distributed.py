"""Data parallelism (two CPU processes on gloo) and mixed precision: the same results as one process."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from seq2seq_lib import Seq2SeqDataset, build_model, make_loader, make_pairs, sequence_nll, task_vocab, train_step
from seq2seq_lib.cli import main
from seq2seq_lib.distributed import DistEnv, MixedPrecision

ROOT = Path(__file__).resolve().parents[1]
TINY = ["train", "--task", "reversal", "--model", "gru", "--train-size", "64", "--valid-size", "50",
        "--max-len", "8", "--epochs", "5", "--batch-size", "32", "--hidden-size", "16", "--emb-dim", "8",
        "--lr", "1e-2", "--quiet"]


def a_batch(n=9, seed=0):
    vocab = task_vocab(10)
    data = Seq2SeqDataset.from_pairs(make_pairs(n, 10, 2, 9, seed=seed), vocab, vocab)
    return next(iter(make_loader(data, n)))


def fake_rank(rank, world=2):
    return DistEnv(rank, world, rank, torch.device("cpu"), "gloo")


def test_shards_cover_the_batch_and_are_trimmed():
    batch = a_batch(9)
    shards = [fake_rank(r).shard(batch) for r in range(2)]
    assert [len(s) for s, _ in shards] == [5, 4] and [w for _, w in shards] == [1.0, 1.0]
    assert sum(s.n_tokens for s, _ in shards) == batch.n_tokens
    for s, _ in shards:  # padded like collate would: the longest row of the shard has no padding
        assert s.src.size(1) == int(s.src_lens.max()) and s.tgt_out.size(1) == int(s.tgt_lens.max())
    torch.testing.assert_close(torch.cat([s.src_lens for s, _ in shards]), batch.src_lens)
    lone, weight = fake_rank(1).shard(a_batch(1))  # fewer rows than ranks: a stand-in row of weight 0
    assert len(lone) == 1 and weight == 0.0


@pytest.mark.parametrize("name", ["gru", "transformer"])
def test_global_token_normalisation_gives_the_single_process_gradient(name):
    """What DDP computes (the mean over ranks of the shard gradients of nll * W / N_global)
    equals the gradient of the whole batch's per-token mean, though the shards' token counts differ."""
    batch, world = a_batch(9), 3
    torch.manual_seed(0)
    size = {"d_model": 16, "n_heads": 2, "num_layers": 1, "d_ff": 32, "dropout": 0.0} if name == "transformer" else \
        {"hidden_size": 16, "emb_dim": 8}
    model = build_model(name, 14, 14, **size)

    def grads(b, scale):
        model.zero_grad()
        (sequence_nll(model(b.src, b.src_lens, b.tgt_in), b.tgt_out) * scale).backward()
        return [p.grad.clone() for p in model.parameters()]

    whole = grads(batch, 1 / batch.n_tokens)
    shards = [fake_rank(r, world).shard(batch)[0] for r in range(world)]
    assert len({s.n_tokens for s in shards}) > 1, "the test needs shards with different token counts"
    per_rank = [grads(s, world / batch.n_tokens) for s in shards]
    for i, g in enumerate(whole):
        torch.testing.assert_close(sum(r[i] for r in per_rank) / world, g, atol=1e-6, rtol=1e-5)


def test_distributed_without_torchrun_names_the_fix(tmp_path, capsys, monkeypatch):
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    assert main([*TINY, "--out", str(tmp_path / "o"), "--distributed"]) == 2
    err = capsys.readouterr().err
    assert "launch with torchrun --nproc_per_node N -m seq2seq_lib train" in err and "RANK" in err
    assert not (tmp_path / "o").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_processes_match_one_process(tmp_path, capsys):
    """Two ranks started the way torchrun starts them (its environment variables), each told to
    write to its own directory: the losses and weights equal a one-process run, and only rank 0
    writes a checkpoint and prints the summary. A (huge) time budget makes the ranks agree on
    rank 0's clock at every step, and keeps the best epoch, which rank 0 alone validates."""
    port, procs, args = free_port(), [], [*TINY, "--max-minutes", "1e6"]
    for rank in range(2):
        env = {**os.environ, "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2",
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1"}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "seq2seq_lib", *args, "--distributed", "--out", str(tmp_path / f"rank{rank}")],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    assert main([*args, "--out", str(tmp_path / "single")]) == 0  # meanwhile, in this process
    single = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    assert outs[1][0].strip() == "" and not (tmp_path / "rank1").exists(), "only rank 0 writes"
    multi = json.loads(outs[0][0].strip().splitlines()[-1])
    meta = [json.loads((tmp_path / d / "model.json").read_text())["meta"] for d in ("single", "rank0")]
    assert meta[1]["processes"] == 2
    losses = [[row["train_loss"] for row in m["history"]] for m in meta]
    assert len(losses[0]) == 5
    assert max(abs(a - b) for a, b in zip(*losses)) < 1e-5, losses
    weights = [torch.load(tmp_path / d / "model.pt", weights_only=True) for d in ("single", "rank0")]
    for key, value in weights[0].items():
        torch.testing.assert_close(weights[1][key], value, atol=1e-5, rtol=1e-4)
    assert multi["best_epoch"] == single["best_epoch"] is not None
    assert multi["valid_exact_match"] == single["valid_exact_match"]


def test_amp_on_cpu_is_bf16_autocast_and_fp16_is_refused():
    with pytest.warns(UserWarning, match="bf16 autocast"):
        amp = MixedPrecision("auto", "cpu")
    assert amp.dtype == torch.bfloat16 and not amp.scaler.is_enabled()
    with pytest.raises(ValueError, match="needs CUDA"):
        MixedPrecision("fp16", "cpu")
    with pytest.raises(ValueError, match="unknown mixed-precision mode"):
        MixedPrecision("fp8", "cpu")
    assert MixedPrecision(None).dtype is None

    batch = a_batch(16)
    losses = {}
    for mode in (None, amp):
        torch.manual_seed(0)
        model = build_model("gru", 14, 14, hidden_size=16, emb_dim=8)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        losses[mode] = [train_step(model, batch, optimizer, amp=mode) for _ in range(3)]
        assert all(p.dtype == torch.float32 for p in model.parameters())  # the weights stay fp32
    assert losses[None][-1] < losses[None][0] and losses[amp][-1] < losses[amp][0]
    # bf16 keeps 8 bits of mantissa: close to fp32, not equal
    assert max(abs(a - b) for a, b in zip(losses[None], losses[amp])) < 0.05


def test_cli_amp_on_cpu_trains(tmp_path, capsys):
    with pytest.warns(UserWarning, match="bf16"):
        assert main([*TINY, "--epochs", "1", "--amp", "--out", str(tmp_path / "amp"), "--device", "cpu"]) == 0
    meta = json.loads((tmp_path / "amp" / "model.json").read_text())["meta"]
    assert meta["amp"] == "auto" and meta["history"][0]["train_loss"] > 0
