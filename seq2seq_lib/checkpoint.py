"""Checkpoint directories: atomic saves and validated loads.

A checkpoint is a directory holding ``model.pt`` (the weights), ``model.json``
(architecture and meta data), ``vocab.json`` (both vocabularies), optionally
``training.pt`` (optimizer, scheduler and RNG state for resuming) and, written
last, the manifest ``checkpoint.json`` (format version, each file's size and
sha256). :func:`save_checkpoint` writes everything into a temporary directory
beside the target and only then moves it into place, so a crash, a ``kill -9``
or Ctrl-C leaves either the previous checkpoint or the new one, never a mix.
:func:`load_checkpoint` checks every file and raises :class:`CheckpointError`,
a one-line message naming the file, the problem and the fix.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import functools
import hashlib
import json
import os
import secrets
import shutil
import sys
from pathlib import Path

import torch

from .models import CLASSES
from .protocol import Seq2SeqModel
from .vocab import Vocab

FORMAT_VERSION = 1
MANIFEST, TRAINING = "checkpoint.json", "training.pt"
REQUIRED = ("model.pt", "model.json", "vocab.json")
#: the only names a directory may hold for save_checkpoint to replace it
KNOWN = {*REQUIRED, TRAINING, MANIFEST}
AT_FDCWD, RENAME_EXCHANGE = -100, 2
DAMAGED = "the checkpoint is damaged: retrain it or restore it from a backup"


class CheckpointError(ValueError):
    """A checkpoint cannot be written or read; the message names the file, the problem and the fix."""


def _damaged(path, problem: str) -> CheckpointError:
    return CheckpointError(f"{path}: {problem}; {DAMAGED}")


def _first_line(error: BaseException) -> str:
    """The telling line of a (torch.load) error message: the refused global if any, else the first."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
    return next((line for line in lines if "Unsupported global" in line), lines[0])[:200]


def describe(model: Seq2SeqModel) -> dict:
    """JSON-able description from which :func:`rebuild` makes the same architecture."""
    return {"class": type(model).__name__, "config": dataclasses.asdict(model.config)}


def rebuild(description: dict) -> Seq2SeqModel:
    """Inverse of :func:`describe` (weights not included); ``ValueError`` names what is wrong."""
    name = description.get("class")
    if name not in CLASSES:
        raise ValueError(f"unknown model class {name!r}; known: {sorted(CLASSES)}")
    cls, config_cls = CLASSES[name]
    unknown = sorted(set(description["config"]) - {f.name for f in dataclasses.fields(config_cls)})
    if unknown:
        raise ValueError(f"config keys {unknown} are not options of {config_cls.__name__}")
    return cls(config_cls(**description["config"]))  # TypeError when a required option is missing


# ---------------------------------------------------------------- saving
def save_checkpoint(directory: str | Path, model: Seq2SeqModel, src_vocab: Vocab, tgt_vocab: Vocab,
                    meta: dict | None = None, training_state: dict | None = None) -> Path:
    """Write a checkpoint to ``directory`` atomically and return ``Path(directory)``.

    The files go to a fresh ``.{name}.tmp-*`` directory beside ``directory``, which then
    replaces it in one rename (or one ``renameat2`` exchange when a checkpoint is already
    there). Refuses to replace a file or a directory holding anything but checkpoint files.
    If interrupted, the temporary directory is removed and the old checkpoint is untouched;
    only a ``kill -9`` can leave a ``.{name}.tmp-*`` behind, which is safe to delete.
    """
    target = Path(os.path.realpath(directory))
    _check_replaceable(target, directory)
    tmp = None
    try:
        tmp = _make_tmp(target)
        _write_all(tmp, directory, model, src_vocab, tgt_vocab, meta, training_state)
        _move_into_place(tmp, target, directory)
    except OSError as e:
        raise CheckpointError(f"{directory}: cannot write the checkpoint ({e}); "
                              "free some disk space or choose another --out") from e
    finally:
        if tmp is not None:  # the unfinished new checkpoint, or the replaced old one
            shutil.rmtree(tmp, ignore_errors=True)
    return Path(directory)


def _make_tmp(target: Path) -> Path:
    """A new empty ``.{name}.tmp-<random>`` beside ``target`` (mode from the umask, unlike mkdtemp)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = target.with_name(f".{target.name}.tmp-{secrets.token_hex(4)}")
        try:
            os.mkdir(tmp)
            return tmp
        except FileExistsError:
            continue


def check_out_dir(directory: str | Path) -> None:
    """Raise :class:`CheckpointError` where :func:`save_checkpoint` would refuse ``directory``
    (a file, or a directory of other data): call it before training, not after."""
    _check_replaceable(Path(os.path.realpath(directory)), directory)


def _check_replaceable(target: Path, shown) -> None:
    """Raise unless ``target`` is absent, an empty directory or a directory of checkpoint files."""
    if not os.path.lexists(target):
        return
    if not target.is_dir():
        raise CheckpointError(f"{shown}: exists and is not a directory, so it is not a checkpoint; "
                              "choose another --out or remove it")
    foreign = sorted(p.name for p in target.iterdir() if p.name not in KNOWN or not p.is_file())
    if foreign:
        raise CheckpointError(f"{shown}: is a directory that is not a checkpoint (it holds {', '.join(foreign[:3])}"
                              f"{' ...' if len(foreign) > 3 else ''}); choose another --out or remove it")


def _write_all(tmp: Path, shown, model, src_vocab, tgt_vocab, meta, training_state) -> None:
    """Write the checkpoint files into ``tmp``, the manifest last, and make them durable."""
    try:
        info = json.dumps({**describe(model), "meta": meta or {}}, indent=2)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{Path(shown) / 'model.json'}: meta cannot be written as JSON ({e}); "
                              "keep meta to numbers, strings, lists and dicts") from e
    vocabs = json.dumps({"src": src_vocab.to_list(), "tgt": tgt_vocab.to_list()}, ensure_ascii=False)
    writers = {"model.pt": lambda f: torch.save(model.state_dict(), f),
               "model.json": lambda f: f.write(info.encode()),
               "vocab.json": lambda f: f.write(vocabs.encode())}
    if training_state is not None:
        writers[TRAINING] = lambda f: torch.save(training_state, f)
    files = {name: _write_file(tmp / name, write) for name, write in writers.items()}
    if training_state is not None:  # find out now, not when resuming, that it cannot be loaded
        try:
            torch.load(tmp / TRAINING, map_location="cpu", weights_only=True)
        except Exception as e:
            raise CheckpointError(f"{Path(shown) / TRAINING}: torch.load(weights_only=True) cannot load "
                                  f"training_state back ({_first_line(e)}); keep it to tensors, numbers, "
                                  "strings, lists, tuples and dicts") from e
    manifest = json.dumps({"format": "seq2seq_lib checkpoint", "version": FORMAT_VERSION, "files": files}, indent=2)
    _write_file(tmp / MANIFEST, lambda f: f.write(manifest.encode()))
    _fsync_dir(tmp)


def _write_file(path: Path, write) -> dict:
    """Create ``path``, ``write(f)`` into it, fsync, and return its size and sha256."""
    with open(path, "xb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    return {"bytes": path.stat().st_size, "sha256": _sha256(path)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    """Make the directory's entries durable (best effort: not possible on Windows or every file system)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _move_into_place(tmp: Path, target: Path, shown) -> None:
    """Put the finished ``tmp`` at ``target``; afterwards ``tmp`` holds what must be deleted, if anything."""
    _check_replaceable(target, shown)  # again: the user may have put files there while we wrote
    if not os.path.lexists(target):
        os.rename(tmp, target)
    elif not _exchange(tmp, target):
        # No renameat2: for the instant between the two renames there is no checkpoint at target
        # (the old one is complete at .{name}.old-*); an exception in between puts it back.
        old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
        os.rename(target, old)
        try:
            os.rename(tmp, target)
        except BaseException:
            os.rename(old, target)
            raise
        os.rename(old, tmp)  # let the caller delete the old checkpoint
    _fsync_dir(target.parent)


@functools.lru_cache(maxsize=1)
def _renameat2():
    """libc's ``renameat2`` (Linux, glibc >= 2.28), or None."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2 if sys.platform.startswith("linux") else None
    except (OSError, AttributeError):
        return None
    if fn is not None:
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap ``a`` and ``b``; False where the system or file system cannot."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


# ---------------------------------------------------------------- loading
def load_checkpoint(directory: str | Path, device="cpu", training_state: bool = False):
    """Load ``(model, src_vocab, tgt_vocab, meta)`` written by :func:`save_checkpoint`.

    The model is in eval mode on ``device``. With ``training_state=True`` a fifth element is
    the dict saved as ``training.pt`` (tensors on the CPU). Checkpoints without a manifest
    (written before it existed) load too. Raises :class:`CheckpointError` naming the bad file.
    """
    directory = Path(directory)
    _check_directory(directory)
    _check_manifest(directory)
    info = _read_json(directory / "model.json", {"class": str, "config": dict})
    try:
        model = rebuild(info)
    except (TypeError, ValueError) as e:
        raise _damaged(directory / "model.json", str(e)) from e
    src_vocab, tgt_vocab = _read_vocabs(directory / "vocab.json", model.config)
    _load_weights(directory / "model.pt", model)
    result = (model.to(device).eval(), src_vocab, tgt_vocab, info.get("meta") or {})
    if not training_state:
        return result
    if not (directory / TRAINING).is_file():
        raise CheckpointError(f"{directory / TRAINING}: missing: this checkpoint was not saved by train with "
                              "training state, so it cannot be resumed; train from scratch instead")
    return (*result, _torch_load(directory / TRAINING, dict))


def _check_directory(directory: Path) -> None:
    """Raise unless ``directory`` is a checkpoint directory with the required files."""
    fix, name = "pass the --out directory of a finished train run", directory.name
    if not directory.is_dir():
        problem = "is a file, not a checkpoint directory" if directory.exists() else "does not exist"
        raise CheckpointError(f"{directory}: {problem}; {fix}")
    for kind in (".tmp-", ".old-"):
        if name.startswith(".") and kind in name:
            original = directory.with_name(name[1:name.rindex(kind)])
            fix = (f"load {original} instead and delete this one" if original.exists() else
                   f"rename it to {original} if it holds a {MANIFEST}, else delete it")
            raise CheckpointError(f"{directory}: is a temporary directory left by an interrupted save; {fix}")
    missing = [f for f in REQUIRED if not (directory / f).is_file()]
    if missing:
        raise CheckpointError(f"{directory}: not a checkpoint directory (missing {', '.join(missing)}); {fix}")


def _check_manifest(directory: Path) -> None:
    """Compare each file with the size and sha256 the manifest records (if there is one)."""
    if not (directory / MANIFEST).exists():
        return  # written before manifests existed: the other checks still apply
    manifest = _read_json(directory / MANIFEST, {"version": int, "files": dict})
    if manifest["version"] > FORMAT_VERSION:
        raise CheckpointError(f"{directory / MANIFEST}: format version {manifest['version']} is newer than "
                              "this seq2seq_lib reads; upgrade seq2seq_lib")
    for name, record in manifest["files"].items():
        path, record = directory / name, record if isinstance(record, dict) else {}
        if not path.is_file():
            raise _damaged(path, "missing, though the manifest lists it")
        if path.stat().st_size != record.get("bytes"):
            raise _damaged(path, f"is {path.stat().st_size} bytes, the manifest says {record.get('bytes')} "
                                 "(truncated or modified)")
        if _sha256(path) != record.get("sha256"):
            raise _damaged(path, "its sha256 differs from the manifest's (corrupt or modified)")


def _read_json(path: Path, keys: dict[str, type]) -> dict:
    """Parse ``path`` and check that it is an object with ``keys`` of the given types."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _damaged(path, f"is not valid JSON ({e})") from e
    missing = [k for k in keys if k not in data] if isinstance(data, dict) else list(keys)
    if missing:
        raise _damaged(path, f"lacks {', '.join(repr(k) for k in missing)}")
    for key, kind in keys.items():
        if not isinstance(data[key], kind) or isinstance(data[key], bool):
            raise _damaged(path, f"{key!r} must be a JSON {kind.__name__}, not {type(data[key]).__name__}")
    return data


def _read_vocabs(path: Path, config) -> tuple[Vocab, Vocab]:
    """Both vocabularies, checked against the sizes the model was built for."""
    data, vocabs = _read_json(path, {"src": list, "tgt": list}), []
    for side in ("src", "tgt"):
        if not all(isinstance(token, str) for token in data[side]):
            raise _damaged(path, f"{side!r} must be a list of strings")
        try:
            vocab = Vocab(data[side])
        except ValueError as e:  # a special token in the list
            raise _damaged(path, f"{side!r}: {e}") from e
        size = getattr(config, f"{side}_vocab_size", len(vocab))
        if len(vocab) != size:
            raise _damaged(path, f"the {side} vocabulary has {len(vocab)} tokens but model.json says "
                                 f"{side}_vocab_size={size}")
        vocabs.append(vocab)
    return vocabs[0], vocabs[1]


def _torch_load(path: Path, kind: type):
    """``torch.load(weights_only=True)`` onto the CPU of a ``kind``; errors as :class:`CheckpointError`."""
    # training.pt holds tensors, numbers, strings, tuples (random.getstate()), lists and dicts,
    # all of which weights_only=True loads, so no file is ever unpickled unsafely.
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated zip, bad pickle, refused global, ...
        raise _damaged(path, f"cannot be read by torch.load ({_first_line(e)})") from e
    if not isinstance(data, kind):
        raise _damaged(path, f"holds a {type(data).__name__}, not a {kind.__name__}")
    return data


def _load_weights(path: Path, model: Seq2SeqModel) -> None:
    """Load ``path`` into ``model`` after checking every key and shape."""
    state, expected, name = _torch_load(path, dict), model.state_dict(), type(model).__name__
    for key, tensor in expected.items():
        if key not in state:
            raise _damaged(path, f"weight {key!r} of {name} is missing")
        if getattr(state[key], "shape", None) != tensor.shape:
            raise _damaged(path, f"weight {key!r} has shape {tuple(getattr(state[key], 'shape', ()))}, the "
                                 f"{name} of model.json needs {tuple(tensor.shape)}")
    extra = [k for k in state if k not in expected]
    if extra:
        raise _damaged(path, f"weight {extra[0]!r} is not part of {name}")
    model.load_state_dict(state)
