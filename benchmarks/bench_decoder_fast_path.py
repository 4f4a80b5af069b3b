"""bench decoder-fast-path: training throughput of the one-call decoder vs the step loop.

Same model, same batches, a full training step (forward, backward, Adam). The
reference runs the decoder RNN one target position at a time in Python; the
fast path runs it as one call over the whole target (possible because with
full teacher forcing every decoder input is known in advance). Target: >= 2.5.

On a CPU the ratio depends on how much of the step the decoder's recurrence is:
the encoder, the output layer and the optimiser cost the same in both arms.
PyTorch's CPU LSTM has a fused whole-sequence kernel (oneDNN); its GRU does not,
so the GRU gains less. Several sizes are printed; the first two are the
library's default reversal models.
"""

from __future__ import annotations

import torch
from common import best_time, report

from seq2seq_lib import Seq2SeqDataset, build_model, make_loader, make_pairs, seed_everything, task_vocab
from seq2seq_lib.metrics import sequence_nll

CONFIGS = [  # (cell, hidden, batch, context_every_step)
    ("gru", 128, 128, True), ("lstm", 128, 128, True), ("lstm", 64, 32, False), ("gru", 64, 32, False),
]


def measure(cell: str, hidden: int, batch_size: int, context: bool) -> None:
    seed_everything(0)
    vocab = task_vocab(10)
    pairs = make_pairs(1024, vocab_size=10, min_len=4, max_len=12, seed=0)
    batches = list(make_loader(Seq2SeqDataset.from_pairs(pairs, vocab, vocab), batch_size, bucket=True))
    tokens = sum(b.n_tokens for b in batches)
    model = build_model(cell, len(vocab), len(vocab), emb_dim=64, hidden_size=hidden, context_every_step=context)
    opt = torch.optim.Adam(model.parameters(), 1e-4)

    def epoch(fast: bool):
        def run():
            for b in batches:
                loss = sequence_nll(model(b.src, b.src_lens, b.tgt_in, fast=fast), b.tgt_out) / b.n_tokens
                opt.zero_grad()
                loss.backward()
                opt.step()
        return run

    loop = best_time(epoch(False), repeats=3)
    fast = best_time(epoch(True), repeats=3)
    report("decoder-fast-path", loop, fast, model=cell, hidden=hidden, batch=batch_size,
           loop_tok_s=f"{tokens / loop:.0f}", fast_tok_s=f"{tokens / fast:.0f}", target=2.5,
           device="cpu", threads=torch.get_num_threads())


if __name__ == "__main__":
    for config in CONFIGS:
        measure(*config)
