"""Datasets: download or generation, the prepared ``.npz`` format, splits, device batches."""
