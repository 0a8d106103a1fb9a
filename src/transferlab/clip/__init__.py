"""CLIP on the device: preprocessing, text classifiers, zero-shot evaluation."""
