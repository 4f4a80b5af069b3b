"""From token pairs to padded batches: ``Batch``, collate, length bucketing, loaders.

Conventions (batch first):

* ``src``     ``[B, S]`` source ids, right-padded with ``<pad>`` (0), no specials;
* ``tgt_in``  ``[B, T]`` ``<sos> y1 ... yn`` (what the decoder reads);
* ``tgt_out`` ``[B, T]`` ``y1 ... yn <eos>`` (what it must predict);
* ``src_lens``/``tgt_lens`` ``[B]`` true lengths (``tgt_lens`` counts ``<eos>``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from .vocab import EOS, PAD, SOS, Vocab


@dataclass
class Batch:
    src: torch.Tensor
    src_lens: torch.Tensor
    tgt_in: torch.Tensor
    tgt_out: torch.Tensor
    tgt_lens: torch.Tensor

    def to(self, device: torch.device | str) -> Batch:
        """Move every tensor to ``device``."""
        return Batch(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    def __len__(self) -> int:
        return self.src.size(0)

    @property
    def n_tokens(self) -> int:
        """Number of real (non-pad) target tokens, ``<eos>`` included."""
        return int(self.tgt_lens.sum())


class Seq2SeqDataset(Dataset):
    """Pairs of id lists ``(source_ids, target_ids)`` without special tokens."""

    def __init__(self, examples: Sequence[tuple[Sequence[int], Sequence[int]]]):
        self.examples = [(list(s), list(t)) for s, t in examples]
        for i, (src, tgt) in enumerate(self.examples):
            if not src or not tgt:
                side = "source" if not src else "target"
                raise ValueError(f"example {i} has an empty {side} sequence; drop it or add tokens")

    @classmethod
    def from_pairs(cls, pairs, src_vocab: Vocab, tgt_vocab: Vocab) -> Seq2SeqDataset:
        """Encode token pairs ``[(src_tokens, tgt_tokens), ...]`` with the two vocabularies."""
        return cls([(src_vocab.encode(s), tgt_vocab.encode(t)) for s, t in pairs])

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, i: int) -> tuple[list[int], list[int]]:
        return self.examples[i]

    def lengths(self) -> list[int]:
        """Source lengths, used for bucketing."""
        return [len(s) for s, _ in self.examples]


def pad_sequences(seqs: Sequence[Sequence[int]], pad_id: int = PAD) -> torch.Tensor:
    """Right-pad lists of ids into a ``[len(seqs), max_len]`` long tensor."""
    if not seqs:
        raise ValueError("cannot pad an empty list of sequences")
    out = torch.full((len(seqs), max(len(s) for s in seqs)), pad_id, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.as_tensor(s, dtype=torch.long)
    return out


def collate(examples: Sequence[tuple[Sequence[int], Sequence[int]]]) -> Batch:
    """Turn ``[(src_ids, tgt_ids), ...]`` into a padded :class:`Batch`."""
    for i, (src, tgt) in enumerate(examples):
        if len(src) == 0 or len(tgt) == 0:
            raise ValueError(f"example {i} of the batch has an empty sequence")
    srcs = [s for s, _ in examples]
    tgt_in = [[SOS, *t] for _, t in examples]
    tgt_out = [[*t, EOS] for _, t in examples]
    return Batch(
        src=pad_sequences(srcs),
        src_lens=torch.tensor([len(s) for s in srcs]),
        tgt_in=pad_sequences(tgt_in),
        tgt_out=pad_sequences(tgt_out),
        tgt_lens=torch.tensor([len(t) for t in tgt_out]),
    )


class BucketBatchSampler(Sampler[list[int]]):
    """Batches of examples of similar length, in a random order each epoch.

    Examples are shuffled, cut into pools of ``pool_factor`` batches, each pool
    is sorted by length and cut into batches, and the batches are shuffled.
    Similar lengths mean little padding; the pools keep some randomness.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, pool_factor: int = 50,
                 shuffle: bool = True, seed: int = 0):
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.pool = batch_size * pool_factor
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def __iter__(self) -> Iterator[list[int]]:
        rng = random.Random(self.seed + self.epoch)
        self.epoch += 1
        order = list(range(len(self.lengths)))
        if self.shuffle:
            rng.shuffle(order)
        batches = []
        for start in range(0, len(order), self.pool):
            pool = sorted(order[start : start + self.pool], key=self.lengths.__getitem__)
            batches += [pool[i : i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
        if self.shuffle:
            rng.shuffle(batches)
        return iter(batches)

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)


def make_loader(dataset: Seq2SeqDataset, batch_size: int = 64, shuffle: bool = False,
                bucket: bool = False, seed: int = 0, **kwargs) -> DataLoader:
    """A ``DataLoader`` of :class:`Batch` objects, optionally length-bucketed."""
    if bucket:
        sampler = BucketBatchSampler(dataset.lengths(), batch_size, shuffle=shuffle, seed=seed)
        return DataLoader(dataset, batch_sampler=sampler, collate_fn=collate, **kwargs)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=collate,
                      generator=generator, **kwargs)


def padding_fraction(loader: DataLoader) -> float:
    """Fraction of source and target positions that are padding over one pass of ``loader``."""
    pad = total = 0
    for b in loader:
        for x in (b.src, b.tgt_out):
            pad += int((x == PAD).sum())
            total += x.numel()
    return pad / max(total, 1)
