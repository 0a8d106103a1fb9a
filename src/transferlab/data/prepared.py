"""The prepared-data file: one uncompressed ``.npz`` per dataset (schema in the README).

Keys: ``train_images`` (N, 32, 32, 3) uint8, ``train_labels`` int64, ``test_images``,
``test_labels``, ``classes`` (str), and ``source`` ("download" or "synthetic") so that every
consumer can label its results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from transferlab.atomic_io import atomic_path
from transferlab.errors import TransferlabError

PREPARED_DIR = Path("data/prepared")


def prepared_path(name: str, root: Path | str = PREPARED_DIR) -> Path:
    """Where the prepared file of dataset ``name`` lives."""
    return Path(root) / f"{name}.npz"


@dataclass
class PreparedData:
    """A dataset as in-memory arrays, in the prepared-file schema."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: list[str]
    source: str

    @property
    def is_synthetic(self) -> bool:
        return self.source == "synthetic"

    def validate(self) -> None:
        """Raise if the arrays break the schema (shapes, dtypes, label range)."""
        k = len(self.classes)
        for split in ("train", "test"):
            images = getattr(self, f"{split}_images")
            labels = getattr(self, f"{split}_labels")
            if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (32, 32, 3):
                raise TransferlabError(
                    f"{split}_images must be (N, 32, 32, 3) uint8, "
                    f"got {images.shape} {images.dtype}"
                )
            if labels.dtype != np.int64 or labels.shape != (len(images),):
                raise TransferlabError(
                    f"{split}_labels must be int64 of length {len(images)}, got "
                    f"{labels.shape} {labels.dtype}"
                )
            if len(labels) and (labels.min() < 0 or labels.max() >= k):
                raise TransferlabError(f"{split}_labels must lie in [0, {k})")


def save_prepared(path: Path | str, data: PreparedData) -> None:
    """Validate and write ``data`` atomically as an uncompressed ``.npz``."""
    data.validate()
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as f:
        np.savez(
            f,
            train_images=data.train_images,
            train_labels=data.train_labels,
            test_images=data.test_images,
            test_labels=data.test_labels,
            classes=np.asarray(data.classes, dtype=str),
            source=np.asarray(data.source),
        )


def load_prepared(path: Path | str) -> PreparedData:
    """Load a prepared file; a missing file names the stage that makes it."""
    path = Path(path)
    if not path.exists():
        raise TransferlabError(f"{path} not found: run `dvc repro data@{path.stem}` first")
    with np.load(path, allow_pickle=False) as z:
        data = PreparedData(
            train_images=z["train_images"],
            train_labels=z["train_labels"],
            test_images=z["test_images"],
            test_labels=z["test_labels"],
            classes=[str(c) for c in z["classes"]],
            source=str(z["source"]),
        )
    data.validate()
    return data
