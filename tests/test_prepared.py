"""The prepared-file schema, from the data stage and from save/load."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_stage

from transferlab.data.classes import CIFAR10_CLASSES, CIFAR100_CLASSES
from transferlab.data.prepared import PreparedData, load_prepared, save_prepared
from transferlab.data.synthetic import make_synthetic
from transferlab.errors import TransferlabError


def test_class_lists_have_the_dataset_sizes():
    assert len(set(CIFAR10_CLASSES)) == 10
    assert len(set(CIFAR100_CLASSES)) == 100
    assert list(CIFAR100_CLASSES) == sorted(CIFAR100_CLASSES)  # CIFAR-100's meta is alphabetical


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_data_stage_writes_the_schema(tmp_path, demo_params, name):
    result = run_stage(tmp_path, "data.py", name, params=demo_params)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "data" / "prepared" / f"{name}.npz"
    with np.load(path, allow_pickle=False) as z:
        assert set(z.files) == {
            "train_images",
            "train_labels",
            "test_images",
            "test_labels",
            "classes",
            "source",
        }
        syn = demo_params["data"]["synthetic"]
        assert z["train_images"].shape == (syn["train_size"], 32, 32, 3)
        assert z["train_images"].dtype == np.uint8
        assert z["train_labels"].dtype == np.int64
        assert z["test_images"].shape == (syn["test_size"], 32, 32, 3)
        assert str(z["source"]) == "synthetic"
        k = len(z["classes"])
        assert k == (10 if name == "cifar10" else 100)
        # Balanced classes, as in CIFAR.
        assert np.bincount(z["train_labels"], minlength=k).min() >= syn["train_size"] // k
    # An uncompressed archive: members are stored, not deflated (fast to load).
    import zipfile

    with zipfile.ZipFile(path) as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}


def test_save_load_roundtrip(tmp_path):
    data = make_synthetic(CIFAR10_CLASSES, 30, 20, seed=3)
    save_prepared(tmp_path / "x.npz", data)
    back = load_prepared(tmp_path / "x.npz")
    for key in ("train_images", "train_labels", "test_images", "test_labels"):
        np.testing.assert_array_equal(getattr(back, key), getattr(data, key))
    assert back.classes == list(CIFAR10_CLASSES)
    assert back.is_synthetic


def test_schema_violations_are_rejected(tmp_path):
    data = make_synthetic(CIFAR10_CLASSES, 30, 20, seed=3)
    bad = PreparedData(**{**data.__dict__, "train_labels": data.train_labels.astype(np.int32)})
    with pytest.raises(TransferlabError, match="train_labels must be int64"):
        save_prepared(tmp_path / "x.npz", bad)
    bad = PreparedData(**{**data.__dict__, "test_images": data.test_images[:, :16]})
    with pytest.raises(TransferlabError, match=r"test_images must be \(N, 32, 32, 3\)"):
        save_prepared(tmp_path / "x.npz", bad)
    assert not (tmp_path / "x.npz").exists()


def test_missing_file_names_the_stage(tmp_path):
    with pytest.raises(TransferlabError, match=r"dvc repro data@cifar100"):
        load_prepared(tmp_path / "cifar100.npz")


def test_synthetic_is_seeded():
    a = make_synthetic(CIFAR10_CLASSES, 40, 10, seed=1)
    b = make_synthetic(CIFAR10_CLASSES, 40, 10, seed=1)
    c = make_synthetic(CIFAR10_CLASSES, 40, 10, seed=2)
    np.testing.assert_array_equal(a.train_images, b.train_images)
    assert not np.array_equal(a.train_images, c.train_images)
