"""Classification metrics computed on the device, in batches."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from transferlab.data.device_batches import IndexBatches


def topk_correct(logits: torch.Tensor, labels: torch.Tensor, k: int) -> int:
    """How many rows have their label among the ``k`` highest logits."""
    k = min(k, logits.shape[1])
    return int((logits.topk(k, dim=1).indices == labels[:, None]).any(dim=1).sum())


@torch.no_grad()
def evaluate(
    logits_of: Callable[[torch.Tensor], torch.Tensor],
    labels: torch.Tensor,
    batch_size: int,
) -> dict[str, float]:
    """Mean cross-entropy, top-1 and top-5 (fractions) of ``logits_of(positions)`` over all items.

    ``logits_of`` maps a batch of positions 0..len(labels)-1 to logits.
    """
    n = len(labels)
    loss = top1 = top5 = 0.0
    for pos in IndexBatches(n, batch_size, shuffle=False, device=labels.device):
        logits = logits_of(pos).float()
        y = labels[pos]
        loss += float(F.cross_entropy(logits, y, reduction="sum"))
        top1 += topk_correct(logits, y, 1)
        top5 += topk_correct(logits, y, 5)
    return {"loss": loss / n, "top1": top1 / n, "top5": top5 / n}


class RunningTrainStats:
    """Mean loss and top-1 of an epoch's training batches.

    The sums stay on the device: reading them after every step would make the GPU wait.
    """

    def __init__(self, device: torch.device) -> None:
        self.loss_sum = torch.zeros((), device=device)
        self.correct = torch.zeros((), device=device, dtype=torch.long)
        self.seen = 0

    def update(self, loss: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        self.loss_sum += loss.detach() * len(labels)
        self.correct += (logits.detach().argmax(1) == labels).sum()
        self.seen += len(labels)

    @property
    def loss(self) -> float:
        return float(self.loss_sum) / max(self.seen, 1)

    @property
    def top1(self) -> float:
        return int(self.correct) / max(self.seen, 1)

    def epoch_row(self, epoch: int, val: dict[str, float]) -> dict[str, float]:
        """One line of a per-epoch curve CSV (``epoch`` counted from 1)."""
        return {
            "epoch": epoch,
            "train_loss": self.loss,
            "train_top1": self.top1,
            "val_loss": val["loss"],
            "val_top1": val["top1"],
        }
