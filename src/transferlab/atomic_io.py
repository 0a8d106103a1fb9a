"""Atomic output writers: write to a temporary file in the same folder, then rename.

A stage killed mid-write leaves either the previous file or nothing, never a truncated one,
because ``os.replace`` is atomic within a filesystem.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(target: Path | str, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success it is renamed onto ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


@contextmanager
def atomic_dir(target: Path | str) -> Iterator[Path]:
    """Yield a temporary folder next to ``target``; on success it replaces ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_text(target: Path | str, text: str) -> None:
    """Atomically write ``text`` to ``target``."""
    with atomic_path(target) as tmp:
        tmp.write_text(text)


def write_json(target: Path | str, data: Any) -> None:
    """Atomically write ``data`` as indented JSON (keys kept in insertion order)."""
    write_text(target, json.dumps(data, indent=2, default=_json_default) + "\n")


def write_with(target: Path | str, writer: Callable[[Path], None], suffix: str = "") -> None:
    """Atomically write ``target`` with ``writer(tmp_path)``, e.g. ``torch.save`` or ``savefig``."""
    with atomic_path(target, suffix=suffix) as tmp:
        writer(tmp)


def _json_default(obj: Any) -> Any:
    # numpy and torch scalars show up in metrics; JSON needs plain Python numbers.
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")
