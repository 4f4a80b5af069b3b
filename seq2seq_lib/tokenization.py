"""How a text model turns sentences into tokens and back: one object, saved in the checkpoint.

:class:`TextTokenizer` wraps the stateless word and character tokenizers of
:mod:`seq2seq_lib.vocab` and the learned byte-level BPE of :mod:`seq2seq_lib.bpe`
behind one interface. The command line fits one on the training text
(:meth:`TextTokenizer.fit`), stores it in the checkpoint's meta data
(:meth:`TextTokenizer.to_meta`) and rebuilds it for ``evaluate`` and
``translate`` (:meth:`TextTokenizer.from_meta`), so a model always reads and
writes text the way it was trained to.
"""

from __future__ import annotations

from collections.abc import Sequence

from .bpe import BPETokenizer
from .corpus import guess_tokenizer
from .vocab import Vocab, get_tokenizer

#: the tokenizers a text model can be trained with (``word`` picks French spacing itself)
TEXT_TOKENIZERS = ("bpe", "word", "char")


class TextTokenizer:
    """``name`` is ``"bpe"``, ``"word"``, ``"word-fr"`` or ``"char"``; ``bpe`` the learned model."""

    def __init__(self, name: str, bpe: BPETokenizer | None = None):
        if name == "bpe" and bpe is None:
            raise ValueError("a 'bpe' tokenizer needs its learned BPE model")
        if name != "bpe":
            get_tokenizer(name)  # checks the name
        self.name, self.bpe = name, bpe

    @classmethod
    def fit(cls, name: str, pairs: Sequence[tuple[str, str]], vocab_size: int | None = None) -> TextTokenizer:
        """Learn the tokenizer ``name`` from raw training pairs (a joint BPE of ``vocab_size``
        subwords over both languages; ``word`` becomes ``word-fr`` when the targets use French spacing)."""
        if name not in TEXT_TOKENIZERS:
            raise ValueError(f"unknown tokenizer {name!r}; choose one of {', '.join(TEXT_TOKENIZERS)}")
        if not pairs:
            raise ValueError("the training set is empty: there is no text to learn a tokenizer from")
        if name == "bpe":
            if vocab_size is None:
                raise ValueError("a BPE tokenizer needs a vocabulary size (--vocab-size)")
            return cls("bpe", BPETokenizer.train([s for pair in pairs for s in pair], vocab_size))
        if vocab_size is not None:
            raise ValueError(f"--vocab-size sets the size of a BPE vocabulary; the {name!r} tokenizer keeps "
                             "every token of the training set (drop --vocab-size or use --tokenizer bpe)")
        return cls(guess_tokenizer(t for _, t in pairs) if name == "word" else name)

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """Token strings of each text (batched: the BPE library encodes in parallel)."""
        if self.bpe is not None:
            return self.bpe.tokenize_batch(list(texts))
        tokenize = get_tokenizer(self.name)[0]
        return [tokenize(t) for t in texts]

    def tokenize_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[list[str], list[str]]]:
        return list(zip(self.tokenize([s for s, _ in pairs]), self.tokenize([t for _, t in pairs])))

    def detokenize(self, tokens: Sequence[str]) -> str:
        if self.bpe is not None:
            return self.bpe.detokenize(tokens)
        return get_tokenizer(self.name)[1](tokens)

    def vocabularies(self, tokenized: Sequence[tuple[Sequence[str], Sequence[str]]]) -> tuple[Vocab, Vocab]:
        """``(src_vocab, tgt_vocab)``: for BPE one joint vocabulary holding every subword (and every
        byte, so that no text is ever unknown); otherwise the tokens seen in training, per side."""
        if self.bpe is not None:
            joint = Vocab(self.bpe.tokens())
            return joint, joint
        return Vocab.build(s for s, _ in tokenized), Vocab.build(t for _, t in tokenized)

    def to_meta(self) -> dict:
        """What the checkpoint stores: ``{"tokenizer": name}``, plus ``"bpe"`` (the BPE model as JSON)."""
        return {"tokenizer": self.name, **({"bpe": self.bpe.to_json()} if self.bpe is not None else {})}

    @classmethod
    def from_meta(cls, meta: dict) -> TextTokenizer:
        name = meta.get("tokenizer", "word")
        if name == "bpe":
            if "bpe" not in meta:
                raise ValueError("the checkpoint says it uses a BPE tokenizer but holds no BPE model")
            return cls("bpe", BPETokenizer.from_json(meta["bpe"]))
        return cls(name)
