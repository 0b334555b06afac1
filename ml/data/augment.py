"""The CNN's training augmentation in NumPy, for showing it (training uses Keras layers)."""

from __future__ import annotations

import numpy as np


def flip_and_shift(image: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Mirror at random and translate by up to `max_shift` pixels with a reflected border,
    as ml.models.cnn.translate_batch and the alternating flip do in training."""
    if rng.random() < 0.5:
        image = image[:, ::-1]
    dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
    padded = np.pad(image, ((max_shift, max_shift), (max_shift, max_shift), (0, 0)), mode="reflect")
    height, width = image.shape[:2]
    top, left = max_shift - dy, max_shift - dx
    return padded[top:top + height, left:left + width].copy()
