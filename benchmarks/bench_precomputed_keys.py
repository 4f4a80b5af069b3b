"""bench precomputed-keys: Bahdanau decoding with ``U_a h_j`` computed once per batch vs at every step.

The additive score ``v_a^T tanh(W_a s_{i-1} + U_a h_j)`` has a part, ``U_a h_j``,
that depends only on the encoder outputs. The library computes it once in
``encode`` (``Memory.keys``); the reference recomputes it at every decoder step,
as a direct reading of the formula does. Greedy decoding of a batch of 64
source sequences of length 30 for 31 steps; both arms must emit the same
tokens. Target: >= 1.5.

The ratio is ``(keys + rest) / rest``: only a cheaper *rest* of the step raises it.
Before (1.39-1.43 at batch 64, S=30, three quiet runs) about 40% of the step was
the ``tanh`` of the additive score over ``[B, 1, S, A]`` (PyTorch's CPU ``tanh`` is
~3.5x slower than its ``sigmoid``: 420 vs 120 us on that tensor) and about 23% the
one-step call of the ``nn.GRU`` module. Now the score is computed as
``2 sigmoid(2x) - 1`` (``attention.additive_score``, equal to rounding) and the
step runs ``torch.gru_cell`` on the module's weights (``rnn.rnn_step``, bit for
bit the same): 1.58 / 1.59 / 1.58. (The S=60 line is noisy: 1.6-2.6 before, 1.9-3.2 after.)

Batch 1 (1.09, before and after) cannot reach 1.5: projecting 30 keys costs
30-40 us of a 366 us step, the rest being 32 PyTorch calls (the GRU cell alone
55 us). 1.5 needs the rest under ~75 us, about 2 us a call: below the fixed cost of one call.
"""

from __future__ import annotations

import dataclasses

import torch
from common import best_time, report

from seq2seq_lib import build_model, seed_everything
from seq2seq_lib.vocab import SOS


@torch.no_grad()
def greedy_tokens(model, memory, steps: int) -> torch.Tensor:
    state, prev, out = memory.init_state, torch.full((memory.outputs.size(0),), SOS), []
    for _ in range(steps):
        logits, state, _ = model.decode_step(prev, state, memory)
        prev = logits.argmax(-1)
        out.append(prev)
    return torch.stack(out, 1)


def measure(batch: int = 64, src_len: int = 30, hidden: int = 128) -> None:
    seed_everything(0)
    model = build_model("bahdanau", 14, 14, emb_dim=64, hidden_size=hidden).eval()
    src = torch.randint(4, 14, (batch, src_len))
    with torch.no_grad():
        memory = model.encode(src, torch.full((batch,), src_len))
    per_step = dataclasses.replace(memory, keys=None)  # decode_step then projects the keys itself
    steps = src_len + 1
    same = torch.equal(greedy_tokens(model, memory, steps), greedy_tokens(model, per_step, steps))
    if not same:
        raise SystemExit("precomputed and per-step keys gave different tokens")
    reference = best_time(lambda: greedy_tokens(model, per_step, steps))
    new = best_time(lambda: greedy_tokens(model, memory, steps))
    report("precomputed-keys", reference, new, batch=batch, src_len=src_len, hidden=hidden,
           same_tokens=same, target=1.5, device="cpu", threads=torch.get_num_threads())


if __name__ == "__main__":
    measure()
    measure(batch=64, src_len=60)
    measure(batch=1, src_len=30)
