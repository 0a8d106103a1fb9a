"""CLIP zero-shot: preprocessing, text classifiers, and the stage against transformers' own path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
import yaml
from conftest import run_stage
from PIL import Image
from transformers import CLIPImageProcessor

from transferlab.clip.preprocess import ClipPreprocess
from transferlab.clip.text import encode_texts, readable_class_names, text_classifier
from transferlab.clip.zeroshot import image_logits
from transferlab.data.classes import CIFAR10_CLASSES
from transferlab.data.prepared import save_prepared
from transferlab.data.synthetic import make_synthetic
from transferlab.pretrained.clip import random_clip, save_clip

CPU = torch.device("cpu")
TEMPLATE = "This is a photo of a {}"


@pytest.mark.parametrize("size", [224, 64])
def test_preprocessing_matches_clip_image_processor(size):
    """Tolerance: every value within two grey levels (2/255/std), and under 1% of values off
    by more than one; PIL's fixed-point filter weights round a few values the other way."""
    processor = CLIPImageProcessor(
        size={"shortest_edge": size}, crop_size={"height": size, "width": size}
    )
    images = make_synthetic(CIFAR10_CLASSES, 32, 10, seed=0).train_images
    ref = processor(images=[Image.fromarray(i) for i in images], return_tensors="pt")[
        "pixel_values"
    ]
    preprocess = ClipPreprocess.from_processor(processor)
    ours = preprocess(torch.from_numpy(images).permute(0, 3, 1, 2))
    assert ours.shape == ref.shape == (32, 3, size, size)
    diff = (ours - ref).abs()
    grey_level = 1 / 255 / min(preprocess.std)
    assert diff.max() <= 2 * grey_level * 1.001
    assert (diff > grey_level * 1.001).float().mean() < 0.01


def test_preprocessing_crops_non_square_images_like_the_processor():
    processor = CLIPImageProcessor(
        size={"shortest_edge": 48}, crop_size={"height": 40, "width": 40}
    )
    images = np.random.default_rng(0).integers(0, 256, (4, 24, 36, 3), dtype=np.uint8)
    ref = processor(images=[Image.fromarray(i) for i in images], return_tensors="pt")[
        "pixel_values"
    ]
    ours = ClipPreprocess.from_processor(processor)(torch.from_numpy(images).permute(0, 3, 1, 2))
    assert ours.shape == ref.shape
    assert (ours - ref).abs().max() <= 1 / 255 / min(
        ClipPreprocess.from_processor(processor).std
    ) * 1.001


@pytest.fixture(scope="module")
def trained_tiny_clip():
    """A tiny CLIP whose vision tower is briefly trained on synthetic CIFAR-10.

    A purely random CLIP answers the same class for every image, which would make agreement
    between two implementations trivially 100%; this one has image-dependent answers.
    """
    torch.manual_seed(0)
    model, processor = random_clip("tiny", seed=0)
    data = make_synthetic(CIFAR10_CLASSES, 500, 10, seed=1)
    preprocess = ClipPreprocess.from_processor(processor.image_processor)
    pixels = preprocess(torch.from_numpy(data.train_images).permute(0, 3, 1, 2))
    labels = torch.from_numpy(data.train_labels)
    names = readable_class_names(CIFAR10_CLASSES)
    with torch.no_grad():
        classifier = text_classifier(model, processor.tokenizer, names, [TEMPLATE], CPU)
    opt = torch.optim.Adam(model.vision_model.parameters(), lr=3e-3)
    for _ in range(200):
        idx = torch.randint(0, len(labels), (64,))
        loss = F.cross_entropy(image_logits(model, pixels[idx], classifier), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval(), processor


def test_one_template_ensemble_equals_the_single_classifier(trained_tiny_clip):
    model, processor = trained_tiny_clip
    names = readable_class_names(CIFAR10_CLASSES)
    single = text_classifier(model, processor.tokenizer, names, [TEMPLATE], CPU)
    repeated = text_classifier(model, processor.tokenizer, names, [TEMPLATE] * 3, CPU)
    direct = encode_texts(model, processor.tokenizer, [TEMPLATE.format(n) for n in names], CPU)
    torch.testing.assert_close(single, direct)
    torch.testing.assert_close(repeated, single, atol=1e-6, rtol=0)
    # Two templates: the normalised mean of the two normalised embeddings.
    other = "a photo of the {}."
    both = text_classifier(model, processor.tokenizer, names, [TEMPLATE, other], CPU)
    second = encode_texts(model, processor.tokenizer, [other.format(n) for n in names], CPU)
    torch.testing.assert_close(both, F.normalize(direct + second, dim=-1))


def test_class_names_use_spaces():
    assert readable_class_names(["aquarium_fish", "maple_tree", "cat"]) == [
        "aquarium fish", "maple tree", "cat"
    ]  # fmt: skip


@pytest.fixture
def stage_dir(tmp_path, demo_params, trained_tiny_clip):
    model, processor = trained_tiny_clip
    save_clip(
        tmp_path / "models/pretrained/clip", model, processor, {"source": "random", "size": "tiny"}
    )
    data = make_synthetic(CIFAR10_CLASSES, 300, 1000, seed=2)
    save_prepared(tmp_path / "data/prepared/cifar10.npz", data)
    demo_params["zeroshot"]["common"].update(device="cpu", batch_size=64, probe_images=4)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(demo_params))
    return tmp_path, data


def test_stage_agrees_with_transformers_clip_processor_path(stage_dir, trained_tiny_clip):
    workdir, data = stage_dir
    result = run_stage(workdir, "zeroshot.py", "cifar10", "single")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((workdir / "metrics/zeroshot/cifar10-single.json").read_text())
    confusion = pd.read_csv(workdir / "plots/zeroshot/cifar10-single/confusion.csv")

    # Reference: transformers' CLIPModel driven by its own CLIPProcessor, image by image in PIL.
    model, processor = trained_tiny_clip
    names = readable_class_names(data.classes)
    inputs = processor(
        text=[TEMPLATE.format(n) for n in names],
        images=[Image.fromarray(i) for i in data.test_images],
        return_tensors="pt",
        padding=True,
    )
    with torch.no_grad():
        reference = model(**inputs).logits_per_image.argmax(dim=1).numpy()
    ours = np.array([names.index(p) for p in confusion["predicted"]])
    agreement = (ours == reference).mean()
    print(f"agreement with CLIPProcessor + CLIPModel: {agreement:.4f} on {len(ours)} images")
    assert agreement >= 0.99, agreement
    assert len(set(reference)) >= 5  # the answers depend on the image

    # The reported top-1 is a direct count of correct predictions.
    direct = (confusion["actual"] == confusion["predicted"]).mean()
    assert metrics["test"]["top1"] == pytest.approx(direct)
    assert metrics["test"]["top1"] == pytest.approx((ours == data.test_labels).mean())
    assert metrics["test"]["images"] == len(data.test_labels)
    per_class = pd.read_csv(workdir / "plots/zeroshot/cifar10-single/per_class.csv")
    expected = (
        confusion.assign(ok=confusion["actual"] == confusion["predicted"])
        .groupby("actual")["ok"]
        .mean()
    )
    for _, row in per_class.iterrows():
        assert row["test_top1"] == pytest.approx(expected[row["class"]])
    assert metrics["test_noisy_top1"] is not None
    assert metrics["random_weights"] and "RANDOM WEIGHTS" in metrics["label"]
    assert (workdir / "plots/zeroshot/cifar10-single/probes.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "edit", "needle"),
    [
        (
            ["cifar10", "single"],
            ("single", ["a photo of a cat"]),
            "zeroshot.prompts.single[0] = 'a photo of a cat'",
        ),
        (["cifar10", "single"], ("single", []), "zeroshot.prompts.single = []"),
        (
            ["cifar10", "triple"],
            None,
            "no prompt set zeroshot.prompts.triple; defined: single, ensemble",
        ),
        (["svhn", "single"], None, "zeroshot dataset 'svhn' is unknown"),
    ],
)
def test_bad_prompts_or_dataset_fail_before_the_model_loads(
    tmp_path, demo_params, args, edit, needle
):
    if edit:
        demo_params["zeroshot"]["prompts"][edit[0]] = edit[1]
    result = run_stage(tmp_path, "zeroshot.py", *args, params=demo_params)
    assert result.returncode == 2
    assert needle in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]
