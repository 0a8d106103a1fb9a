"""Visual prompting: prompt geometry, deep prompt insertion, gradients, learning, resume, checks."""

from __future__ import annotations

import json
import os
import signal

import pytest
import torch
import torch.nn.functional as F
import yaml
from conftest import run_stage, stage_outcome

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.clip.text import readable_class_names, text_classifier
from transferlab.clip.zeroshot import image_logits
from transferlab.data.classes import CIFAR10_CLASSES, CIFAR100_CLASSES
from transferlab.data.device_batches import images_to_device
from transferlab.data.prepared import save_prepared
from transferlab.data.synthetic import make_synthetic
from transferlab.errors import ParamsError
from transferlab.metrics import evaluate
from transferlab.params import PromptCommonParams, PromptConfig, PromptMethodParams
from transferlab.pretrained.clip import random_clip, save_clip
from transferlab.prompt.model import PromptedClip, build_prompt
from transferlab.prompt.modules import (
    DeepPrompt,
    FixedPatchPrompt,
    PaddingPrompt,
    RandomPatchPrompt,
)
from transferlab.prompt.train import train_prompt
from transferlab.resume import KILL_AFTER_EPOCH_ENV

CPU = torch.device("cpu")
TEMPLATE = "This is a photo of a {}"


def test_padding_fills_the_border_and_leaves_the_centre():
    prompt = PaddingPrompt(image_size=20, size=3, generator=torch.Generator().manual_seed(0))
    x = torch.randn(2, 3, 20, 20)
    delta = prompt(x) - x
    assert torch.equal(delta[:, :, 3:17, 3:17], torch.zeros(2, 3, 14, 14))
    border = torch.ones(20, 20, dtype=torch.bool)
    border[3:17, 3:17] = False
    assert (delta[:, :, border] != 0).all()
    assert sum(p.numel() for p in prompt.parameters()) == 3 * (20 * 20 - 14 * 14)


def test_fixed_patch_touches_only_its_corner():
    prompt = FixedPatchPrompt(image_size=16, size=2, generator=torch.Generator().manual_seed(0))
    x = torch.randn(1, 3, 16, 16)
    delta = prompt(x) - x
    assert (delta[:, :, :2, :2] != 0).all()
    delta[:, :, :2, :2] = 0
    assert torch.equal(delta, torch.zeros_like(delta))


def _patch_position(prompt: RandomPatchPrompt) -> tuple[int, int]:
    delta = prompt(torch.zeros(1, 3, prompt.image_size, prompt.image_size))[0].abs().sum(0)
    rows, cols = torch.nonzero(delta, as_tuple=True)
    assert rows.max() - rows.min() == prompt.size - 1 and cols.max() - cols.min() == prompt.size - 1
    return int(rows.min()), int(cols.min())


def test_random_patch_moves_between_calls_with_a_seeded_generator():
    a = RandomPatchPrompt(image_size=32, size=3, generator=torch.Generator().manual_seed(0), seed=7)
    b = RandomPatchPrompt(image_size=32, size=3, generator=torch.Generator().manual_seed(0), seed=7)
    positions_a = [_patch_position(a) for _ in range(6)]
    positions_b = [_patch_position(b) for _ in range(6)]
    assert positions_a == positions_b
    assert len(set(positions_a)) > 1


@pytest.fixture(scope="module")
def tiny_clip():
    model, processor = random_clip("tiny", seed=0)
    return model.eval(), processor


def _manual_deep_forward(
    model, pixels: torch.Tensor, tokens: torch.Tensor, layer: int
) -> torch.Tensor:
    """CLIP's vision forward written out step by step, with the tokens inserted by hand."""
    vision = model.vision_model
    hidden = vision.pre_layrnorm(vision.embeddings(pixels))
    for i, block in enumerate(vision.encoder.layers):
        if i == layer:
            hidden = torch.cat(
                [hidden[:, :1], tokens.expand(len(hidden), -1, -1), hidden[:, 1:]], dim=1
            )
        out = block(hidden, None)
        hidden = out[0] if isinstance(out, tuple) else out
    return model.visual_projection(vision.post_layernorm(hidden[:, 0]))


@pytest.mark.parametrize("layer", [0, 1])
def test_deep_prompt_equals_inserting_the_tokens_by_hand(tiny_clip, layer):
    model, _ = tiny_clip
    depth = len(model.vision_model.encoder.layers)
    prompt = DeepPrompt(model.config.vision_config.hidden_size, depth, tokens=4, layer=layer,
                        generator=torch.Generator().manual_seed(0))  # fmt: skip
    pixels = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        plain = model.get_image_features(pixel_values=pixels)
        plain = plain if isinstance(plain, torch.Tensor) else plain.pooler_output
        prompt.attach(model.vision_model)
        try:
            hooked = model.get_image_features(pixel_values=pixels)
            hooked = hooked if isinstance(hooked, torch.Tensor) else hooked.pooler_output
        finally:
            prompt.detach()
        by_hand = _manual_deep_forward(model, pixels, prompt.tokens, layer)
    torch.testing.assert_close(hooked, by_hand, atol=1e-5, rtol=1e-5)
    assert not torch.allclose(hooked, plain, atol=1e-3)


def _common(**overrides) -> PromptCommonParams:
    values = dict(device="cpu", epochs=10, batch_size=64, lr=1.0, momentum=0.9, weight_decay=0.0,
                  warmup_steps=20, val_size=0.2, seed=0, template=TEMPLATE, eval_batch_size=256,
                  precision="fp32", noise_std=0.1, cross_dataset=True)  # fmt: skip
    return PromptCommonParams(**{**values, **overrides})


@pytest.mark.parametrize(
    "method",
    [
        PromptMethodParams(type="padding", size=8),
        PromptMethodParams(type="random_patch", size=4),
        PromptMethodParams(type="deep", tokens=2, layer=1),
    ],
)
def test_gradients_reach_only_the_prompt(method):
    model, _ = random_clip("tiny", seed=0)
    classifier = torch.nn.functional.normalize(torch.randn(10, model.config.projection_dim), dim=-1)
    prompted = PromptedClip(model, build_prompt(method, model, 64, seed=0), classifier)
    prompted.train()
    loss = F.cross_entropy(prompted(torch.randn(4, 3, 64, 64)), torch.tensor([0, 1, 2, 3]))
    loss.backward()
    assert not model.training
    assert all(p.grad is None and not p.requires_grad for p in model.parameters())
    grads = [p.grad for p in prompted.prompt.parameters()]
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)


def test_trained_padding_prompt_beats_zero_shot(tiny_clip):
    model, processor = random_clip("tiny", seed=0)
    preprocess = ClipPreprocess.from_processor(processor.image_processor)
    data = make_synthetic(CIFAR10_CLASSES, 2000, 10, seed=0)
    x, y = images_to_device(data.train_images, CPU), torch.from_numpy(data.train_labels)
    classifier = text_classifier(
        model, processor.tokenizer, readable_class_names(data.classes), [TEMPLATE], CPU
    )
    val = (x[:200], y[:200])
    zero_shot = evaluate(
        lambda p: image_logits(model, preprocess(val[0][p]), classifier), val[1], 256
    )["top1"]
    config = PromptConfig(
        "cifar10", "padding", PromptMethodParams(type="padding", size=16), _common()
    )
    prompted = PromptedClip(model, build_prompt(config.method, model, 64, seed=0), classifier)
    result = train_prompt(
        config, prompted, preprocess, (x[200:], y[200:]), val, CPU, "fp32", progress=False
    )
    assert result.best_val_top1 > zero_shot + 0.1, (zero_shot, result.best_val_top1)
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]


@pytest.fixture
def stage_dir(tmp_path, demo_params, tiny_clip):
    model, processor = tiny_clip
    save_clip(
        tmp_path / "models/pretrained/clip", model, processor, {"source": "random", "size": "tiny"}
    )
    for name, classes in (("cifar10", CIFAR10_CLASSES), ("cifar100", CIFAR100_CLASSES)):
        save_prepared(
            tmp_path / f"data/prepared/{name}.npz",
            make_synthetic(classes, 300, 100 + len(classes), seed=1),
        )
    demo_params["prompt"]["common"].update(device="cpu", epochs=3, batch_size=64, warmup_steps=5)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(demo_params))
    return tmp_path


def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path_factory, stage_dir):
    reference = tmp_path_factory.mktemp("reference")
    for path in stage_dir.rglob("*"):
        if path.is_file():
            target = reference / path.relative_to(stage_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    assert run_stage(reference, "prompt.py", "cifar10", "random_patch").returncode == 0

    os.environ[KILL_AFTER_EPOCH_ENV] = "1"
    try:
        killed = run_stage(stage_dir, "prompt.py", "cifar10", "random_patch")
    finally:
        del os.environ[KILL_AFTER_EPOCH_ENV]
    assert killed.returncode == -signal.SIGKILL
    assert not (stage_dir / "metrics/prompt/cifar10-random_patch.json").exists()
    resumed = run_stage(stage_dir, "prompt.py", "cifar10", "random_patch")
    assert resumed.returncode == 0, resumed.stderr
    assert (
        json.loads((stage_dir / "metrics/prompt/cifar10-random_patch.json").read_text())[
            "resumed_from_epoch"
        ]
        == 2
    )

    metrics, weights, curve = stage_outcome(stage_dir, "prompt", "cifar10-random_patch")
    ref_metrics, ref_weights, ref_curve = stage_outcome(reference, "prompt", "cifar10-random_patch")
    assert metrics == ref_metrics and curve == ref_curve
    for key, value in weights.items():
        assert torch.equal(value, ref_weights[key]), key


def test_stage_reports_cross_dataset_and_noise(stage_dir):
    result = run_stage(stage_dir, "prompt.py", "cifar100", "padding")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((stage_dir / "metrics/prompt/cifar100-padding.json").read_text())
    cross = metrics["cross_dataset"]
    n10, n100 = 110, 200  # test sizes written by the fixture
    assert cross["combined"] == pytest.approx(
        (n10 * cross["cifar10"] + n100 * cross["cifar100"]) / (n10 + n100)
    )
    assert metrics["test_noisy_top1"] is not None and 0 <= metrics["test_noisy_top1"] <= 1
    assert metrics["synthetic_data"] and "SYNTHETIC DATA" in metrics["label"]
    for png in ("prompt.png", "prompted_example.png"):
        assert (stage_dir / "plots/prompt/cifar100-padding" / png).stat().st_size > 1000
    assert not (stage_dir / "models/prompt/resume/cifar100-padding.pt").exists()


@pytest.mark.parametrize(
    ("method", "entry", "needle"),
    [
        (
            "padding",
            {"type": "padding", "size": 33},
            "padding size = 33 is invalid for 64 px images",
        ),
        (
            "fixed_patch",
            {"type": "fixed_patch", "size": 65},
            "patch size = 65 is invalid for 64 px",
        ),
        ("deep", {"type": "deep", "tokens": 4, "layer": 2}, "the vision transformer has 2 layers"),
        ("deep", {"type": "deep", "tokens": 0, "layer": 0}, "prompt.methods.deep.tokens = 0"),
        ("deep", {"type": "deep", "layer": 0}, "missing key prompt.methods.deep.tokens"),
    ],
)
def test_bad_prompt_shapes_fail_clearly_and_write_nothing(stage_dir, method, entry, needle):
    params = yaml.safe_load((stage_dir / "params.yaml").read_text())
    params["prompt"]["methods"][method] = entry
    (stage_dir / "params.yaml").write_text(yaml.safe_dump(params))
    result = run_stage(stage_dir, "prompt.py", "cifar10", method)
    assert result.returncode == 2
    assert needle in result.stderr
    assert not (stage_dir / "metrics").exists() and not (stage_dir / "models/prompt").exists()


def test_build_prompt_rejects_geometry_directly(tiny_clip):
    model, _ = tiny_clip
    with pytest.raises(ParamsError, match="at most half"):
        build_prompt(PromptMethodParams(type="padding", size=40), model, 64, seed=0)
