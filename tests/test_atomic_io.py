"""Atomic writes: a failure mid-write leaves the previous file intact and no temporaries."""

from __future__ import annotations

import pytest

from transferlab.atomic_io import atomic_dir, atomic_path, write_json


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "metrics.json"
    write_json(target, {"acc": 0.5})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text('{"acc": 0.')
        raise RuntimeError("killed mid-write")
    assert target.read_text() == '{\n  "acc": 0.5\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_atomic_dir_replaces_whole_folder(tmp_path):
    target = tmp_path / "clip"
    with atomic_dir(target) as tmp:
        (tmp / "a").write_text("1")
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "b").write_text("2")
        raise RuntimeError("killed")
    assert sorted(p.name for p in target.iterdir()) == ["a"]
    with atomic_dir(target) as tmp:
        (tmp / "c").write_text("3")
    assert sorted(p.name for p in target.iterdir()) == ["c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip"]
