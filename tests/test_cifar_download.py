"""The real download-and-convert path, run offline against a loopback mirror.

The archive is generated here in CIFAR's python layout (same tar members, same pickle keys);
the stage code downloads it over HTTP, torchvision verifies the checksums and unpacks it, and
the converted arrays must equal the images that were packed.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import pickle
import socket
import tarfile
import threading

import numpy as np
import pytest
from torchvision.datasets import CIFAR10, CIFAR100

from transferlab.data.cifar_download import download_cifar
from transferlab.errors import DownloadError

N_CLASSES = {"cifar10": 10, "cifar100": 100}


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _batch(images: np.ndarray, labels: np.ndarray, label_key: str) -> dict:
    # CIFAR stores each image as 3072 bytes: the red plane, then green, then blue.
    flat = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    batch = {
        "batch_label": "generated batch",
        label_key: labels.tolist(),
        "data": flat,
        "filenames": [f"img_{i}.png" for i in range(len(images))],
    }
    if label_key == "fine_labels":
        batch["coarse_labels"] = (labels // 5).tolist()
    return batch


def make_archive(name: str, rng: np.random.Generator):
    """Build a CIFAR-layout .tar.gz; return its bytes, the member md5s and the arrays packed."""
    k = N_CLASSES[name]
    classes = [f"class_{i}" for i in range(k)]
    train_x = rng.integers(0, 256, (5 * 12, 32, 32, 3), dtype=np.uint8)
    train_y = rng.integers(0, k, len(train_x))
    test_x = rng.integers(0, 256, (15, 32, 32, 3), dtype=np.uint8)
    test_y = rng.integers(0, k, len(test_x))
    if name == "cifar10":
        folder, label_key = "cifar-10-batches-py", "labels"
        members = {
            f"data_batch_{i + 1}": _batch(
                train_x[i * 12 : (i + 1) * 12], train_y[i * 12 : (i + 1) * 12], label_key
            )
            for i in range(5)
        }
        members["test_batch"] = _batch(test_x, test_y, label_key)
        members["batches.meta"] = {
            "label_names": classes,
            "num_cases_per_batch": 12,
            "num_vis": 3072,
        }
    else:
        folder, label_key = "cifar-100-python", "fine_labels"
        members = {
            "train": _batch(train_x, train_y, label_key),
            "test": _batch(test_x, test_y, label_key),
        }
        members["meta"] = {
            "fine_label_names": classes,
            "coarse_label_names": [f"super_{i}" for i in range(20)],
        }
    blobs = {m: pickle.dumps(obj, protocol=2) for m, obj in members.items()}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for member, blob in blobs.items():
            info = tarfile.TarInfo(f"{folder}/{member}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    md5s = {m: _md5(b) for m, b in blobs.items()}
    return buf.getvalue(), md5s, (train_x, train_y, test_x, test_y, classes)


def mirror_class(name: str, url: str, archive: bytes, md5s: dict[str, str]) -> type[CIFAR10]:
    """torchvision's class for ``name`` with the URL and checksums of the generated archive."""
    base = CIFAR10 if name == "cifar10" else CIFAR100
    if name == "cifar10":
        train = [[f"data_batch_{i}", md5s[f"data_batch_{i}"]] for i in range(1, 6)]
        test = [["test_batch", md5s["test_batch"]]]
        meta = {**base.meta, "md5": md5s["batches.meta"]}
    else:
        train, test = [["train", md5s["train"]]], [["test", md5s["test"]]]
        meta = {**base.meta, "md5": md5s["meta"]}
    attrs = {
        "url": url,
        "tgz_md5": _md5(archive),
        "train_list": train,
        "test_list": test,
        "meta": meta,
    }
    return type(f"Mirror{base.__name__}", (base,), attrs)


@pytest.fixture
def http_server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_download_and_convert_from_loopback_mirror(tmp_path, http_server, name):
    root, base_url = http_server
    archive, md5s, (train_x, train_y, test_x, test_y, classes) = make_archive(
        name, np.random.default_rng(0)
    )
    filename = CIFAR10.filename if name == "cifar10" else CIFAR100.filename
    (root / filename).write_bytes(archive)
    cls = mirror_class(name, f"{base_url}/{filename}", archive, md5s)

    raw = tmp_path / "raw"
    data = download_cifar(name, raw, dataset_cls=cls)
    np.testing.assert_array_equal(data.train_images, train_x)
    np.testing.assert_array_equal(data.train_labels, train_y)
    np.testing.assert_array_equal(data.test_images, test_x)
    np.testing.assert_array_equal(data.test_labels, test_y)
    assert data.classes == classes
    assert data.source == "download"
    data.validate()

    # A verified archive in raw/ is reused: the mirror can go away.
    (root / filename).unlink()
    again = download_cifar(name, raw, dataset_cls=cls)
    np.testing.assert_array_equal(again.train_images, train_x)


def test_corrupted_download_is_rejected(tmp_path, http_server):
    root, base_url = http_server
    archive, md5s, _ = make_archive("cifar10", np.random.default_rng(0))
    (root / CIFAR10.filename).write_bytes(archive[:-10] + b"0123456789")
    cls = mirror_class("cifar10", f"{base_url}/{CIFAR10.filename}", archive, md5s)
    with pytest.raises(DownloadError, match=r"failed torchvision.s md5 check"):
        download_cifar("cifar10", tmp_path / "raw", dataset_cls=cls)


def test_no_network_error_names_url_and_file(tmp_path):
    with socket.socket() as s:  # a port nobody listens on: the connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/{CIFAR10.filename}"
    cls = type("Offline", (CIFAR10,), {"url": url})
    raw = tmp_path / "raw"
    with pytest.raises(DownloadError) as err:
        download_cifar("cifar10", raw, dataset_cls=cls)
    message = str(err.value)
    assert url in message
    assert str(raw / CIFAR10.filename) in message
    assert CIFAR10.tgz_md5 in message
