"""Corrupted images for the robustness benchmark (ml/corruptions.py): deterministic, the right
kind and amount of damage, severities from mild to hard, product framing through the real path."""

import numpy as np
import pytest

from ml.corruptions import CORRUPTIONS, SEVERITY_NAMES, corrupt
from ml.preprocess import IMAGE_SIZE


@pytest.fixture
def images():
    """Twelve photo-like images: smooth random colour fields, so that a larger shift or blur does
    more damage, as on real photos (on white noise every shift does the same)."""
    from scipy import ndimage

    noise = np.random.default_rng(0).normal(size=(12, IMAGE_SIZE, IMAGE_SIZE, 3))
    smooth = ndimage.gaussian_filter(noise, sigma=(0, 3, 3, 0))
    return np.clip(128 + smooth / smooth.std() * 50, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corruptions001_every_kind_is_deterministic_shape_keeping_and_worse_with_severity(images, kind):
    severities = CORRUPTIONS[kind].severities
    assert len(severities) == len(SEVERITY_NAMES) == 3
    damage = []
    for severity in severities:
        out = corrupt(images, kind, severity, seed=3)
        assert out.shape == images.shape and out.dtype == np.uint8
        assert np.array_equal(out, corrupt(images, kind, severity, seed=3))
        damage.append(np.abs(out.astype(int) - images).mean())
    assert damage[0] > 0 and damage[-1] >= damage[0]


def test_corruptions002_each_kind_does_what_it_says(images):
    x = images.astype(float)
    noisy = corrupt(images, "gaussian_noise", 0.08).astype(float)
    assert 0.06 * 255 < (noisy - x).std() < 0.09 * 255  # clipping only trims it
    low = corrupt(images, "contrast", 0.3).astype(float)
    assert low.std(axis=(1, 2, 3)).mean() == pytest.approx(0.3 * x.std(axis=(1, 2, 3)).mean(), rel=0.05)
    assert (corrupt(images, "brightness", 0.3) >= images).all()
    shifted = corrupt(images, "translation", 4)
    match = [any(np.array_equal(s[4:, 4:], i[:-4, :-4]) or np.array_equal(s[:-4, :-4], i[4:, 4:])
                 or np.array_equal(s[4:, :-4], i[:-4, 4:]) or np.array_equal(s[:-4, 4:], i[4:, :-4])
                 for _ in [0]) for s, i in zip(shifted, images)]
    assert all(match)
    blocks = corrupt(images, "pixelate", 8)
    assert (blocks[:, ::4, ::4] == blocks[:, 3::4, 3::4]).all()  # 4x4-pixel blocks of one colour
    blurred = corrupt(images, "gaussian_blur", 1.5).astype(float)
    assert np.abs(np.diff(blurred, axis=2)).mean() < np.abs(np.diff(x, axis=2)).mean()


def test_corruptions003_product_framing_shrinks_the_object_on_a_plain_background(images):
    framed = corrupt(images, "product_white", 0.33)
    assert framed.shape == (len(images), IMAGE_SIZE, IMAGE_SIZE, 3)
    border = np.concatenate([framed[:, :4].reshape(-1, 3), framed[:, -4:].reshape(-1, 3)])
    assert border.min() >= 245  # white around the object, after JPEG and the model's resize
    grey = corrupt(images, "product_grey", 0.33)[:, :4]
    assert abs(float(grey.mean()) - 230) < 5
