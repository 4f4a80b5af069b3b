"""Command line: ``python -m seq2seq_lib train | evaluate | translate``.

    python -m seq2seq_lib train --task reversal --model gru --out runs/gru
    python -m seq2seq_lib train --resume runs/gru          # continue an interrupted run
    python -m seq2seq_lib evaluate --checkpoint runs/gru --task reversal
    python -m seq2seq_lib train --data train.tsv [--valid valid.tsv] --model lstm --out runs/mt
    python -m seq2seq_lib train --task tatoeba --model transformer --out runs/tatoeba   # the shipped corpus
    python -m seq2seq_lib evaluate --checkpoint runs/tatoeba --task tatoeba               # its test split
    python -m seq2seq_lib evaluate --checkpoint runs/mt --data test.tsv --beam 5 --predictions out.txt
    python -m seq2seq_lib translate --checkpoint runs/mt --beam 5 "The cat sleeps." < more_lines.txt
    torchrun --standalone --nproc_per_node 2 -m seq2seq_lib train --distributed --task reversal ...

``train`` and ``evaluate`` print one JSON object as their last line; ``translate``
prints one output line per input. This module only parses and checks the command
line (every number against its range) and reports errors in one line; what the
commands do is in :mod:`seq2seq_lib.commands`.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from . import commands
from .blocks import FFNS, NORMS, POSITIONS
from .models import MODELS
from .recipes import DATA_MAX_MINUTES, TASK_DEFAULTS
from .tokenization import TEXT_TOKENIZERS

#: minutes between two saves of the training state (``--save-every``)
SAVE_EVERY_MINUTES = 5.0


def number(kind: type, low: float | None = None, high: float | None = None, low_open: bool = False,
           high_open: bool = False):
    """An argparse ``type`` that parses ``kind`` and checks the range, naming it when it is out."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        below = low is not None and (value <= low if low_open else value < low)
        above = high is not None and (value >= high if high_open else value > high)
        if below or above:
            lo = "" if low is None else f"{'>' if low_open else '>='} {low:g}"
            hi = "" if high is None else f"{'<' if high_open else '<='} {high:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: must be {' and '.join(filter(None, (lo, hi)))}")
        return value
    return parse


POSITIVE, NONNEGATIVE = number(int, 1), number(int, 0)
FRACTION = number(float, 0.0, 1.0, high_open=True)   # dropout, label smoothing: [0, 1)
LENGTH = number(int, 1, 10_000)


def _task_args(p: argparse.ArgumentParser, defaults: bool) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--task", choices=["reversal", "translation", "tatoeba"],
                     help="reversal; English→French on the course's generated corpus (translation) or on "
                          "the shipped Tatoeba corpus (tatoeba)")
    src.add_argument("--data", type=Path, help="tab-separated file: source<TAB>target per line")
    p.add_argument("--vocab-size", type=number(int, 2, 1_000_000),
                   help=f"reversal: symbols (default {TASK_DEFAULTS['vocab_size']}" +
                        ("" if defaults else ", or the checkpoint's") + "); text with --tokenizer bpe: subwords "
                        "of the joint BPE vocabulary (default: the recipe's)")
    for name in ("min_len", "max_len"):
        p.add_argument("--" + name.replace("_", "-"), type=LENGTH, default=TASK_DEFAULTS[name] if defaults else None,
                       help=f"reversal task (default {TASK_DEFAULTS[name]}" + ("" if defaults else
                                                                               ", or the checkpoint's") + ")")


def _model_args(t: argparse.ArgumentParser) -> None:
    t.add_argument("--model", choices=list(MODELS), help="the architecture")
    for flag, dest, kind, text in (
            ("--epochs", "epochs", POSITIVE, "passes over the training set"),
            ("--batch-size", "batch_size", POSITIVE, "sentence pairs per update"),
            ("--lr", "lr", number(float, 0.0, 10.0, low_open=True), "peak learning rate"),
            ("--warmup", "warmup", POSITIVE, "learning-rate warm-up steps"),
            ("--label-smoothing", "label_smoothing", FRACTION, "label smoothing in [0, 1)"),
            ("--hidden-size", "hidden_size", POSITIVE, "RNN width"),
            ("--emb-dim", "emb_dim", POSITIVE, "RNN embedding size"),
            ("--dropout", "dropout", FRACTION, "dropout in [0, 1)"),
            ("--layers", "num_layers", number(int, 1, 64), "RNN layers, or Transformer layers in each stack"),
            ("--d-model", "d_model", POSITIVE, "Transformer width"),
            ("--heads", "n_heads", POSITIVE, "Transformer attention heads"),
            ("--ff", "d_ff", POSITIVE, "Transformer feed-forward width"),
            ("--train-size", "train_size", POSITIVE, "training pairs of a --task")):
        t.add_argument(flag, dest=dest, type=kind, help=f"{text} (default: the recipe's)")
    t.add_argument("--num-layers", dest="num_layers", type=number(int, 1, 64), help=argparse.SUPPRESS)
    t.add_argument("--bidirectional", action="store_true", help="bidirectional encoder (gru, lstm)")
    t.add_argument("--input-feeding", action="store_true", help="Luong's input feeding (luong-*)")
    d = t.add_argument_group("decoder-only model (and its block options)")
    d.add_argument("--mask", dest="prefix_lm", choices=["prefix-lm", "causal"],
                   help="prefix-lm: the source reads itself both ways; causal: every position reads only the "
                        "past (default: prefix-lm)")
    d.add_argument("--norm", choices=list(NORMS), help="layer (LayerNorm) or rms (RMSNorm) (default: layer)")
    d.add_argument("--ffn", choices=list(FFNS), help="feed-forward network: relu, gelu or swiglu (default: relu)")
    d.add_argument("--positions", choices=list(POSITIONS),
                   help="sinusoidal or learned vectors added to the input, or rope (rotary, in the attention)")
    d.add_argument("--kv-heads", dest="n_kv_heads", type=POSITIVE,
                   help="key/value heads, grouped-query attention (default: one per query head)")


def _train_parser(sub) -> None:
    t = sub.add_parser("train", help="train a model and save a checkpoint directory (or --resume one)")
    _task_args(t, defaults=True)
    _model_args(t)
    t.add_argument("--tokenizer", choices=list(TEXT_TOKENIZERS),
                   help="text: bpe (byte-level subwords, no unknown words), word or char (default: the recipe's)")
    t.add_argument("--max-words", type=POSITIVE, help="text: keep the pairs whose source has at most this many words")
    t.add_argument("--valid", type=Path, help="validation TSV (default: 5%% carved from --data)")
    t.add_argument("--valid-size", type=POSITIVE, default=TASK_DEFAULTS["test_size"], help="reversal validation pairs")
    t.add_argument("--bucket", action="store_true", help="length-bucketed batches (less padding)")
    t.add_argument("--max-minutes", type=number(float, 0.0, low_open=True),
                   help=f"stop after this much training time and keep the epoch with the best validation loss "
                        f"(default {DATA_MAX_MINUTES:g} with --data, none for --task)")
    t.add_argument("--save-every", type=number(float, 0.0, low_open=True), default=SAVE_EVERY_MINUTES,
                   help=f"minutes between two saves of the training state (default {SAVE_EVERY_MINUTES:g})")
    t.add_argument("--resume", type=Path, help="continue the interrupted or finished run saved in this directory")
    t.add_argument("--seed", type=NONNEGATIVE, default=0)
    t.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the best available)")
    t.add_argument("--out", type=Path, help="checkpoint directory to write (replaced only once complete)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--distributed", action="store_true",
                   help="data-parallel over the processes torchrun starts: torchrun --nproc_per_node N -m "
                        "seq2seq_lib train --distributed ...; --batch-size stays the global batch")
    t.add_argument("--amp", nargs="?", const="auto", choices=["auto", "fp16", "bf16"],
                   help="mixed precision: fp16 with loss scaling on CUDA (auto), bf16 autocast on the CPU")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seq2seq_lib", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _train_parser(sub)
    e = sub.add_parser("evaluate", help="score a checkpoint; prints one JSON line")
    e.add_argument("--checkpoint", type=Path, required=True)
    _task_args(e, defaults=False)
    e.add_argument("--test-size", type=POSITIVE, help=f"reversal: held-out pairs (default "
                   f"{TASK_DEFAULTS['test_size']}); tatoeba: score only the first N test sentences (default: all)")
    e.add_argument("--predictions", type=Path, help="write one detokenised output line per input")
    e.add_argument("--batch-size", type=POSITIVE, default=256)
    e.add_argument("--beam", type=number(int, 1, 100), default=1, help="beam size (default 1: greedy decoding)")
    e.add_argument("--device")
    r = sub.add_parser("translate", help="decode sentences given as arguments, or lines on stdin")
    r.add_argument("--checkpoint", type=Path, required=True)
    r.add_argument("--beam", type=number(int, 1, 100), default=1, help="beam size (default 1: greedy decoding)")
    r.add_argument("--device")
    r.add_argument("sentences", nargs="*", help="input sentences (default: read lines from stdin)")
    for command in (sub.choices[name] for name in ("train", "evaluate", "translate")):
        command.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
    return parser


def check_args(args) -> None:
    """Checks that span several options (argparse checks each one alone)."""
    if args.command == "train" and args.resume is not None:
        defaults = vars(build_parser().parse_args(["train"]))
        given = sorted(k for k, v in vars(args).items() if v != defaults.get(k) and k not in commands.RESUME_OPTIONS)
        if given:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            raise commands.UsageError(f"--resume continues a run with its own options: drop {flags} (only "
                                      "--epochs, --max-minutes, --save-every, --device and --quiet may change)")
    if args.command == "train" and args.resume is None:
        missing = [flag for flag, ok in (("--task or --data", args.task or args.data), ("--model", args.model),
                                         ("--out", args.out)) if not ok]
        if missing:
            raise commands.UsageError(f"train needs {', '.join(missing)} (or --resume DIR to continue a run)")
    if args.command == "train" and args.task == "reversal":
        for flag in ("tokenizer", "max_words"):
            if getattr(args, flag) is not None:
                raise commands.UsageError(f"--{flag.replace('_', '-')} applies to text (--task translation, "
                                          "--task tatoeba or --data), not to the reversal task")
    if args.command in ("train", "evaluate") and args.min_len is not None and args.max_len is not None \
            and args.min_len > args.max_len:
        raise commands.UsageError(f"--min-len {args.min_len} is larger than --max-len {args.max_len}")
    if args.command == "evaluate" and not (args.task or args.data):
        raise commands.UsageError("evaluate needs --task or --data: what to score the checkpoint on")
    if getattr(args, "predictions", None) is not None and args.predictions.is_dir():
        raise commands.UsageError(f"--predictions {args.predictions} is a directory; give a file name")


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit status 0, 2 for a problem the message names, 130 on Ctrl-C, 1 otherwise."""
    args = build_parser().parse_args(argv)
    try:
        check_args(args)
        if args.command == "translate":
            print("\n".join(commands.translate_command(args)))
            return 0
        run = commands.train_command if args.command == "train" else commands.evaluate_command
        result = run(args)
    except KeyboardInterrupt:
        if args.debug:
            traceback.print_exc()
        print(commands.interrupted_message(args) if args.command == "train" else "interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as err:  # bad options, data or files: the message says what to change
        if args.debug:
            traceback.print_exc()
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - a bug: one line unless --debug
        if args.debug:
            raise
        print(f"error: {type(err).__name__}: {err} (run with --debug for the traceback)", file=sys.stderr)
        return 1
    if result is not None:  # None: a distributed rank other than 0
        print(json.dumps(result))
    return 0
