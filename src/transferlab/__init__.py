"""transferlab: a reproducible DVC pipeline for a transfer-learning study on CIFAR."""

__version__ = "0.1.0"
