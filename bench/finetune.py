"""Speed of fine-tuning: the study's naive loop against the stage's fast path, in one run.

Naive (the study's way): a torchvision dataset that hands out PIL images, Resize, ToTensor and
Normalize per image in a DataLoader, and a full forward through the frozen backbone for every
batch of every epoch. Fast (this project): the uint8 dataset on the device, batched on-device
resize and normalisation, and the frozen prefix computed once (see transferlab.finetune.train).

Both train the same random-weight ResNet-18 on the same synthetic data for the same epochs
and report test top-1, so the accuracies show the two paths do the same job.

    python bench/finetune.py                          # demo scale, CPU
    python bench/finetune.py --scale full --device cuda   # CIFAR-100 size, 224 px
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import torch
import torch.nn.functional as F
import yaml
from naive import ArrayImages
from torch.utils.data import DataLoader
from torchvision import transforms

from transferlab.data.classes import CIFAR100_CLASSES
from transferlab.data.device_batches import images_to_device
from transferlab.data.split import train_val_split
from transferlab.data.synthetic import make_synthetic
from transferlab.finetune.model import build_classifier, freeze_all_but, set_train_mode
from transferlab.finetune.train import finetune
from transferlab.params import load_finetune_config
from transferlab.pretrained.resnet import random_resnet18, save_resnet18

SCALES = {
    # train images (before the val split), test images, val images, image size
    "demo": (2000, 500, 200, 64),
    "full": (50000, 10000, 5000, 224),
}


def naive_finetune(config, resnet_file, data, train_idx, val_idx, device, workers: int) -> dict:
    """The study's loop: PIL transforms in a DataLoader, full forward every batch and epoch."""
    s = config.settings
    resample = transforms.InterpolationMode.BILINEAR
    base = [
        transforms.Resize(s.image_size, interpolation=resample),
        transforms.ToTensor(),
        transforms.Normalize(s.mean, s.std),
    ]
    train_tf = transforms.Compose(
        ([transforms.RandomHorizontalFlip(config.variant.hflip)] if config.variant.hflip else [])
        + base
    )
    eval_tf = transforms.Compose(base)
    x, y = data.train_images, data.train_labels

    def loader(images, labels, tf, shuffle):
        return DataLoader(
            ArrayImages(images, labels, tf),
            batch_size=s.batch_size,
            shuffle=shuffle,
            num_workers=workers,
            pin_memory=device.type == "cuda",
        )

    train_loader = loader(x[train_idx], y[train_idx], train_tf, True)
    val_loader = loader(x[val_idx], y[val_idx], eval_tf, False)
    test_loader = loader(data.test_images, data.test_labels, eval_tf, False)
    torch.manual_seed(s.seed)
    model, _ = build_classifier(resnet_file, len(data.classes), s.fc_init_std, s.seed)
    freeze_all_but(model, ["fc.weight", "fc.bias"])
    model.to(device)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=s.lr)

    def accuracy(dl) -> float:
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in dl:
                correct += int((model(xb.to(device)).argmax(1).cpu() == yb).sum())
        return correct / len(dl.dataset)

    best, best_state = -1.0, None
    for _ in range(s.epochs):
        set_train_mode(model, "eval")
        for xb, yb in train_loader:
            loss = F.cross_entropy(model(xb.to(device)), yb.to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
        val = accuracy(val_loader)
        if val > best:
            best, best_state = val, copy.deepcopy(model.fc.state_dict())
    model.fc.load_state_dict(best_state)
    return {"test_top1": accuracy(test_loader), "best_val_top1": best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
    parser.add_argument("--variant", default="fc", help="a variant of params.yaml (fc or fc_hflip)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument(
        "--workers", type=int, default=2, help="DataLoader workers of the naive loop"
    )
    parser.add_argument("--image-size", type=int, default=None, help="override the scale's size")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", default="/tmp/transferlab-bench")
    args = parser.parse_args()

    n_train, n_test, n_val, size = SCALES[args.scale]
    size = args.image_size or size
    params = yaml.safe_load(Path(args.params).read_text())
    params["finetune"]["common"].update(
        epochs=args.epochs, image_size=size, val_size=n_val, dataset="cifar100", cache_features=True
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "params.yaml").write_text(yaml.safe_dump(params))
    config = load_finetune_config(args.variant, out / "params.yaml")
    resnet_file = out / "resnet18.pt"
    save_resnet18(resnet_file, random_resnet18(seed=0), {"source": "random"})
    data = make_synthetic(CIFAR100_CLASSES, n_train, n_test, seed=0)
    train_idx, val_idx = train_val_split(n_train, n_val, config.settings.seed)
    device = torch.device(args.device)
    print(
        f"fine-tune benchmark: variant {args.variant}, {len(train_idx)} train / {n_val} val / "
        f"{n_test} test synthetic images at {size} px, {args.epochs} epochs, {device}, "
        f"random ResNet-18 weights"
    )

    start = time.perf_counter()
    model, _ = build_classifier(resnet_file, 100, config.settings.fc_init_std, config.settings.seed)
    images = images_to_device(data.train_images, device)
    labels = torch.from_numpy(data.train_labels).to(device)
    tr, va = torch.from_numpy(train_idx).to(device), torch.from_numpy(val_idx).to(device)
    test = images_to_device(data.test_images, device), torch.from_numpy(data.test_labels).to(device)
    fast = finetune(
        config,
        model,
        (images[tr], labels[tr]),
        (images[va], labels[va]),
        test,
        device,
        progress=False,
    )
    if device.type == "cuda":
        torch.cuda.synchronize()
    fast_s = time.perf_counter() - start

    start = time.perf_counter()
    naive = naive_finetune(config, resnet_file, data, train_idx, val_idx, device, args.workers)
    naive_s = time.perf_counter() - start

    images_trained = len(train_idx) * args.epochs
    print(f"{'path':<8} {'seconds':>9} {'train img/s':>12} {'best val':>9} {'test top-1':>11}")
    print(
        f"{'naive':<8} {naive_s:>9.1f} {images_trained / naive_s:>12.0f} "
        f"{naive['best_val_top1']:>9.4f} {naive['test_top1']:>11.4f}"
    )
    print(
        f"{'fast':<8} {fast_s:>9.1f} {images_trained / fast_s:>12.0f} "
        f"{fast.best_val_top1:>9.4f} {fast.test['top1']:>11.4f}   "
        f"({fast.feature_mode})"
    )
    print(f"speed-up (naive / fast wall time): {naive_s / fast_s:.1f}x")


if __name__ == "__main__":
    main()
