"""Stage data@<name>: write data/prepared/<name>.npz from a CIFAR download or synthetic data.

Usage: python stages/data.py {cifar10,cifar100}     (reads params.yaml: data.*)
"""

from __future__ import annotations

import argparse

from transferlab.data.cifar_download import download_cifar
from transferlab.data.classes import DATASET_CLASSES
from transferlab.data.prepared import prepared_path, save_prepared
from transferlab.data.synthetic import make_synthetic
from transferlab.errors import ParamsError
from transferlab.params import DataParams, load_section
from transferlab.stage import run_stage


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset", choices=sorted(DATASET_CLASSES))
    args = parser.parse_args(argv)
    params = load_section(DataParams, "data")
    classes = DATASET_CLASSES[args.dataset]

    if params.source == "synthetic":
        syn = params.synthetic
        for key in ("train_size", "test_size"):
            if getattr(syn, key) < len(classes):
                raise ParamsError(
                    f"params: data.synthetic.{key} = {getattr(syn, key)} is invalid; "
                    f"{args.dataset} has {len(classes)} classes, so allowed: >= {len(classes)}"
                )
        data = make_synthetic(classes, syn.train_size, syn.test_size, syn.seed)
    else:
        data = download_cifar(args.dataset)

    out = prepared_path(args.dataset)
    save_prepared(out, data)
    print(
        f"{out}: {len(data.train_labels)} train / {len(data.test_labels)} test images, "
        f"{len(data.classes)} classes, source={data.source}"
    )


if __name__ == "__main__":
    run_stage(main)
