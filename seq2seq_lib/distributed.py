"""Scaling out: data parallelism over several processes, and mixed precision.

Data parallelism (PyTorch's ``DistributedDataParallel``, Li et al., 2020): every
process ("rank") holds a copy of the model and trains on its own shard of each
global batch; during ``backward`` DDP all-reduces the gradients, so every copy
takes the same step. Launch with ``torchrun``, which starts the processes and
tells each its ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``::

    torchrun --standalone --nproc_per_node 2 -m seq2seq_lib train --distributed ...

Here every rank iterates the *same* loader (same seed, so the same global
batches) and takes its slice of each batch (:meth:`DistEnv.shard`): N ranks
times the per-rank batch is exactly the single-process batch. The library's
loss is a mean over the batch's real tokens, and shards hold different numbers
of tokens, so each rank divides its summed loss by the **global** token count and
multiplies by ``world_size``: DDP's average of the ranks' gradients is then
exactly the single-process gradient (see :func:`~seq2seq_lib.train.train_step`).

Mixed precision (:class:`MixedPrecision`, Micikevicius et al., 2018): the
forward pass runs under ``torch.autocast`` (matrix products in fp16 or bf16,
weights and optimiser in fp32); with fp16 a ``GradScaler`` scales the loss so
small gradients do not underflow, and skips steps whose gradients overflowed.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, fields

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from .data import Batch

LAUNCH_HINT = "launch with torchrun --nproc_per_node N -m seq2seq_lib train ... --distributed"


@dataclass
class DistEnv:
    """This process's place in the group: ``rank`` of ``world_size``, its ``device`` and ``backend``."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    backend: str

    @property
    def is_main(self) -> bool:
        """Rank 0 is the one that prints, shows progress, validates and writes checkpoints."""
        return self.rank == 0

    def wrap(self, model: torch.nn.Module, find_unused_parameters: bool = False) -> DistributedDataParallel:
        """``model`` (moved to this rank's device) in DDP. DDP broadcasts rank 0's weights,
        so every copy starts equal. Every parameter of the library's models gets a gradient
        in ``forward``; a model with branches that leave some unused needs
        ``find_unused_parameters=True`` (slower: DDP then walks the graph every step)."""
        model.to(self.device)
        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids, find_unused_parameters=find_unused_parameters)

    def shard(self, batch: Batch) -> tuple[Batch, float]:
        """This rank's contiguous slice of the global ``batch`` and its weight (1, or 0 for a stand-in).

        The slice is re-trimmed to its own longest source and target, as ``collate``
        would pad it. A batch with fewer rows than ranks leaves some ranks without
        examples: they train on a copy of the first row with weight 0, because every
        rank must take part in DDP's all-reduce.
        """
        rows = torch.arange(len(batch)).tensor_split(self.world_size)[self.rank]
        weight = 1.0
        if len(rows) == 0:
            rows, weight = torch.zeros(1, dtype=torch.long), 0.0
        rows = rows.to(batch.src.device)
        part = {f.name: getattr(batch, f.name).index_select(0, rows) for f in fields(batch)}
        s, t = int(part["src_lens"].max()), int(part["tgt_lens"].max())
        part.update(src=part["src"][:, :s], tgt_in=part["tgt_in"][:, :t], tgt_out=part["tgt_out"][:, :t])
        return Batch(**part), weight

    def sum(self, value: torch.Tensor) -> float:
        """The sum of ``value`` over all ranks (every rank gets it)."""
        value = value.detach().clone().to(self.device)
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
        return float(value)

    def from_main(self, value: float) -> float:
        """Rank 0's ``value`` on every rank: e.g. the fraction of a time budget spent,
        so that every rank follows the same learning-rate schedule and stops together."""
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.broadcast(tensor, src=0)
        return float(tensor)

    def close(self) -> None:
        """Leave the process group (no collective is pending once ``fit`` has returned)."""
        if dist.is_initialized():
            dist.destroy_process_group()


def init_distributed(device: str | None = None) -> DistEnv:
    """Join the process group that ``torchrun`` set up (its ``RANK``, ``WORLD_SIZE``,
    ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT`` environment variables).

    One process per GPU: rank ``r`` on node-local GPU ``LOCAL_RANK`` with the NCCL
    backend; without CUDA (or with ``device="cpu"``) every rank uses the CPU and
    the gloo backend.
    """
    missing = [k for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
               if k not in os.environ]
    if missing:
        raise ValueError(f"--distributed needs the environment that torchrun sets ({', '.join(missing)} "
                         f"missing): {LAUNCH_HINT}")
    rank, world, local = (int(os.environ[k]) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    if device not in (None, "cpu", "cuda"):
        raise ValueError(f"--distributed runs on cpu or cuda, not {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for but CUDA is not available; drop --device to use the CPU")
    cuda = device != "cpu" and torch.cuda.is_available()
    if cuda:
        if local >= torch.cuda.device_count():
            raise ValueError(f"LOCAL_RANK {local} but only {torch.cuda.device_count()} GPUs: "
                             f"use --nproc_per_node {torch.cuda.device_count()} or fewer")
        torch.cuda.set_device(local)
    env = DistEnv(rank, world, local, torch.device("cuda", local) if cuda else torch.device("cpu"),
                  "nccl" if cuda else "gloo")
    if not dist.is_initialized():
        dist.init_process_group(backend=env.backend)
    return env


class MixedPrecision:
    """Autocast for the forward pass and, for fp16, a ``GradScaler`` for the backward pass.

    ``mode``: ``None``/``"off"`` (full fp32, the default), ``"fp16"`` (CUDA only, with
    loss scaling), ``"bf16"`` (CUDA or CPU; bf16 has fp32's exponent range, so no scaling
    is needed) or ``"auto"`` (fp16 on CUDA, bf16 on the CPU). On the CPU, bf16 autocast
    is numerically what a GPU run does, but rarely faster on CPUs without bf16 matrix
    units, so it warns.
    """

    def __init__(self, mode: str | None, device: torch.device | str = "cpu"):
        self.device_type = torch.device(device).type
        mode = None if mode in (None, False, "off") else mode
        if mode == "auto":
            mode = "fp16" if self.device_type == "cuda" else "bf16"
        if mode not in (None, "fp16", "bf16"):
            raise ValueError(f"unknown mixed-precision mode {mode!r}; choose 'auto', 'fp16' or 'bf16'")
        if mode == "fp16" and self.device_type != "cuda":
            raise ValueError(f"fp16 autocast with loss scaling needs CUDA, not {self.device_type}; use bf16")
        if mode == "bf16" and self.device_type not in ("cuda", "cpu"):
            raise ValueError(f"mixed precision runs on cuda or cpu, not {self.device_type}; drop --amp")
        if mode is not None and self.device_type == "cpu":
            warnings.warn("--amp on the CPU: bf16 autocast, for testing the code path; "
                          "it is rarely faster than fp32 on a CPU", stacklevel=2)
        self.mode = mode
        self.dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(mode)
        self.scaler = torch.amp.GradScaler(self.device_type if mode == "fp16" else "cpu", enabled=mode == "fp16")

    def autocast(self):
        """The context for the forward pass (does nothing in full precision)."""
        return torch.autocast(self.device_type, dtype=self.dtype, enabled=self.dtype is not None)

    def backward(self, loss: torch.Tensor) -> None:
        self.scaler.scale(loss).backward()

    def step(self, optimizer: torch.optim.Optimizer, parameters, clip: float | None) -> None:
        """Unscale the gradients, clip their norm, step (skipped on inf/NaN with fp16)."""
        if clip is not None:
            self.scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(parameters, clip)
        self.scaler.step(optimizer)
        self.scaler.update()
