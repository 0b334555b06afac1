"""Corrupted images for the robustness benchmark (ml/data/corruptions.py): deterministic, the right
kind and amount of damage, severities from mild to hard, product framing through the real path."""

import numpy as np
import pytest

from ml.data.corruptions import CORRUPTIONS, SEVERITY_NAMES, corrupt, product_photo
from ml.data.preprocess import IMAGE_SIZE, decode_image


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
    """Product framing is the exception to 'worse with severity': the preprocessing path trims the
    plain border back off, so what is left is resampling and JPEG loss."""
    severities = CORRUPTIONS[kind].severities
    assert len(severities) == len(SEVERITY_NAMES) == 3
    damage = []
    for severity in severities:
        out = corrupt(images, kind, severity, seed=3)
        assert out.shape == images.shape and out.dtype == np.uint8
        assert np.array_equal(out, corrupt(images, kind, severity, seed=3))
        damage.append(np.abs(out.astype(int) - images).mean())
    assert damage[0] > 0
    if not kind.startswith("product"):
        assert damage[-1] >= damage[0]


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


def test_corruptions003_product_framing_goes_through_the_real_path_which_trims_the_border(images):
    for kind, background in (("product_white", 255), ("product_grey", 230)):
        framed = corrupt(images, kind, 0.33)
        assert framed.shape == (len(images), IMAGE_SIZE, IMAGE_SIZE, 3)
        untrimmed = np.stack([decode_image(product_photo(image, background, 0.33), trim_border=False)
                              for image in images])
        border = np.concatenate([untrimmed[:, :4].reshape(-1, 3), untrimmed[:, -4:].reshape(-1, 3)])
        assert np.abs(border.astype(int) - background).max() <= 10  # the canvas, as the photo holds it
        # Trimmed, the object fills the frame again: far closer to the original than the small copy.
        assert np.abs(framed.astype(int) - images).mean() < 0.5 * np.abs(untrimmed.astype(int) - images).mean()
