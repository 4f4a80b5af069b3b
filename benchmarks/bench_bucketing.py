"""bench bucketing: training throughput with length-bucketed vs random batches.

A mixed-length reversal set (lengths 2 to 40); the same model and the same
examples, batched at random (reference) or by similar length (the library's
``BucketBatchSampler``). Throughput counts real target tokens per second of
full training steps (forward, backward, Adam). Bucketed batches carry less
padding and, when all lengths in a batch are equal, skip packing. Also prints
the padding fraction of both loaders. Target: >= 1.2.
"""

from __future__ import annotations

import torch
from common import best_time, report

from seq2seq_lib import Seq2SeqDataset, build_model, make_loader, make_pairs, padding_fraction, task_vocab
from seq2seq_lib.train import train_step
from seq2seq_lib.utils import seed_everything


def measure(name: str, batch_size: int = 64, n: int = 2048) -> None:
    seed_everything(0)
    vocab = task_vocab(10)
    data = Seq2SeqDataset.from_pairs(make_pairs(n, vocab_size=10, min_len=2, max_len=40, seed=0), vocab, vocab)
    loaders = {kind: make_loader(data, batch_size, shuffle=True, bucket=kind == "bucketed", seed=0)
               for kind in ("random", "bucketed")}
    batches = {kind: list(loader) for kind, loader in loaders.items()}
    tokens = sum(b.n_tokens for b in batches["random"])
    model = build_model(name, len(vocab), len(vocab), emb_dim=64, hidden_size=128)
    opt = torch.optim.Adam(model.parameters(), 1e-4)

    def epoch(kind):
        def run():
            for b in batches[kind]:
                train_step(model, b, opt)
        return run

    random_s = best_time(epoch("random"), repeats=2)
    bucket_s = best_time(epoch("bucketed"), repeats=2)
    report("bucketing", random_s, bucket_s, model=name, batch=batch_size, lengths="2-40",
           random_tok_s=f"{tokens / random_s:.0f}", bucketed_tok_s=f"{tokens / bucket_s:.0f}",
           padding_random=f"{padding_fraction(loaders['random']):.3f}",
           padding_bucketed=f"{padding_fraction(loaders['bucketed']):.3f}",
           target=1.2, device="cpu", threads=torch.get_num_threads())


if __name__ == "__main__":
    measure("gru")
    measure("luong-general")
