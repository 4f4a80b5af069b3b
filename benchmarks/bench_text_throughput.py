"""bench text-throughput: training updates of the real-text recipe, and where their time goes.

Both arms train a Transformer on the same real batches: the shipped Tatoeba
training split, encoded with a joint byte-level BPE, in length-bucketed
batches. The reference is a plain BPE Transformer (d_model 128, 3+3 layers,
8,000 joint subwords, tied embeddings, dropout 0.1, batches of 96: the model
the real-language issue first tried); the new arm is the library's default
text recipe (``recipes.recipe("tatoeba", "transformer")``). The ratio compares
the time of one update; the line also gives target tokens per second, and for
the recipe a breakdown of one update: each part re-timed alone (forward and
backward) on the inputs it received in a real step, the optimiser step, and the
rest (layer norms, residual adds, masks, Python glue) as the difference.

Measured on this 2-core CPU (2026-12-02), see the closing note of the issue.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from common import best_time, report

from seq2seq_lib import build_model, seed_everything
from seq2seq_lib.attention import MultiHeadAttention
from seq2seq_lib.data import Seq2SeqDataset, make_loader
from seq2seq_lib.recipes import recipe
from seq2seq_lib.tatoeba import tatoeba_splits
from seq2seq_lib.tokenization import TextTokenizer
from seq2seq_lib.transformer import FeedForward
from seq2seq_lib.vocab import PAD

REFERENCE = {"vocab_size": 8000, "batch_size": 96,
             "model": {"d_model": 128, "n_heads": 4, "num_layers": 3, "d_ff": 512, "dropout": 0.1,
                       "tie_embeddings": True}}


def batches(vocab_size: int, batch_size: int, n: int = 8):
    """``n`` bucketed training batches of the shipped corpus, and the vocabulary size."""
    train = tatoeba_splits().train[:40_000]
    text = TextTokenizer.fit("bpe", train, vocab_size)
    pairs = text.tokenize_pairs(train)
    vocab = text.vocabularies(pairs)[0]
    loader = make_loader(Seq2SeqDataset.from_pairs(pairs, vocab, vocab), batch_size, shuffle=True, bucket=True,
                         seed=0)
    it = iter(loader)
    return [next(it) for _ in range(n)], len(vocab)


def trainer(setting: dict):
    """``(step, model, optimiser, batches)``: ``step()`` makes one update on the next batch."""
    seed_everything(0)
    data, n_vocab = batches(setting["vocab_size"], setting["batch_size"])
    model = build_model("transformer", n_vocab, n_vocab, **setting["model"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98))
    state = {"i": 0}

    def step():
        batch = data[state["i"] % len(data)]
        state["i"] += 1
        logits = model(batch.src, batch.src_lens, batch.tgt_in)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.tgt_out.flatten(), ignore_index=PAD,
                               label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    return step, model, opt, data


def _leaf(x):
    """A floating tensor cut from the step's graph (a new leaf that wants its gradient); others as they are."""
    if isinstance(x, tuple):  # cross-attention gets its projected (keys, values)
        return tuple(_leaf(t) for t in x)
    return x.detach().requires_grad_() if torch.is_tensor(x) and x.is_floating_point() else x


def breakdown(model, opt, batch) -> dict[str, float]:
    """Seconds of one update spent in each part (re-timed alone on the inputs of a real step)."""
    calls = {"attention": [], "feed_forward": [], "embedding": [], "output_and_loss": []}
    kinds = [(MultiHeadAttention, "attention"), (FeedForward, "feed_forward"), (torch.nn.Embedding, "embedding")]
    hooks = []
    for module in model.modules():
        for cls, kind in kinds:
            if isinstance(module, cls):
                hooks.append(module.register_forward_hook(
                    lambda m, a, kw, out, k=kind: calls[k].append((m, a, kw)), with_kwargs=True))
    hooks.append(model.generator.register_forward_hook(
        lambda m, a, out: calls["output_and_loss"].append((m, a, {}))))
    model(batch.src, batch.src_lens, batch.tgt_in)
    for h in hooks:
        h.remove()

    def replay(kind):
        for module, args, kwargs in calls[kind]:
            args = [_leaf(a) for a in args]
            kwargs = {k: _leaf(v) for k, v in kwargs.items()}
            if kind == "output_and_loss":
                logits = module(*args)
                loss = F.cross_entropy(logits.flatten(0, 1), batch.tgt_out.flatten(), ignore_index=PAD,
                                       label_smoothing=0.1)
                loss.backward()
            else:
                out = module(*args, **kwargs)
                (out[0] if isinstance(out, tuple) else out).float().sum().backward()
    parts = {kind: best_time(lambda k=kind: replay(k), repeats=5) for kind in calls}
    model(batch.src, batch.src_lens, batch.tgt_in).sum().backward()
    parts["optimizer"] = best_time(opt.step, repeats=5)
    return parts


def main() -> None:
    torch.set_num_threads(min(2, torch.get_num_threads()))
    ref_step, _, _, ref_data = trainer(REFERENCE)
    new_setting = recipe("tatoeba", "transformer")
    new_step, model, opt, data = trainer(new_setting)
    reference = best_time(ref_step, repeats=8, warmup=2)
    new = best_time(new_step, repeats=8, warmup=2)
    tokens = lambda d: sum(int((b.tgt_out != PAD).sum()) for b in d) / len(d)  # noqa: E731
    parts = breakdown(model, opt, data[0])
    parts["rest"] = max(0.0, new - sum(parts.values()))
    shares = " ".join(f"{k}={v / new:.0%}" for k, v in parts.items())
    report("text-throughput", reference, new, what="train_update", reference_tgt_tok_per_s=round(
        tokens(ref_data) / reference), new_tgt_tok_per_s=round(tokens(data) / new),
        reference_updates_per_s=round(1 / reference, 1), new_updates_per_s=round(1 / new, 1),
        new_batch=new_setting["batch_size"], new_vocab=new_setting["vocab_size"],
        threads=torch.get_num_threads())
    print(f"bench text-throughput breakdown (share of one update of the recipe, {new * 1e3:.0f} ms): {shares}")


if __name__ == "__main__":
    main()
