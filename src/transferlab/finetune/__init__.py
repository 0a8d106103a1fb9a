"""ResNet-18 fine-tuning on CIFAR (study part 1.2), on the fast path."""
