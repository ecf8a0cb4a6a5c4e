"""Offline datasets for the convolutional networks unit (no network access, ever).

- ``load_mnist1d(split)`` -> ``(x, y)``: x float32 (N, 40), y int64 (N,); 4000 train / 1000 test.
- ``make_mnist1d(seed, num_samples)`` -> a fresh MNIST-1D set (the grader's hidden test set).
- ``load_sample_image(size)`` -> float64 (size, size) grayscale image in [0, 1].

Cached files are checked against ``datasets/MANIFEST.sha256``; ``python -m datasets`` verifies
them all (and regenerates missing ones).
"""

from ._cache import ChecksumError
from .loaders import MNIST1D_SPLITS, load_mnist1d, load_sample_image, make_mnist1d

__all__ = ["ChecksumError", "MNIST1D_SPLITS", "load_mnist1d", "load_sample_image", "make_mnist1d"]
