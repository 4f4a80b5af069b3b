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

Why 2.5 is out of reach on this 2-core CPU (seconds an epoch, quiet machine;
*shared* = the encoder's forward and backward plus Adam, the same in both arms;
*bound* = the ratio if the fast decoder cost nothing, loop / shared):

    config          loop    fast   shared   decoder fwd+bwd   bound   ratio
                                             fast / loop
    gru  128 b128   0.230   0.191  0.087    0.103 / 0.138     2.65    1.18-1.24
    lstm 128 b128   0.273   0.206  0.103    0.097 / 0.161     2.65    1.31-1.39
    lstm  64 b32    0.324   0.147  0.085    0.050 / 0.229     3.83    2.21-2.32
    gru   64 b32    0.313   0.208  0.105    0.094 / 0.193     2.97    1.48-1.49

At hidden 128, 2.5 would need the fast decoder under 5 ms (GRU) or 6 ms (LSTM).
But its matmuls (input and recurrent, forward and both gradients) are 3.5 and
4.7 GMAC an epoch: at least 46 and 61 ms at the 77 GMAC/s of this CPU's best
matmul. Both arms do all of them; the one call saves only the loop's Python and
its per-step output layer (35 and 64 ms). At hidden 64, batch 32, the decoder is
per-call overhead. The LSTM's one call is already one oneDNN kernel forward and
one backward per batch (50 ms; 2.5 needs 45). The GRU has no fused CPU kernel:
ATen runs about fourteen small ops per step and autograd fifteen backward nodes
(94 ms; 2.5 needs 20). Tried and dropped: projecting the constant context's
share of the GRU input once per sequence (a hand-written recurrence, 6% faster);
running the encoder on groups of equal length instead of packing (+7% for the
LSTM at 128, nothing or worse otherwise).
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
