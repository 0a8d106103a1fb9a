"""The typed params loader: every error names the dotted key, the value and what is allowed."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Literal

import pytest
import yaml
from conftest import run_stage

from transferlab.errors import ParamsError
from transferlab.params import (
    DataParams,
    PositiveInt,
    Probability,
    load_section,
    parse_dataclass,
)


@dataclass(frozen=True)
class Inner:
    size: PositiveInt
    p: Probability


@dataclass(frozen=True)
class Outer:
    mode: Literal["a", "b"]
    inner: Inner
    names: list[str]
    lr: float
    extra: int | None = None


GOOD = {"mode": "a", "inner": {"size": 3, "p": 0.5}, "names": ["x"], "lr": "1e-3"}


def test_good_values_parse_with_types():
    out = parse_dataclass(Outer, GOOD, "sec")
    assert out == Outer(mode="a", inner=Inner(size=3, p=0.5), names=["x"], lr=1e-3, extra=None)
    assert isinstance(out.lr, float)


@pytest.mark.parametrize(
    ("edit", "needles"),
    [
        (("inner", "size", -2), ["sec.inner.size", "-2", ">= 1"]),
        (("inner", "size", "three"), ["sec.inner.size", "'three'", "an integer"]),
        (("inner", "size", True), ["sec.inner.size", "True", "an integer"]),
        (("inner", "p", 1.5), ["sec.inner.p", "1.5", "<= 1"]),
        (("mode", None, "c"), ["sec.mode", "'c'", "one of 'a', 'b'"]),
        (("names", None, "x"), ["sec.names", "a list of a string"]),
        (("lr", None, "fast"), ["sec.lr", "'fast'", "a number"]),
    ],
)
def test_bad_value_names_key_value_and_allowed(edit, needles):
    data = copy.deepcopy(GOOD)
    a, b, value = edit
    if b is None:
        data[a] = value
    else:
        data[a][b] = value
    with pytest.raises(ParamsError) as err:
        parse_dataclass(Outer, data, "sec")
    for needle in needles:
        assert needle in str(err.value)


def test_unknown_key_lists_allowed_keys():
    data = {**GOOD, "moed": "a"}
    with pytest.raises(ParamsError, match=r"unknown key sec\.moed.*mode, inner, names, lr, extra"):
        parse_dataclass(Outer, data, "sec")


def test_missing_key_is_named():
    data = copy.deepcopy(GOOD)
    del data["inner"]["p"]
    with pytest.raises(ParamsError, match=r"missing key sec\.inner\.p"):
        parse_dataclass(Outer, data, "sec")


def test_load_section_reads_dotted_section(tmp_path, demo_params):
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(demo_params))
    data = load_section(DataParams, "data", path)
    assert data.source == "synthetic"
    assert data.synthetic.train_size == demo_params["data"]["synthetic"]["train_size"]


def test_repository_params_are_valid():
    # The committed defaults must pass their own schemas.
    from conftest import REPO

    from transferlab.params import PretrainedParams

    load_section(DataParams, "data", REPO / "params.yaml")
    load_section(PretrainedParams, "pretrained", REPO / "params.yaml")


@pytest.mark.parametrize(
    ("script", "args", "key", "value", "needle"),
    [
        (
            "data.py",
            ["cifar10"],
            ("data", "synthetic", "train_size"),
            -5,
            "data.synthetic.train_size",
        ),
        ("data.py", ["cifar100"], ("data", "synthetic", "train_size"), 50, "allowed: >= 100"),
        ("data.py", ["cifar10"], ("data", "source"), "ftp", "data.source = 'ftp'"),
        ("pretrained.py", [], ("pretrained", "resnet_weights"), "V9", "IMAGENET1K_V1"),
        ("pretrained.py", [], ("pretrained", "size"), "huge", "pretrained.size = 'huge'"),
    ],
)
def test_stage_with_bad_param_exits_nonzero_and_writes_nothing(
    tmp_path, demo_params, script, args, key, value, needle
):
    node = demo_params
    for part in key[:-1]:
        node = node[part]
    node[key[-1]] = value
    result = run_stage(tmp_path, script, *args, params=demo_params)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


def test_finetune_variant_overrides_common_values(tmp_path, demo_params):
    from transferlab.params import load_finetune_config

    demo_params["finetune"]["variants"]["fc"]["lr"] = 0.05
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(demo_params))
    fc = load_finetune_config("fc", path)
    other = load_finetune_config("fc_hflip", path)
    assert fc.settings.lr == 0.05 and fc.as_dict()["overridden"] == ["lr"]
    assert other.settings.lr == demo_params["finetune"]["common"]["lr"]
    assert fc.settings.epochs == other.settings.epochs
