"""CIFAR download through torchvision (checksummed), converted to the prepared schema."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.error import URLError

import numpy as np
from torchvision.datasets import CIFAR10, CIFAR100

from transferlab.data.prepared import PreparedData
from transferlab.errors import DownloadError

RAW_DIR = Path("data/raw")

TORCHVISION_DATASETS: dict[str, type[CIFAR10]] = {"cifar10": CIFAR10, "cifar100": CIFAR100}


def download_cifar(
    name: str, raw_dir: Path | str = RAW_DIR, dataset_cls: type[CIFAR10] | None = None
) -> PreparedData:
    """Download (or reuse a verified archive in ``raw_dir``) and convert to PreparedData.

    ``dataset_cls`` defaults to torchvision's class for ``name``; tests pass a subclass that
    points at a loopback mirror, so this exact code path runs offline.
    """
    cls = dataset_cls or TORCHVISION_DATASETS[name]
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    try:
        train = cls(root=os.fspath(raw_dir), train=True, download=True)
        test = cls(root=os.fspath(raw_dir), train=False, download=False)
    except RuntimeError as e:
        # torchvision's only RuntimeError here is a failed checksum of the archive or a batch.
        raise DownloadError(
            f"{name}: files in {raw_dir} failed torchvision's md5 check ({e}); delete "
            f"{raw_dir / cls.filename} and {raw_dir / cls.base_folder} and rerun"
        ) from None
    except (URLError, OSError) as e:
        raise DownloadError(
            f"could not download {name} from {cls.url} ({e}). Without network, fetch "
            f"{cls.filename} (md5 {cls.tgz_md5}) elsewhere, place it at "
            f"{raw_dir / cls.filename} and rerun; torchvision verifies and unpacks it."
        ) from None
    return PreparedData(
        train_images=np.ascontiguousarray(train.data, dtype=np.uint8),
        train_labels=np.asarray(train.targets, dtype=np.int64),
        test_images=np.ascontiguousarray(test.data, dtype=np.uint8),
        test_labels=np.asarray(test.targets, dtype=np.int64),
        classes=list(train.classes),
        source="download",
    )
