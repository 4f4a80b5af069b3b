"""bench batched-beam: beam search over a batch of sentences at once vs one sentence at a time.

``beam_search`` flattens the ``B`` sentences and their ``K`` hypotheses into
``B * K`` rows, so every decoder step is one call for the whole batch. The
reference runs the same function on each sentence alone (``B`` calls of ``K``
rows). Beam 5 over 64 sources of 12 to 20 tokens with the Transformer of the
CLI's text recipe (key/value cache on), untrained: its outputs are random, but
a step costs what a trained model's does. Both arms must return the same
best hypotheses. Target: >= 3 on the CPU.
"""

from __future__ import annotations

import torch
from common import best_time, report

from seq2seq_lib import beam_search, build_model, seed_everything
from seq2seq_lib.recipes import RECIPES


def measure(batch: int = 64, beam: int = 5, max_len: int = 24) -> None:
    seed_everything(0)
    size = {**RECIPES[("data", "transformer")]["model"], "dropout": 0.0}
    model = build_model("transformer", 40, 40, **size).eval()
    g = torch.Generator().manual_seed(0)
    lens = torch.randint(12, 21, (batch,), generator=g)
    src = torch.randint(4, 40, (batch, int(lens.max())), generator=g)
    src[torch.arange(src.size(1))[None, :] >= lens[:, None]] = 0

    def batched():
        return beam_search(model, src, lens, beam_size=beam, max_len=max_len).tokens

    def one_at_a_time():
        return [beam_search(model, src[b:b + 1, :n], lens[b:b + 1], beam_size=beam, max_len=max_len).tokens[0]
                for b, n in enumerate(lens.tolist())]

    same = batched() == one_at_a_time()
    if not same:
        raise SystemExit("batched and one-at-a-time beam search gave different hypotheses")
    reference = best_time(one_at_a_time, repeats=3)
    new = best_time(batched, repeats=3)
    report("batched-beam", reference, new, batch=batch, beam=beam, max_len=max_len, same_hypotheses=same,
           model=f"transformer d_model={size['d_model']}", target=3, device="cpu", threads=torch.get_num_threads())


if __name__ == "__main__":
    measure()
