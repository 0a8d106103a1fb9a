"""Pretrained weights: download (torchvision, Hugging Face) or seeded random stand-ins."""
