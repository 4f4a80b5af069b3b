"""bench rope: rotary position embeddings, the table path against the readable complex-number path.

The readable path (``blocks.rotate_readable``, ``fast=False``) writes RoPE as in the paper: the
2x2 rotation of each pair of dimensions, with the cosines and sines of the angles computed at every
call, on the even and odd (strided) halves of the vectors. The fast path (``Rotary(fast=True)``)
sees each pair as one complex number and multiplies it by ``exp(i m theta)`` read from a table built
once. Both rotate the queries of a batch of 64 sequences of 75 positions, 4 heads of 32 dimensions
(the default decoder-only text recipe), laid out as the attention makes them (a transposed view);
they must agree to 1e-5. Printed: the ratio readable / fast (higher: the fast path wins).
"""

from __future__ import annotations

import torch
from common import best_time, report

from seq2seq_lib.blocks import Rotary


def measure(batch: int = 64, length: int = 75, heads: int = 4, d_k: int = 32) -> None:
    torch.manual_seed(0)
    rope = Rotary(d_k, 256)
    x = torch.randn(batch, length, heads, d_k).transpose(1, 2)  # as SelfAttention.project makes q
    positions = torch.arange(length).expand(batch, length)
    with torch.no_grad():
        same = torch.allclose(rope(x, positions), rope(x, positions, fast=False), atol=1e-5)
        if not same:
            raise SystemExit("the fast and readable rotary paths disagree")
        reference = best_time(lambda: rope(x, positions, fast=False), repeats=20)
        new = best_time(lambda: rope(x, positions), repeats=20)
    report("rope", reference, new, batch=batch, length=length, heads=heads, d_k=d_k, same=same,
           device="cpu", threads=torch.get_num_threads())


if __name__ == "__main__":
    measure()
