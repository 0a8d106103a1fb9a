"""Model comparison (study part 1.1): time, memory, accuracy and size of torchvision models."""
