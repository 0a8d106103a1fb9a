"""The pretrained stage's random weights: file formats, seeding, offline loading."""

from __future__ import annotations

import json
from urllib.error import URLError

import pytest
import torch
from conftest import run_stage

from transferlab.errors import DownloadError
from transferlab.pretrained.clip import download_clip, load_clip
from transferlab.pretrained.resnet import ResNet18_Weights, download_resnet18, load_resnet18


@pytest.fixture(scope="module")
def pretrained_dir(tmp_path_factory):
    from conftest import repo_params

    workdir = tmp_path_factory.mktemp("pretrained")
    result = run_stage(workdir, "pretrained.py", params=repo_params())
    assert result.returncode == 0, result.stderr
    return workdir


def test_resnet_file_loads_and_is_seeded(pretrained_dir, tmp_path, demo_params):
    model, meta = load_resnet18(pretrained_dir / "models/pretrained/resnet18.pt")
    assert meta["source"] == "random"
    assert model.fc.out_features == 1000
    # Same seed, same weights; another seed, other weights.
    demo_params["pretrained"]["seed"] += 1
    assert run_stage(tmp_path, "pretrained.py", params=demo_params).returncode == 0
    other, _ = load_resnet18(tmp_path / "models/pretrained/resnet18.pt")
    again, _ = load_resnet18(pretrained_dir / "models/pretrained/resnet18.pt")
    assert torch.equal(model.conv1.weight, again.conv1.weight)
    assert not torch.equal(model.conv1.weight, other.conv1.weight)


def test_tiny_clip_loads_offline_and_embeds_text_and_images(pretrained_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    clip = load_clip(pretrained_dir / "models/pretrained/clip")
    assert clip.meta["source"] == "random" and clip.meta["size"] == "tiny"
    saved = json.loads((pretrained_dir / "models/pretrained/clip/transferlab.json").read_text())
    assert saved == clip.meta
    tokens = clip.tokenizer(
        ["This is a photo of a apple.", "a sweet pepper"], padding=True, return_tensors="pt"
    )
    # Byte-level spelling, framed by start and end of text.
    assert tokens["input_ids"][0, 0] == clip.tokenizer.bos_token_id
    assert (
        clip.tokenizer.decode(tokens["input_ids"][1], skip_special_tokens=True) == "a sweet pepper"
    )
    size = clip.image_processor.crop_size["height"]
    pixels = torch.randn(2, 3, size, size)
    with torch.no_grad():
        out = clip.model(
            input_ids=tokens["input_ids"],
            attention_mask=tokens["attention_mask"],
            pixel_values=pixels,
        )
    assert out.logits_per_image.shape == (2, 2)
    assert torch.isfinite(out.logits_per_image).all()


def test_resnet_download_without_network_names_url_and_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def refuse(*args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(torch.hub, "urlopen", refuse)
    weights = ResNet18_Weights.IMAGENET1K_V1
    with pytest.raises(DownloadError) as err:
        download_resnet18(weights)
    assert weights.url in str(err.value)
    assert str(tmp_path / "hub" / "checkpoints") in str(err.value)


def test_clip_download_without_network_says_what_to_place(monkeypatch):
    import huggingface_hub.constants

    # Offline mode fails at once, where a dead network would first retry for ~20 s.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(
        DownloadError, match=r"openai/clip-vit-base-patch32.*models/pretrained/clip"
    ):
        download_clip("openai/clip-vit-base-patch32")
