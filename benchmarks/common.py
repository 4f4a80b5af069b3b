"""Shared timing helper for the benchmarks: best of several repeats, same process."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_time(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Smallest wall time of ``repeats`` calls of ``fn`` after ``warmup`` calls (seconds)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, reference: float, new: float, **extra) -> str:
    """The one line every benchmark prints: ``bench NAME ratio=X.XX ...``."""
    fields = " ".join(f"{k}={v}" for k, v in extra.items())
    line = f"bench {name} ratio={reference / new:.2f} reference_s={reference:.4f} new_s={new:.4f} {fields}".rstrip()
    print(line, flush=True)
    return line
