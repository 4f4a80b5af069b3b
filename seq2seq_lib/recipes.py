"""Default training recipes: one place for the task and model defaults, the
text-data sizing rule and the time budget.

The command line, the chapters and the benchmarks all read them from here. A
recipe is a dict of training options (``epochs``, ``batch_size``, ``lr``,
``train_size``, ``lr_schedule``, ``warmup``, ``label_smoothing``) and the model
size (``model``: keyword arguments of the model's config dataclass).
"""

from __future__ import annotations

import copy

from .models import MODELS

#: the reversal task's defaults (vocabulary, lengths) and the held-out set size
TASK_DEFAULTS = {"vocab_size": 10, "min_len": 4, "max_len": 12, "test_size": 1000}
#: text corpora (``--data``): about this many updates, whatever the corpus size (``epochs=None``)
DATA_UPDATES = 8_000
#: text corpora: stop after this many minutes and keep the epoch with the best validation loss
DATA_MAX_MINUTES = 4.0
#: the recipe keys that are training options (the rest is ``model``); ``tokenizer`` and
#: ``vocab_size`` (its BPE vocabulary) say how a text recipe reads its sentences
TRAIN_OPTIONS = ("epochs", "batch_size", "lr", "train_size", "lr_schedule", "warmup", "label_smoothing",
                 "tokenizer", "vocab_size")

# The command line's reversal recipes (chapters train shorter runs and print their own settings).
_RNN = {"emb_dim": 64, "hidden_size": 128, "context_every_step": True}
_ATT = {"emb_dim": 32, "hidden_size": 64}
_TRANSFORMER = {"d_model": 64, "n_heads": 4, "num_layers": 2, "d_ff": 256, "dropout": 0.0}
_ATTENTIONAL = ("bahdanau", "luong-dot", "luong-general", "luong-concat")
# The attentional models: batches of 32, one pass (settings chosen by hand, not raced over seeds).
_ATT_RECIPE = dict(epochs=1, batch_size=32, lr=5e-3, train_size=20_000, model=_ATT)
RECIPES = {
    ("reversal", "gru"): dict(epochs=5, batch_size=128, lr=6e-3, train_size=35_000, model=_RNN),
    ("reversal", "lstm"): dict(epochs=3, batch_size=128, lr=6e-3, train_size=35_000, model=_RNN),
    **{("reversal", name): _ATT_RECIPE for name in _ATTENTIONAL},
    # the Transformer learns reversal from few large steps: 3 passes over 20k pairs, batches of 64
    ("reversal", "transformer"): dict(epochs=3, batch_size=64, lr=3e-3, train_size=20_000, model=_TRANSFORMER),
    # one stack of 4 blocks over "source <sos> target" (about the parameters of the 2+2 Transformer)
    ("reversal", "decoder-only"): dict(epochs=5, batch_size=64, lr=3e-3, train_size=20_000,
                                       model={**_TRANSFORMER, "num_layers": 4}),
    # the generated translation set (chapter 8's corpus, clean and small): words, 20,000 training pairs
    ("translation", "transformer"): dict(epochs=None, batch_size=64, lr=3e-3, label_smoothing=0.1,
                                         train_size=20_000, tokenizer="word",
                                         model={**_TRANSFORMER, "d_model": 128, "d_ff": 512, "dropout": 0.1}),
    **{("translation", name): dict(epochs=None, batch_size=64, lr=1e-3, train_size=20_000, tokenizer="word",
                                   model={**_RNN, "emb_dim": 128}) for name in ("gru", "lstm")},
    **{("translation", name): dict(epochs=None, batch_size=64, lr=1e-3, train_size=20_000, tokenizer="word",
                                   model={"emb_dim": 128, "hidden_size": 256}) for name in _ATTENTIONAL},
    # real text (--data, --task tatoeba): joint byte-level BPE, a small model that makes many cheap
    # updates in the time budget (README: how it was chosen)
    ("data", "transformer"): dict(epochs=None, batch_size=32, lr=3e-3, label_smoothing=0.1, tokenizer="bpe",
                                  vocab_size=2000, model={**_TRANSFORMER, "d_model": 128, "d_ff": 512,
                                                          "dropout": 0.0, "tie_embeddings": True}),
}
RECIPES[("translation", "decoder-only")] = {**RECIPES[("translation", "transformer")],
                                            "model": {**RECIPES[("translation", "transformer")]["model"],
                                                      "num_layers": 4}}
RECIPES[("data", "decoder-only")] = {**RECIPES[("data", "transformer")],
                                     "model": {**RECIPES[("data", "transformer")]["model"], "num_layers": 4}}
for _name in ("gru", "lstm", *_ATTENTIONAL):
    RECIPES[("data", _name)] = {**RECIPES[("translation", _name)], "train_size": None, "tokenizer": "bpe",
                                "vocab_size": 2000}
# the shipped Tatoeba corpus: the real-text recipes, on its whole training split
RECIPES.update({("tatoeba", name): dict(RECIPES[("data", name)]) for name in MODELS if ("data", name) in RECIPES})


def recipe(task: str, model: str) -> dict:
    """A fresh copy of the default recipe for ``task`` (``reversal``, ``translation``,
    ``tatoeba`` or ``data``) and ``model``, every training option present (``None``: the default)."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if (task, model) not in RECIPES:
        raise ValueError(f"no recipe for the {model!r} model on {task!r}")
    base = copy.deepcopy(RECIPES[(task, model)])
    return {**{k: base.get(k) for k in TRAIN_OPTIONS}, "model": base["model"]}


def data_epochs(n_train: int, batch_size: int) -> int:
    """The text-data sizing rule: epochs for about :data:`DATA_UPDATES` updates, 3 to 200."""
    if n_train < 1:
        raise ValueError("the training set is empty")
    return max(3, min(200, round(DATA_UPDATES * batch_size / n_train)))
