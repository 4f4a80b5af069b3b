"""Command line: ``python -m seq2seq_lib train | evaluate | translate``.

    python -m seq2seq_lib train --task reversal --model gru --out runs/gru
    python -m seq2seq_lib evaluate --checkpoint runs/gru --task reversal
    python -m seq2seq_lib train --data train.tsv [--valid valid.tsv] --model lstm --out runs/mt
    python -m seq2seq_lib evaluate --checkpoint runs/mt --data test.tsv --beam 5 --predictions out.txt
    python -m seq2seq_lib translate --checkpoint runs/mt --beam 5 "The cat sleeps." < more_lines.txt
    torchrun --standalone --nproc_per_node 2 -m seq2seq_lib train --distributed --task reversal ...

``train`` and ``evaluate`` print one JSON object as their last line; ``translate``
prints one output line per input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from .corpus import guess_tokenizer, read_tsv, tokenize_pairs
from .data import Seq2SeqDataset, make_loader, pad_sequences
from .decode import beam_search, greedy_decode
from .distributed import init_distributed
from .grammar import translation_splits
from .metrics import bleu, chrf
from .models import MODELS, build_model
from .tasks import make_pairs, task_vocab
from .train import evaluate, fit, load_checkpoint, save_checkpoint
from .utils import count_parameters, pick_device, seed_everything
from .vocab import Vocab, get_tokenizer

TASK_DEFAULTS = {"vocab_size": 10, "min_len": 4, "max_len": 12, "test_size": 1000}
# Default recipes: (task, model) -> training options and model size. Each reaches the
# quality its chapter asserts in about two minutes at most on a 2-core CPU.
_RNN = {"emb_dim": 64, "hidden_size": 128, "context_every_step": True}
_ATT = {"emb_dim": 32, "hidden_size": 64}
_TRANSFORMER = {"d_model": 64, "n_heads": 4, "num_layers": 2, "d_ff": 256, "dropout": 0.0}
# The attentional models learn the alignment from many small updates: batches of 32, one pass.
_ATT_RECIPE = dict(epochs=1, batch_size=32, lr=5e-3, train_size=20_000, model=_ATT)
RECIPES = {
    ("reversal", "gru"): dict(epochs=5, batch_size=128, lr=6e-3, train_size=35_000, model=_RNN),
    ("reversal", "lstm"): dict(epochs=3, batch_size=128, lr=6e-3, train_size=35_000, model=_RNN),
    **{("reversal", name): _ATT_RECIPE for name in ("bahdanau", "luong-dot", "luong-general", "luong-concat")},
    # the Transformer learns reversal from few large steps: 3 passes over 20k pairs, batches of 64
    ("reversal", "transformer"): dict(epochs=3, batch_size=64, lr=3e-3, train_size=20_000, model=_TRANSFORMER),
    ("data", "transformer"): dict(epochs=None, batch_size=64, lr=3e-3, label_smoothing=0.1,
                                  model={**_TRANSFORMER, "d_model": 128, "d_ff": 512, "dropout": 0.1}),
    ("data", "gru"): dict(epochs=None, batch_size=64, lr=1e-3, model={**_RNN, "emb_dim": 128}),
    ("data", "lstm"): dict(epochs=None, batch_size=64, lr=1e-3, model={**_RNN, "emb_dim": 128}),
    **{("data", name): dict(epochs=None, batch_size=64, lr=1e-3, model={"emb_dim": 128, "hidden_size": 256})
       for name in ("bahdanau", "luong-dot", "luong-general", "luong-concat")},
}
# the generated translation set: the text recipes, on 20,000 training pairs
RECIPES.update({("translation", name): {**RECIPES[("data", name)], "train_size": 20_000}
                for name in MODELS if ("data", name) in RECIPES})
#: text corpora: about this many updates, whatever the corpus size (epochs=None in a recipe)
DATA_UPDATES = 8_000
DATA_MAX_MINUTES = 4.0
TRAIN_OPTIONS = ("epochs", "batch_size", "lr", "train_size", "lr_schedule", "warmup", "label_smoothing")
RNN_OPTIONS = ("hidden_size", "emb_dim")
TRANSFORMER_OPTIONS = ("d_model", "n_heads", "d_ff")
SIZE_OPTIONS = (*RNN_OPTIONS, *TRANSFORMER_OPTIONS, "num_layers", "dropout")


def _task_args(p: argparse.ArgumentParser, defaults: bool) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--task", choices=["reversal", "translation"],
                     help="a synthetic task: reversal, or English→French on the course's generated corpus")
    src.add_argument("--data", type=Path, help="tab-separated file: source<TAB>target per line")
    for name in ("vocab_size", "min_len", "max_len"):
        p.add_argument("--" + name.replace("_", "-"), type=int,
                       default=TASK_DEFAULTS[name] if defaults else None,
                       help=f"reversal task (default {TASK_DEFAULTS[name]}" + ("" if defaults else
                                                                               ", or the checkpoint's") + ")")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seq2seq_lib", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model and save a checkpoint directory")
    _task_args(t, defaults=True)
    t.add_argument("--train-size", type=int, help="reversal training pairs (default: the recipe's)")
    t.add_argument("--valid", type=Path, help="validation TSV (default: 5%% carved from --data)")
    t.add_argument("--valid-size", type=int, default=TASK_DEFAULTS["test_size"],
                   help=f"reversal validation pairs (default {TASK_DEFAULTS['test_size']})")
    t.add_argument("--model", required=True, help=f"one of {', '.join(MODELS)}")
    for name, typ in (("epochs", int), ("batch_size", int), ("lr", float), ("warmup", int),
                      ("label_smoothing", float), ("hidden_size", int), ("emb_dim", int), ("dropout", float)):
        t.add_argument("--" + name.replace("_", "-"), type=typ, help="default: the recipe's")
    t.add_argument("--num-layers", "--layers", dest="num_layers", type=int,
                   help="RNN layers, or Transformer layers in the encoder and in the decoder")
    t.add_argument("--d-model", dest="d_model", type=int, help="Transformer width (default: the recipe's)")
    t.add_argument("--heads", dest="n_heads", type=int, help="Transformer attention heads")
    t.add_argument("--ff", dest="d_ff", type=int, help="Transformer feed-forward width")
    t.add_argument("--bidirectional", action="store_true",
                   help="bidirectional encoder (gru, lstm; the attentional models always have one)")
    t.add_argument("--input-feeding", action="store_true",
                   help="Luong's input feeding (luong-dot, luong-general, luong-concat)")
    t.add_argument("--bucket", action="store_true", help="length-bucketed batches (less padding)")
    t.add_argument("--max-minutes", type=float,
                   help=f"stop after this much training time and keep the epoch with the best validation loss "
                        f"(default {DATA_MAX_MINUTES:g} with --data, none for --task)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    t.add_argument("--out", type=Path, required=True, help="checkpoint directory to write")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--distributed", action="store_true",
                   help="data-parallel training over the processes torchrun starts (one per GPU, or CPU "
                        "processes on gloo): torchrun --nproc_per_node N -m seq2seq_lib train --distributed ...; "
                        "--batch-size stays the global batch")
    t.add_argument("--amp", nargs="?", const="auto", choices=["auto", "fp16", "bf16"],
                   help="mixed precision: fp16 with loss scaling on CUDA (auto), bf16 autocast on the CPU "
                        "(a tested code path, rarely faster there)")

    e = sub.add_parser("evaluate", help="score a checkpoint; prints one JSON line")
    e.add_argument("--checkpoint", type=Path, required=True)
    _task_args(e, defaults=False)
    e.add_argument("--test-size", type=int, default=TASK_DEFAULTS["test_size"])
    e.add_argument("--predictions", type=Path, help="write one detokenised output line per input")
    e.add_argument("--batch-size", type=int, default=256)
    e.add_argument("--beam", type=int, default=1, help="beam size (default 1: greedy decoding)")
    e.add_argument("--device", default=None)

    r = sub.add_parser("translate", help="decode sentences given as arguments, or lines on stdin")
    r.add_argument("--checkpoint", type=Path, required=True)
    r.add_argument("--beam", type=int, default=1, help="beam size (default 1: greedy decoding)")
    r.add_argument("--device", default=None)
    r.add_argument("sentences", nargs="*", help="input sentences (default: read lines from stdin)")
    return parser


def _recipe(args) -> dict:
    """The default recipe for the task and model, overridden by the options given."""
    kind = args.task or "data"
    if args.model not in MODELS:
        raise SystemExit(f"error: unknown model {args.model!r}; choose one of {', '.join(MODELS)}")
    base = RECIPES[(kind, args.model)]
    recipe = {k: base.get(k) for k in TRAIN_OPTIONS}
    transformer = args.model == "transformer"
    for key in TRANSFORMER_OPTIONS if not transformer else (*RNN_OPTIONS, "bidirectional"):
        if getattr(args, key, None):
            flag = {"n_heads": "heads", "d_ff": "ff"}.get(key, key).replace("_", "-")
            raise SystemExit(f"error: --{flag} does not apply to the {args.model!r} model")
    model = {**base["model"], **({"bidirectional": True} if args.bidirectional else {})}
    if getattr(args, "input_feeding", False):
        if not args.model.startswith("luong"):
            raise SystemExit(f"error: --input-feeding is for the Luong models, not {args.model!r}")
        model["input_feeding"] = True
    for key in TRAIN_OPTIONS:
        if getattr(args, key, None) is not None:
            recipe[key] = getattr(args, key)
    for key in SIZE_OPTIONS:
        if getattr(args, key, None) is not None:
            model[key] = getattr(args, key)
    return {**recipe, "model": model}


def _reversal_sets(vocab_size, min_len, max_len, train_size, seed, test_size=None):
    train = make_pairs(train_size, vocab_size, min_len, max_len, seed=seed)
    held = make_pairs(test_size or 1000, vocab_size, min_len, max_len, seed=seed + 1000, exclude=train)
    return train, held


def _training_sets(args, recipe: dict):
    """``(train, valid, src_vocab, tgt_vocab, meta)`` for ``--task`` or ``--data``."""
    if args.task == "reversal":
        train, valid = _reversal_sets(args.vocab_size, args.min_len, args.max_len, recipe["train_size"], args.seed,
                                      args.valid_size)
        meta = {"task": "reversal", "vocab_size": args.vocab_size, "min_len": args.min_len,
                "max_len": args.max_len, "train_size": recipe["train_size"], "seed": args.seed}
        return train, valid, task_vocab(args.vocab_size), task_vocab(args.vocab_size), meta
    if args.task == "translation":
        train, valid, _ = translation_splits(n_train=recipe["train_size"], seed=args.seed)
        train, valid = tokenize_pairs(train), tokenize_pairs(valid)
        meta = {"task": "translation", "tokenizer": "word-fr", "train_size": recipe["train_size"], "seed": args.seed}
    else:
        raw = read_tsv(args.data)
        train = tokenize_pairs(raw)
        if args.valid:
            valid = tokenize_pairs(read_tsv(args.valid))
        else:
            n_valid = max(1, len(train) // 20) if len(train) >= 20 else 0
            train, valid = train[n_valid:], train[:n_valid]
        meta = {"task": "data", "tokenizer": guess_tokenizer(t for _, t in raw), "train_file": str(args.data)}
    return train, valid, Vocab.build(s for s, _ in train), Vocab.build(t for _, t in train), meta


def cmd_train(args) -> dict | None:
    """Train and save; with ``--distributed`` only rank 0 writes and returns the summary."""
    env = init_distributed(args.device) if args.distributed else None
    try:
        return _train(args, env)
    finally:
        if env is not None:
            env.close()


def _train(args, env) -> dict | None:
    recipe, device = _recipe(args), env.device if env is not None else pick_device(args.device)
    seed_everything(args.seed)
    train, valid, src_vocab, tgt_vocab, meta = _training_sets(args, recipe)
    train_loader = make_loader(Seq2SeqDataset.from_pairs(train, src_vocab, tgt_vocab),
                               recipe["batch_size"], shuffle=True, bucket=args.bucket, seed=args.seed)
    valid_loader = make_loader(Seq2SeqDataset.from_pairs(valid, src_vocab, tgt_vocab), 256) if valid else None
    model = build_model(args.model, len(src_vocab), len(tgt_vocab), **recipe["model"])
    start = time.perf_counter()
    if recipe["epochs"] is None:  # sized by the corpus: about DATA_UPDATES updates
        recipe["epochs"] = max(3, min(200, round(DATA_UPDATES * recipe["batch_size"] / len(train))))
    text = args.task != "reversal"
    minutes = args.max_minutes if args.max_minutes is not None else (DATA_MAX_MINUTES if text else None)
    history = fit(model, train_loader, recipe["epochs"], valid_loader, lr=recipe["lr"],
                  lr_schedule=recipe["lr_schedule"] or "cosine", warmup=recipe["warmup"],
                  label_smoothing=recipe["label_smoothing"] or 0.0, max_seconds=minutes and 60 * minutes,
                  keep_best=valid_loader is not None and minutes is not None,
                  device=device, progress=not args.quiet, amp=args.amp, distributed=env)
    seconds = time.perf_counter() - start
    if env is not None and not env.is_main:
        return None
    meta.update(model=args.model, recipe=recipe, history=list(history), train_seconds=seconds,
                amp=args.amp, processes=env.world_size if env is not None else 1)
    save_checkpoint(args.out, model, src_vocab, tgt_vocab, meta)
    summary = {"checkpoint": str(args.out), "model": args.model, "parameters": count_parameters(model),
               "epochs": len(history), "best_epoch": history.best_epoch, "train_seconds": round(seconds, 1),
               **{k: v for k, v in history[(history.best_epoch or len(history)) - 1].items()
                  if k.startswith("valid_")}}
    return summary


def _evaluation_set(args, meta: dict):
    """``(tokenised pairs, raw text pairs or None, detokenizer)`` for ``--task`` or ``--data``."""
    if args.task and meta.get("task") != args.task:
        raise SystemExit(f"error: checkpoint {args.checkpoint} was not trained on the {args.task} task")
    if args.task == "reversal":
        opts = {k: getattr(args, k) if getattr(args, k) is not None else meta[k]
                for k in ("vocab_size", "min_len", "max_len")}
        if opts["vocab_size"] != meta["vocab_size"]:
            raise SystemExit("error: --vocab-size differs from the checkpoint's vocabulary")
        _, pairs = _reversal_sets(**opts, train_size=meta["train_size"], seed=meta["seed"],
                                  test_size=args.test_size)
        return pairs, None, " ".join
    if args.task == "translation":  # the test split of the corpus the model was trained on
        raw = translation_splits(n_train=meta["train_size"], seed=meta["seed"])[2]
    else:
        raw = read_tsv(args.data)
    return tokenize_pairs(raw), raw, get_tokenizer(meta.get("tokenizer", "word"))[1]


def cmd_evaluate(args) -> dict:
    device = pick_device(args.device)
    model, src_vocab, tgt_vocab, meta = load_checkpoint(args.checkpoint, device)
    pairs, raw, detok = _evaluation_set(args, meta)
    loader = make_loader(Seq2SeqDataset.from_pairs(pairs, src_vocab, tgt_vocab), args.batch_size)
    scores, preds = evaluate(model, loader, device, return_predictions=True, beam=args.beam)
    lines = [detok(tgt_vocab.decode(p)) for p in preds]
    if args.predictions:
        args.predictions.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    if raw is not None:  # text: corpus BLEU and chrF against the reference sentences
        references = [t for _, t in raw]
        b, c = bleu(lines, references), chrf(lines, references)
        scores.update(bleu=b["score"], chrf=c["score"], bleu_signature=b["signature"],
                      chrf_signature=c["signature"])
    return {**scores, "beam": args.beam, "checkpoint": str(args.checkpoint)}


def cmd_translate(args) -> list[str]:
    """Decode each input sentence with the checkpoint; returns the output lines."""
    device = pick_device(args.device)
    model, src_vocab, tgt_vocab, meta = load_checkpoint(args.checkpoint, device)
    if meta.get("task") == "reversal":
        tokenize, detok = str.split, " ".join
    else:
        tokenize, detok = get_tokenizer(meta.get("tokenizer", "word"))
    sentences = args.sentences or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not sentences:
        raise ValueError("nothing to translate: give sentences as arguments or lines on stdin")
    outputs = []
    for start in range(0, len(sentences), 64):
        chunk = [tokenize(s) for s in sentences[start:start + 64]]
        if any(not toks for toks in chunk):
            raise ValueError("an input sentence has no tokens")
        ids = [src_vocab.encode(toks) for toks in chunk]
        lens = torch.tensor([len(x) for x in ids])
        src = pad_sequences(ids).to(device)
        if args.beam > 1:
            hyps = beam_search(model, src, lens, beam_size=args.beam).to_lists()
        else:
            hyps = greedy_decode(model, src, lens).to_lists()
        outputs += [detok(tgt_vocab.decode(h)) for h in hyps]
    return outputs


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "translate":
            print("\n".join(cmd_translate(args)))
            return 0
        result = cmd_train(args) if args.command == "train" else cmd_evaluate(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if result is not None:  # None: a distributed rank other than 0
        print(json.dumps(result))
    return 0
