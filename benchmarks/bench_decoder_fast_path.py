"""bench decoder-fast-path: training throughput of the one-call decoder vs the step loop.

Same GRU model, same batches, a full training step (forward, backward, Adam).
The reference runs the decoder RNN one target position at a time in Python;
the fast path runs it as one call over the whole target (possible because with
full teacher forcing every decoder input is known in advance). Target: >= 2.5 on CPU.
"""

from __future__ import annotations

import torch
from common import best_time, report

from seq2seq_lib import Seq2SeqDataset, build_model, make_loader, make_pairs, seed_everything, task_vocab


def main() -> None:
    seed_everything(0)
    vocab = task_vocab(20)
    pairs = make_pairs(1024, vocab_size=20, min_len=4, max_len=12, seed=0)
    batches = list(make_loader(Seq2SeqDataset.from_pairs(pairs, vocab, vocab), 128, bucket=True))
    tokens = sum(b.n_tokens for b in batches)
    model = build_model("gru", len(vocab), len(vocab), emb_dim=64, hidden_size=256)
    opt = torch.optim.Adam(model.parameters(), 1e-4)

    def epoch(fast: bool):
        def run():
            for b in batches:
                logits = model(b.src, b.src_lens, b.tgt_in, fast=fast)
                loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), b.tgt_out.flatten(), ignore_index=0)
                opt.zero_grad()
                loss.backward()
                opt.step()
        return run

    loop = best_time(epoch(False), repeats=3)
    fast = best_time(epoch(True), repeats=3)
    report("decoder-fast-path", loop, fast, loop_tok_s=f"{tokens / loop:.0f}", fast_tok_s=f"{tokens / fast:.0f}",
           target=2.5, threads=torch.get_num_threads())


if __name__ == "__main__":
    main()
