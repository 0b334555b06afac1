"""The augmentation preview the Data page shows (ml/data/augment.py)."""

import numpy as np


def test_augmentation_preview_flips_and_shifts_within_bounds():
    from ml.data.augment import flip_and_shift
    image = np.arange(32 * 32 * 3, dtype=np.uint8).reshape(32, 32, 3)
    out = flip_and_shift(image, np.random.default_rng(1))
    assert out.shape == image.shape and out.dtype == np.uint8
    assert not np.array_equal(out, image)
