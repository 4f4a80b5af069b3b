"""bench kv-cache: Transformer greedy decoding with a key/value cache vs recomputing the prefix.

At step ``t`` a decoder without a cache runs every layer over all ``t`` target
positions again, although the keys and values of positions ``< t`` have not
changed: ``O(t^2)`` work per sentence. With the cache (``model.kv_cache = True``,
the default) each step computes the new position only and attends to the cached
keys and values. Greedy decoding (the library's ``greedy_decode``) of 50 tokens
for a batch of 64 sources of 25 tokens, on the CPU; both arms must emit the
same tokens. ``<eos>`` is disabled so that every run decodes exactly N tokens.
The model is the size of the CLI's default Transformer for text data (``--data``,
sentences); a last line repeats the measurement with the smaller reversal model.
Target: >= 5 at batch 64 and 50 tokens. Also printed: batch 1, and 25 and 100 tokens.

Where the time went, and what changed (2 CPU cores, quiet machine, three runs of
this script before and after): the cached arm spent about a quarter of each
step in ``torch.cat`` re-copying the growing cache (``O(t)`` per step), about a
fifth in ``F.scaled_dot_product_attention`` called with a single query (~250 us a
call: its fused kernel pays off only for many queries), and copied the
non-contiguous cross-attention keys and values at every step. Now the cache grows
in place (``attention.append_position``), one query attends with plain matmuls
(``attention.attend_one``) and ``encode`` makes the cross keys contiguous once.
Batch 64, 50 tokens: 5.43 / 5.38 / 5.15 before, 6.09 / 6.04 / 5.81 after (a
loaded ``make bench`` had printed 3.10); 100 tokens: 9.1-9.5 before, 11.5-13.0 after.

What bounds the other lines is the fixed cost of a PyTorch call (2-15 us here,
whatever the tensor size). A cached step is 126 calls (17 of them linear layers,
about half of its time at batch 64); a recompute step is 96 calls that work on
all ``t`` positions at once. Where recomputing the prefix is cheap, the ratio is
that of call counts, not of arithmetic: at batch 1 (1.37-1.41, before and after)
the recompute arm costs only ~0.5 ms more per step than the ~1.3 ms cached step;
with 25 tokens 3.0-3.2 before, 3.1-3.4 after; the reversal model (d_model 64: its
matmuls are 4x cheaper, its 126 calls are not) 3.3-3.7 before, 3.9-4.0 after.
"""

from __future__ import annotations

import torch
from common import best_time, report

from seq2seq_lib import build_model, greedy_decode, seed_everything
from seq2seq_lib.recipes import RECIPES
from seq2seq_lib.vocab import EOS


def measure(batch: int = 64, tokens: int = 50, src_len: int = 25, recipe: str = "data") -> None:
    seed_everything(0)
    size = {**RECIPES[(recipe, "transformer")]["model"], "dropout": 0.0}
    model = build_model("transformer", 14, 14, **size).eval()
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
    repeats = 5 if tokens <= 50 else 2
    reference = best_time(lambda: run(False), repeats=repeats)
    new = best_time(lambda: run(True), repeats=repeats)
    report("kv-cache", reference, new, batch=batch, tokens=tokens, src_len=src_len, same_tokens=same,
           model=f"d_model={size['d_model']},layers={size['num_layers']},d_ff={size['d_ff']}",
           target=5 if (batch, tokens) == (64, 50) else "-", device="cpu", threads=torch.get_num_threads())


if __name__ == "__main__":
    measure()
    measure(batch=1)
    measure(tokens=25)
    measure(tokens=100)
    measure(recipe="reversal")
