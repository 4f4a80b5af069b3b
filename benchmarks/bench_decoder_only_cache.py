"""bench decoder-only-cache: decoder-only greedy decoding with its key/value cache vs recomputing.

Without a cache, step ``t`` runs the whole stack again over the source and the ``t`` target
tokens so far. With it (``model.kv_cache = True``, the default), ``encode`` runs the source
(the prefix) once and keeps every layer's keys and values of it; each step then computes one
new position, reading the prefix's keys and the target's own growing cache. Greedy decoding
(``greedy_decode``) of 50 tokens after a 25-token source for a batch of 64, on the CPU; both arms
must emit the same tokens (``<eos>`` is disabled, so every run decodes exactly 50). The model is
the size of the CLI's default decoder-only recipe for text data. Target: >= 5. Also printed: the
cache's size in MB at the end of decoding, and the same at batch 1.
"""

from __future__ import annotations

import torch
from common import best_time, report

from seq2seq_lib import build_model, greedy_decode, seed_everything
from seq2seq_lib.recipes import RECIPES
from seq2seq_lib.vocab import EOS


def measure(batch: int = 64, tokens: int = 50, src_len: int = 25) -> None:
    seed_everything(0)
    size = {**RECIPES[("data", "decoder-only")]["model"], "dropout": 0.0, "tie_embeddings": False}
    model = build_model("decoder-only", 14, 14, **size).eval()
    with torch.no_grad():
        model.generator.bias[EOS] = -1e9  # never stop: decode exactly `tokens` tokens
    src = torch.randint(4, 14, (batch, src_len))
    lens = torch.full((batch,), src_len)

    def run(cache: bool):
        model.kv_cache = cache
        return greedy_decode(model, src, lens, max_len=tokens).tokens

    same = torch.equal(run(True), run(False))
    if not same:
        raise SystemExit("cached and recomputed decoding gave different tokens")
    reference = best_time(lambda: run(False), repeats=3)
    new = best_time(lambda: run(True), repeats=3)
    report("decoder-only-cache", reference, new, batch=batch, tokens=tokens, src_len=src_len, same_tokens=same,
           model=f"d_model={size['d_model']},layers={size['num_layers']},d_ff={size['d_ff']}",
           cache_mb=f"{model.cache_bytes(batch, src_len + tokens) / 2**20:.1f}",
           target=5 if (batch, tokens) == (64, 50) else "-", device="cpu", threads=torch.get_num_threads())


if __name__ == "__main__":
    measure()
    measure(batch=1)
