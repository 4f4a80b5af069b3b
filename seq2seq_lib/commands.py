"""What ``python -m seq2seq_lib train | evaluate | translate`` does, given its parsed options.

:mod:`seq2seq_lib.cli` parses and checks the command line and calls these. The
datasets come from :mod:`seq2seq_lib.tasks` (reversal, with its one held-out
rule :func:`~seq2seq_lib.tasks.reversal_splits`), :mod:`seq2seq_lib.grammar`
(the generated translation set) or a TSV file; the defaults from
:mod:`seq2seq_lib.recipes`; checkpoints and training states from
:mod:`seq2seq_lib.checkpoint`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import torch

from .checkpoint import CheckpointError, check_out_dir, load_checkpoint, save_checkpoint
from .corpus import read_tsv
from .data import Seq2SeqDataset, make_loader, pad_sequences
from .decode import decode_batch
from .distributed import init_distributed
from .grammar import translation_splits
from .metrics import text_scores
from .models import MODELS, build_model
from .recipes import DATA_MAX_MINUTES, TASK_DEFAULTS, TRAIN_OPTIONS, data_epochs, recipe
from .tasks import reversal_splits, task_vocab
from .tatoeba import ATTRIBUTION, tatoeba_splits
from .tokenization import TextTokenizer
from .train import evaluate
from .trainer import fit
from .utils import count_parameters, pick_device, seed_everything

#: model-size options of the command line -> their flag (checked against the model's config)
SIZE_FLAGS = {"hidden_size": "--hidden-size", "emb_dim": "--emb-dim", "num_layers": "--layers",
              "dropout": "--dropout", "d_model": "--d-model", "n_heads": "--heads", "d_ff": "--ff",
              "bidirectional": "--bidirectional", "input_feeding": "--input-feeding", "norm": "--norm",
              "ffn": "--ffn", "positions": "--positions", "n_kv_heads": "--kv-heads", "prefix_lm": "--mask"}
#: the options ``train --resume`` may change; every other one is the interrupted run's
RESUME_OPTIONS = ("epochs", "max_minutes", "save_every", "device", "quiet", "debug", "resume", "command")


class UsageError(ValueError):
    """A command line that cannot run as given (the message says what to change)."""


# ---------------------------------------------------------------- recipes and data
def training_recipe(args) -> dict:
    """The default recipe for the task and model, with the options given on the command line.

    A size option the model's config dataclass lacks is refused with its flag's name.
    """
    rec = recipe(args.task or "data", args.model)
    _, config_cls, fixed = MODELS[args.model]
    accepted = {f.name for f in dataclasses.fields(config_cls)} - set(fixed)
    for key, flag in SIZE_FLAGS.items():
        value = getattr(args, key, None)
        if key == "prefix_lm" and value is not None:  # --mask prefix-lm | causal
            value = value == "prefix-lm"
        elif value is None or value is False:
            continue
        if key not in accepted:
            raise UsageError(f"{flag} does not apply to the {args.model!r} model "
                             f"({config_cls.__name__} has no {key!r})")
        rec["model"][key] = value
    for key in TRAIN_OPTIONS:
        if getattr(args, key, None) is not None and not (key == "vocab_size" and args.task == "reversal"):
            rec[key] = getattr(args, key)
    if args.vocab_size is not None and args.task != "reversal" and rec["tokenizer"] != "bpe":
        raise UsageError(f"--vocab-size sets the size of a BPE vocabulary; the {rec['tokenizer']!r} tokenizer "
                         "keeps every token of the training set (drop --vocab-size or use --tokenizer bpe)")
    if rec["tokenizer"] == "bpe" and rec["vocab_size"] is None:  # e.g. --task translation --tokenizer bpe
        rec["vocab_size"] = recipe("data", "transformer")["vocab_size"]
    config_cls(src_vocab_size=8, tgt_vocab_size=8, **rec["model"], **fixed)  # its own checks, before any data
    return rec


def training_sets(args, rec: dict):
    """``(train, valid, src_vocab, tgt_vocab, meta)`` for ``--task`` or ``--data``: token pairs, the
    vocabularies, and the meta data the checkpoint keeps (with the tokenizer, so that ``evaluate``
    and ``translate`` read text the same way)."""
    if args.task == "reversal":
        vocab_size = args.vocab_size or TASK_DEFAULTS["vocab_size"]
        train, valid = reversal_splits(rec["train_size"], args.valid_size, vocab_size, args.min_len,
                                       args.max_len, seed=args.seed)
        meta = {"task": "reversal", "tokenizer": "space", "vocab_size": vocab_size, "min_len": args.min_len,
                "max_len": args.max_len, "train_size": rec["train_size"], "seed": args.seed}
        return train, valid, task_vocab(vocab_size), task_vocab(vocab_size), meta
    if args.task == "translation":
        train, valid, _ = translation_splits(n_train=rec["train_size"], seed=args.seed)
        meta = {"task": "translation", "train_size": rec["train_size"], "seed": args.seed}
    elif args.task == "tatoeba":
        splits = tatoeba_splits(max_words=args.max_words, n_train=rec["train_size"])
        train, valid = splits.train, splits.valid
        meta = {"task": "tatoeba", "max_words": args.max_words, "train_size": rec["train_size"],
                "corpus": ATTRIBUTION}
    else:
        train = _filtered(read_tsv(args.data), args.max_words, args.data)
        if args.valid:
            valid = read_tsv(args.valid)
        else:
            n_valid = max(1, len(train) // 20) if len(train) >= 20 else 0
            train, valid = train[n_valid:], train[:n_valid]
        meta = {"task": "data", "train_file": str(args.data), "max_words": args.max_words}
    text = TextTokenizer.fit(rec["tokenizer"] or "word", train,
                             rec["vocab_size"] if rec["tokenizer"] == "bpe" else None)
    train, valid = text.tokenize_pairs(train), text.tokenize_pairs(valid)
    meta.update(text.to_meta())
    return (train, valid, *text.vocabularies(train), meta)


def _filtered(pairs, max_words: int | None, path):
    """The pairs whose source has at most ``max_words`` words (all of them for ``None``)."""
    if max_words is None:
        return pairs
    kept = [(s, t) for s, t in pairs if len(s.split()) <= max_words]
    if not kept:
        raise UsageError(f"{path}: no sentence pair has a source of at most {max_words} words; "
                         "raise --max-words or drop it")
    return kept


def evaluation_set(args, meta: dict):
    """``(tokenised pairs, references or None)`` for ``--task`` or ``--data``; the references are
    one string per pair, or, for ``--task tatoeba``, every translation of each test sentence."""
    if args.task and meta.get("task") != args.task:
        raise UsageError(f"checkpoint {args.checkpoint} was not trained on the {args.task} task "
                         f"(it was trained on {meta.get('task', 'unknown data')})")
    if args.task == "reversal":
        opts = {k: getattr(args, k) if getattr(args, k) is not None else meta[k]
                for k in ("vocab_size", "min_len", "max_len")}
        if opts["vocab_size"] != meta["vocab_size"]:
            raise UsageError(f"--vocab-size {opts['vocab_size']} differs from the checkpoint's "
                             f"({meta['vocab_size']}); drop --vocab-size")
        if opts["min_len"] > opts["max_len"]:
            raise UsageError(f"--min-len {opts['min_len']} is larger than --max-len {opts['max_len']}")
        test_size = args.test_size or TASK_DEFAULTS["test_size"]
        return reversal_splits(meta["train_size"], test_size, **opts, seed=meta["seed"])[1], None
    refs = None
    if args.task == "translation":  # the test split of the corpus the model was trained on
        raw = translation_splits(n_train=meta["train_size"], seed=meta["seed"])[2]
    elif args.task == "tatoeba":
        splits = tatoeba_splits(max_words=meta.get("max_words"))
        raw, refs = splits.test[:args.test_size], splits.test_refs[:args.test_size]
    else:
        raw = read_tsv(args.data)
    return TextTokenizer.from_meta(meta).tokenize_pairs(raw), refs or [t for _, t in raw]


def _options(args) -> dict:
    """The command line as JSON (saved in the checkpoint, so that ``--resume`` can rebuild the run)."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "func"}


def _resumed_args(args):
    """The interrupted run's options, with the ones ``--resume`` may change taken from ``args``."""
    _, _, _, meta, state = load_checkpoint(args.resume, "cpu", training_state=True)
    if "options" not in meta:
        raise CheckpointError(f"{args.resume}: the checkpoint has no saved options; it cannot be resumed")
    saved = argparse.Namespace(**meta["options"])
    for key in ("data", "valid", "out"):
        if getattr(saved, key, None) is not None:
            setattr(saved, key, Path(getattr(saved, key)))
    for key in RESUME_OPTIONS:
        if getattr(args, key, None) not in (None, False):
            setattr(saved, key, getattr(args, key))
    saved.out, saved.distributed = Path(args.resume), False
    return saved, state


# ---------------------------------------------------------------- train
def train_command(args) -> dict | None:
    """Train (or, with ``--resume``, continue) and save; with ``--distributed`` only rank 0
    writes and returns the summary."""
    state = None
    if args.resume is not None:  # on one process (a --distributed run too: same global batches)
        args, state = _resumed_args(args)
    else:
        check_out_dir(args.out)
    env = init_distributed(args.device) if args.distributed else None
    try:
        return _train(args, env, state)
    finally:
        if env is not None:
            env.close()


def _train(args, env, state: dict | None) -> dict | None:
    rec, device = training_recipe(args), env.device if env is not None else pick_device(args.device)
    seed_everything(args.seed)
    train, valid, src_vocab, tgt_vocab, meta = training_sets(args, rec)
    if not train:
        raise UsageError("the training set is empty")
    train_loader = make_loader(Seq2SeqDataset.from_pairs(train, src_vocab, tgt_vocab),
                               rec["batch_size"], shuffle=True, bucket=args.bucket, seed=args.seed)
    valid_loader = make_loader(Seq2SeqDataset.from_pairs(valid, src_vocab, tgt_vocab), 256) if valid else None
    model = build_model(args.model, len(src_vocab), len(tgt_vocab), **rec["model"])
    if rec["epochs"] is None:  # sized by the corpus: about DATA_UPDATES updates
        rec["epochs"] = data_epochs(len(train), rec["batch_size"])
    minutes = args.max_minutes if args.max_minutes is not None else (
        DATA_MAX_MINUTES if args.task != "reversal" else None)
    meta.update(model=args.model, recipe=rec, amp=args.amp, options=_options(args),
                processes=env.world_size if env is not None else 1)

    def on_save(training_state: dict) -> None:
        meta.update(history=training_state["history"], train_seconds=training_state["seconds"],
                    best_epoch=training_state["best_epoch"], step=training_state["step"])
        save_checkpoint(args.out, model, src_vocab, tgt_vocab, meta, training_state=training_state)

    history = fit(model, train_loader, rec["epochs"], valid_loader, lr=rec["lr"],
                  lr_schedule=rec["lr_schedule"] or "cosine", warmup=rec["warmup"],
                  label_smoothing=rec["label_smoothing"] or 0.0, max_seconds=minutes and 60 * minutes,
                  keep_best=valid_loader is not None and minutes is not None, device=device,
                  progress=not args.quiet, amp=args.amp, distributed=env, save_every=60 * args.save_every,
                  on_save=on_save if env is None or env.is_main else None, resume=state)
    if env is not None and not env.is_main:
        return None
    best = history[(history.best_epoch or len(history)) - 1]
    return {"checkpoint": str(args.out), "model": args.model, "parameters": count_parameters(model),
            "epochs": len(history), "best_epoch": history.best_epoch, "steps": best["steps"],
            "train_seconds": round(meta["train_seconds"], 1),
            **{k: v for k, v in best.items() if k.startswith("valid_")}}


def interrupted_message(args) -> str:
    """The one line Ctrl-C during ``train`` prints."""
    out = args.resume or args.out
    if out is None or not (Path(out) / "training.pt").is_file():
        return "interrupted before the first save: nothing was written"
    return (f"interrupted: the training state is saved in {out}; continue with: "
            f"python -m seq2seq_lib train --resume {out}")


# ---------------------------------------------------------------- evaluate and translate
#: characters that end a line for ``str.splitlines``: a byte-level model can write them (one output = one line)
_LINE_BREAKS = str.maketrans({c: " " for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"})


def one_line(text: str) -> str:
    """``text`` with every line break made a space, so that each output stays on its own line."""
    return text.translate(_LINE_BREAKS)


def evaluate_command(args) -> dict:
    """Score a checkpoint on a task's held-out set or a TSV file (BLEU and chrF for text: against
    the first reference, and, where the corpus has several, against all of them: ``*_multi``)."""
    device = pick_device(args.device)
    model, src_vocab, tgt_vocab, meta = load_checkpoint(args.checkpoint, device)
    pairs, refs = evaluation_set(args, meta)
    loader = make_loader(Seq2SeqDataset.from_pairs(pairs, src_vocab, tgt_vocab), args.batch_size)
    scores, preds = evaluate(model, loader, device, return_predictions=True, beam=args.beam)
    text = TextTokenizer.from_meta(meta)
    lines = [text.detokenize(tgt_vocab.decode(p)) for p in preds]
    if refs is not None:  # text: corpus BLEU and chrF against the reference sentences
        single = [r if isinstance(r, str) else r[0] for r in refs]
        scores.update(text_scores(lines, single))
        if any(not isinstance(r, str) and len(r) > 1 for r in refs):
            multi = text_scores(lines, refs)  # keys bleu_multi, bleu_multi_signature, chrf_multi, ...
            scores.update({k.replace("bleu", "bleu_multi").replace("chrf", "chrf_multi"): v for k, v in multi.items()})
    if args.predictions:
        args.predictions.write_text("".join(one_line(line) + "\n" for line in lines), encoding="utf-8")
    return {**scores, "beam": args.beam, "checkpoint": str(args.checkpoint)}


def translate_command(args) -> list[str]:
    """Decode each input sentence with the checkpoint; returns the output lines."""
    device = pick_device(args.device)
    model, src_vocab, tgt_vocab, meta = load_checkpoint(args.checkpoint, device)
    text = TextTokenizer.from_meta(meta)
    sentences = args.sentences or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not sentences:
        raise UsageError("nothing to translate: give sentences as arguments or lines on stdin")
    outputs = []
    for start in range(0, len(sentences), 64):
        chunk = text.tokenize(sentences[start:start + 64])
        for i, toks in enumerate(chunk):
            if not toks:
                raise UsageError(f"input sentence {start + i + 1} has no tokens")
        ids = [src_vocab.encode(toks) for toks in chunk]
        lens = torch.tensor([len(x) for x in ids])
        hyps = decode_batch(model, pad_sequences(ids).to(device), lens.to(device), beam=args.beam)
        outputs += [one_line(text.detokenize(tgt_vocab.decode(h))) for h in hyps]
    return outputs
