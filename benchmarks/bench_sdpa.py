"""bench sdpa: multi-head attention through ``F.scaled_dot_product_attention`` vs the readable path.

The readable path (``fast=False``) writes ``softmax(q k^T / sqrt(d_k)) v`` with
explicit tensors and returns the weights; the fast path hands the same
computation to PyTorch's fused kernel (flash or memory-efficient attention on a
GPU, a fused C++ kernel on the CPU), which never materialises the weights in
Python. Measured on one training step (forward and backward) of the
chapter's Transformer and on a bare attention layer at a longer length; both
arms must give the same outputs.
"""

from __future__ import annotations

import torch
from common import best_time, report

from seq2seq_lib import build_model, seed_everything
from seq2seq_lib.attention import MultiHeadAttention
from seq2seq_lib.recipes import RECIPES


def model_step(batch: int = 64, length: int = 30) -> None:
    seed_everything(0)
    size = {**RECIPES[("reversal", "transformer")]["model"], "dropout": 0.0}
    model = build_model("transformer", 14, 14, **size)
    src, tgt = torch.randint(4, 14, (batch, length)), torch.randint(4, 14, (batch, length + 1))
    lens = torch.full((batch,), length)

    def step(fast: bool):
        model.zero_grad()
        logits = model(src, lens, tgt, fast=fast)
        logits.square().mean().backward()
        return logits

    torch.testing.assert_close(step(True), step(False), atol=1e-5, rtol=1e-5)
    reference, new = best_time(lambda: step(False)), best_time(lambda: step(True))
    report("sdpa", reference, new, what="train_step", batch=batch, length=length, same_outputs=True,
           device="cpu", threads=torch.get_num_threads())


@torch.no_grad()
def attention_layer(batch: int = 16, length: int = 512, d_model: int = 256, heads: int = 8) -> None:
    seed_everything(0)
    mha = MultiHeadAttention(d_model, heads).eval()
    x = torch.randn(batch, length, d_model)
    torch.testing.assert_close(mha(x, x, fast=True)[0], mha(x, x, fast=False)[0], atol=1e-5, rtol=1e-4)
    reference = best_time(lambda: mha(x, x, fast=False))
    new = best_time(lambda: mha(x, x, fast=True))
    report("sdpa", reference, new, what="attention_layer", batch=batch, length=length, d_model=d_model,
           heads=heads, same_outputs=True, device="cpu", threads=torch.get_num_threads())


if __name__ == "__main__":
    model_step()
    attention_layer()
