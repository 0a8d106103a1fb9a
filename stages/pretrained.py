"""Stage pretrained: ResNet-18 to models/pretrained/resnet18.pt, CLIP to models/pretrained/clip/.

Usage: python stages/pretrained.py     (reads params.yaml: pretrained.*)
With source: download this is, with data@*, the only stage that uses the network.
"""

from __future__ import annotations

import argparse

from transferlab.atomic_io import atomic_dir
from transferlab.errors import ParamsError
from transferlab.params import PretrainedParams, load_section, to_dict
from transferlab.pretrained.clip import CLIP_DIR, download_clip, random_clip, save_clip
from transferlab.pretrained.resnet import (
    RESNET_FILE,
    download_resnet18,
    random_resnet18,
    resnet18_weights,
    save_resnet18,
)
from transferlab.stage import run_stage


def main(argv: list[str]) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    params = load_section(PretrainedParams, "pretrained")
    weights = resnet18_weights(params.resnet_weights)
    if params.source == "download" and params.size != "full":
        raise ParamsError(
            f"params: pretrained.size = {params.size!r} is invalid with source 'download'; "
            "allowed: 'full' (tiny models exist only as random weights)"
        )
    meta = {"source": params.source, **to_dict(params)}

    if params.source == "download":
        resnet_state = download_resnet18(weights)
        clip_model, clip_processor = download_clip(params.clip_model)
    else:
        resnet_state = random_resnet18(params.seed)
        clip_model, clip_processor = random_clip(params.size, params.seed)

    save_resnet18(RESNET_FILE, resnet_state, meta)
    with atomic_dir(CLIP_DIR) as tmp:
        save_clip(tmp, clip_model, clip_processor, meta)
    print(f"{RESNET_FILE} and {CLIP_DIR}/ written (source={params.source}, size={params.size})")


if __name__ == "__main__":
    run_stage(main)
