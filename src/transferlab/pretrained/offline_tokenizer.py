"""A CLIP tokenizer built with no network, for random-weight CLIP models.

It has CLIP's byte-level alphabet (each byte as itself and as a word-final ``</w>`` token) and
its two special tokens, but no learned merges, so every word is spelled out byte by byte.
That is enough for the pipeline to run and for tests to compare against transformers'
own CLIPProcessor; it is not the real vocabulary, and results with it say ``random``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tokenizers import pre_tokenizers
from transformers import CLIPTokenizer

BOS = "<|startoftext|>"
EOS = "<|endoftext|>"


def build_offline_tokenizer() -> CLIPTokenizer:
    """A byte-level CLIPTokenizer with 514 tokens; ids 512/513 are start and end of text."""
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tokens = alphabet + [c + "</w>" for c in alphabet] + [BOS, EOS]
    vocab = {tok: i for i, tok in enumerate(tokens)}
    with tempfile.TemporaryDirectory() as tmp:
        # Written as files because that is the constructor form every transformers version accepts.
        (Path(tmp) / "vocab.json").write_text(json.dumps(vocab))
        (Path(tmp) / "merges.txt").write_text("#version: 0.2\n")
        return CLIPTokenizer.from_pretrained(tmp, model_max_length=77)
