"""Small helpers: seeding, device choice, shape checks, parameter counts."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (CPU and every GPU) for reproducible runs."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


def pick_device(prefer: str | None = None) -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU.

    ``prefer`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``) overrides the choice; a
    device that is not a device, or not on this machine, raises ``ValueError``.
    """
    if prefer is not None:
        return _available_device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _available_device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise ValueError(f"{name!r} is not a device; use cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(f"device {name!r} asked for, but CUDA is not available here; use cpu")
        if device.index is not None and device.index >= count:
            raise ValueError(f"device {name!r} asked for, but this machine has {count} GPU(s): "
                             f"cuda:0..cuda:{count - 1}")
    elif device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"device {name!r} asked for, but Apple's MPS is not available here; use cpu")
    elif device.type != "cpu":
        raise ValueError(f"device {name!r} is not supported; use cpu, cuda, cuda:N or mps")
    return device


def check_shape(x: torch.Tensor, shape: Sequence[int | str | None], name: str = "tensor") -> dict:
    """Check ``x`` against a shape spec and return the sizes bound to named dimensions.

    Each entry of ``shape`` is an int (exact size), a string (a named size that
    must be the same wherever the name appears) or ``None`` (anything).

    >>> check_shape(torch.zeros(2, 5), ("B", "S"), "src")
    {'B': 2, 'S': 5}
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    spec = "[" + ", ".join("*" if d is None else str(d) for d in shape) + "]"
    if x.dim() != len(shape):
        raise ValueError(f"{name} should have shape {spec}, got {list(x.shape)} ({x.dim()} dims)")
    bound: dict[str, int] = {}
    for i, (want, got) in enumerate(zip(shape, x.shape)):
        if isinstance(want, int) and want != got:
            raise ValueError(f"{name} should have shape {spec}, got {list(x.shape)} (dim {i})")
        if isinstance(want, str):
            if bound.setdefault(want, got) != got:
                raise ValueError(
                    f"{name} should have shape {spec}, got {list(x.shape)}: "
                    f"dimension {want} is {bound[want]} and {got}"
                )
    return bound


def count_parameters(model: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@contextmanager
def eval_mode(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Switch ``model`` to evaluation mode (dropout off) and back to its previous mode on exit."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
