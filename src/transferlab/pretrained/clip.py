"""CLIP folder: ``models/pretrained/clip/`` in transformers' ``save_pretrained`` layout.

It holds the model, the tokenizer and the image processor, plus ``transferlab.json`` saying
where the weights came from. Later stages load only from this folder, never from the hub.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

from transferlab.errors import DownloadError, TransferlabError
from transferlab.pretrained.offline_tokenizer import build_offline_tokenizer

CLIP_DIR = Path("models/pretrained/clip")
META_FILE = "transferlab.json"

# Architecture of openai/clip-vit-base-patch32, spelled out so random weights match it.
FULL_VISION = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
               "num_attention_heads": 12, "image_size": 224, "patch_size": 32}  # fmt: skip
FULL_TEXT = {"hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12,
             "num_attention_heads": 8, "max_position_embeddings": 77,
             "vocab_size": 49408}  # fmt: skip
FULL_PROJECTION = 512
# Small enough to train in seconds on a CPU, with the same structure.
# A 5x larger init for the tiny vision tower: with the default one, every image gets nearly
# the same embedding (mean pairwise cosine 0.97), so nothing downstream could depend on the
# image; at 5x it is 0.39 and zero-shot answers vary with the image, as a trained CLIP's do.
TINY_VISION = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
               "num_attention_heads": 2, "image_size": 64, "patch_size": 16,
               "initializer_factor": 5.0}  # fmt: skip
TINY_TEXT = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
             "num_attention_heads": 2, "max_position_embeddings": 77}  # fmt: skip
TINY_PROJECTION = 32


def download_clip(model_id: str) -> tuple[CLIPModel, CLIPProcessor]:
    """Model and processor from the Hugging Face hub (cached by huggingface_hub)."""
    try:
        model = CLIPModel.from_pretrained(model_id)
        processor = CLIPProcessor.from_pretrained(model_id)
    except OSError as e:
        raise DownloadError(
            f"could not download CLIP {model_id!r} from the Hugging Face hub "
            f"({' '.join(str(e).split())}). Without "
            f"network, copy a save_pretrained folder of that model (model, tokenizer and "
            f"preprocessor files) to {CLIP_DIR} and set pretrained.clip_model to its path."
        ) from None
    return model, processor


def random_clip(size: str, seed: int) -> tuple[CLIPModel, CLIPProcessor]:
    """Seeded random CLIP with an offline tokenizer: ``full`` has ViT-B/32's shapes."""
    tokenizer = build_offline_tokenizer()
    special = {
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    if size == "full":
        vision, text, projection = FULL_VISION, FULL_TEXT, FULL_PROJECTION
    else:
        vision, text, projection = (
            TINY_VISION,
            {**TINY_TEXT, "vocab_size": len(tokenizer)},
            TINY_PROJECTION,
        )
    config = CLIPConfig(
        text_config={**text, **special}, vision_config=vision, projection_dim=projection
    )
    torch.manual_seed(seed)
    model = CLIPModel(config)
    image_size = vision["image_size"]
    image_processor = CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    )
    return model, CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer)


def save_clip(out_dir: Path | str, model: CLIPModel, processor: CLIPProcessor, meta: dict) -> None:
    """Write model, processor and ``transferlab.json`` into ``out_dir`` (a fresh folder)."""
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")


@dataclass
class LoadedClip:
    """A CLIP model with its tokenizer, image processor and provenance."""

    model: CLIPModel
    tokenizer: CLIPTokenizer
    image_processor: CLIPImageProcessor
    meta: dict[str, Any]


def load_clip(path: Path | str = CLIP_DIR) -> LoadedClip:
    """Load the saved CLIP folder, offline."""
    path = Path(path)
    if not (path / META_FILE).exists():
        raise TransferlabError(f"{path} has no CLIP model: run `dvc repro pretrained` first")
    processor = CLIPProcessor.from_pretrained(path, local_files_only=True)
    model = CLIPModel.from_pretrained(path, local_files_only=True)
    meta = json.loads((path / META_FILE).read_text())
    return LoadedClip(model, processor.tokenizer, processor.image_processor, meta)
