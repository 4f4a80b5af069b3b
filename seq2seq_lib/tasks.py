"""Synthetic sequence tasks: reversal (the course's toy task), copy and sort.

Each example is a pair ``(source_tokens, target_tokens)`` of lists of strings.
The symbols are the integers ``0 .. vocab_size-1`` written as strings, so a
pair looks like ``(['7', '2', '9'], ['9', '2', '7'])``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from .vocab import Vocab

Pair = tuple[list[str], list[str]]

TASKS = {
    "reversal": lambda seq: seq[::-1],
    "copy": lambda seq: list(seq),
    "sort": lambda seq: sorted(seq, key=int),
}


def task_vocab(vocab_size: int) -> Vocab:
    """The vocabulary of a synthetic task: four specials plus ``vocab_size`` symbols."""
    if vocab_size < 2:
        raise ValueError(f"vocab_size must be at least 2, got {vocab_size}")
    return Vocab(str(i) for i in range(vocab_size))


def make_pairs(
    n: int,
    vocab_size: int = 10,
    min_len: int = 4,
    max_len: int = 12,
    seed: int = 0,
    task: str = "reversal",
    exclude: Iterable[Pair] = (),
) -> list[Pair]:
    """Draw ``n`` distinct pairs of a synthetic task.

    Lengths are uniform on ``[min_len, max_len]`` and symbols uniform on the
    vocabulary. Use a different ``seed`` for held-out sets and pass the training
    pairs as ``exclude`` to make the sets disjoint. ``max_len`` may exceed the
    training lengths: that is how the length-generalisation plots are made.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {sorted(TASKS)}")
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got min_len={min_len}, max_len={max_len}")
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    possible = sum(vocab_size**k for k in range(min_len, max_len + 1))
    seen = {tuple(src) for src, _ in exclude}
    available = possible - sum(min_len <= len(src) <= max_len for src in seen)
    if n > available:
        raise ValueError(f"cannot draw {n} distinct sequences of lengths {min_len}-{max_len}: "
                         f"only {available} exist outside the excluded ones")
    rng = random.Random(seed)
    target_fn = TASKS[task]
    pairs: list[Pair] = []
    while len(pairs) < n:
        length = rng.randint(min_len, max_len)
        src = [str(rng.randrange(vocab_size)) for _ in range(length)]
        key = tuple(src)
        if key in seen:
            continue
        seen.add(key)
        pairs.append((src, target_fn(src)))
    return pairs


def reversal_splits(
    train_size: int = 10_000,
    valid_size: int = 1_000,
    vocab_size: int = 10,
    min_len: int = 4,
    max_len: int = 12,
    seed: int = 0,
) -> tuple[list[Pair], list[Pair]]:
    """Disjoint training and held-out reversal sets (the held-out set uses ``seed + 1``)."""
    train = make_pairs(train_size, vocab_size, min_len, max_len, seed=seed)
    valid = make_pairs(valid_size, vocab_size, min_len, max_len, seed=seed + 1, exclude=train)
    return train, valid
