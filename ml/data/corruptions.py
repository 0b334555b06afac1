"""Corrupted copies of images, for the robustness benchmark (ml.evaluation.robustness).

In the spirit of CIFAR-10-C (Hendrycks & Dietterich, 2019), generated here rather than downloaded,
from uint8 (N, 32, 32, 3) images and deterministic for a given seed: Gaussian noise, Gaussian blur,
JPEG re-compression, brightness, contrast, downscale-and-upscale, pixelation, rotation, translation,
and product framing. Each kind has three severities, mildest first; the middle one is the one a
floor is set on. Severities are given in the units a person can picture (pixels, degrees, JPEG
quality, a fraction of the width), at least as hard as those the issue tracker measured first.

Product framing is what a catalogue photo looks like: the image, enlarged, centred on a plain white
or light grey canvas at a fraction of its width, saved as a high-resolution JPEG, then read back
through the one preprocessing path (`ml.data.preprocess.decode_image`), exactly as an uploaded photo.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image
from scipy import ndimage

from ml.data.preprocess import IMAGE_SIZE, decode_image

SEVERITY_NAMES = ("mild", "middle", "hard")  # every kind has three severities, in this order
CLEAN = "none"  # the corruption name of the photos as they are


@dataclass(frozen=True)
class Corruption:
    name: str  # what the dashboard and the report call it
    unit: str  # how a severity reads: "σ = 1.0 px", "quality 15"
    severities: tuple[float, ...]  # mildest first
    apply: Callable[[np.ndarray, float, np.random.Generator], np.ndarray]

    def label(self, severity: float) -> str:
        return self.unit.format(severity)


def _clip(images: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(images), 0, 255).astype(np.uint8)


def gaussian_noise(images: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Additive noise with standard deviation `sigma` of the full 0-255 range."""
    return _clip(images + rng.normal(0, sigma * 255, images.shape))


def gaussian_blur(images: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    return _clip(ndimage.gaussian_filter(images.astype(np.float32), sigma=(0, sigma, sigma, 0), mode="reflect"))


def jpeg(images: np.ndarray, quality: float, rng: np.random.Generator) -> np.ndarray:
    return np.stack([_jpeg_round_trip(Image.fromarray(image), int(quality)) for image in images])


def _jpeg_round_trip(image: Image.Image, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def brightness(images: np.ndarray, shift: float, rng: np.random.Generator) -> np.ndarray:
    """Every pixel lighter by `shift` of the full range (clipped at white), as an over-exposed photo."""
    return _clip(images.astype(np.float32) + shift * 255)


def contrast(images: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    """Each image's deviations from its own mean colour scaled by `factor`."""
    x = images.astype(np.float32)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    return _clip(mean + factor * (x - mean))


def downscale(images: np.ndarray, side: float, rng: np.random.Generator) -> np.ndarray:
    """Shrunk to `side` pixels and enlarged back, both bilinear: detail lost, as in a small thumbnail."""
    return np.stack([np.asarray(Image.fromarray(image).resize((int(side),) * 2, Image.Resampling.BILINEAR)
                                .resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR)) for image in images])


def pixelate(images: np.ndarray, side: float, rng: np.random.Generator) -> np.ndarray:
    """Averaged into `side` x `side` blocks and enlarged without smoothing."""
    return np.stack([np.asarray(Image.fromarray(image).resize((int(side),) * 2, Image.Resampling.BOX)
                                .resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.NEAREST)) for image in images])


def rotation(images: np.ndarray, degrees: float, rng: np.random.Generator) -> np.ndarray:
    """Each image turned by `degrees`, clockwise or anticlockwise at random, corners filled by reflection."""
    signs = rng.choice([-1.0, 1.0], size=len(images))
    return np.stack([_clip(ndimage.rotate(image.astype(np.float32), sign * degrees, axes=(0, 1), reshape=False,
                                          order=1, mode="reflect")) for image, sign in zip(images, signs)])


def translation(images: np.ndarray, pixels: float, rng: np.random.Generator) -> np.ndarray:
    """Each image shifted by `pixels` along a random diagonal, the edge repeated into the gap."""
    shifts = rng.choice([-1, 1], size=(len(images), 2)) * int(pixels)
    p = int(pixels)
    padded = np.pad(images, ((0, 0), (p, p), (p, p), (0, 0)), mode="edge")
    return np.stack([padded[i, p - dy:p - dy + IMAGE_SIZE, p - dx:p - dx + IMAGE_SIZE]
                     for i, (dy, dx) in enumerate(shifts)])


PRODUCT_CANVAS = 600  # pixels: a modest product photo


def product_photo(image: np.ndarray, background: int, width: float) -> bytes:
    """`image` enlarged to `width` of a square canvas of grey level `background`, as JPEG bytes
    (quality 90): the file a catalogue would hold."""
    side = round(PRODUCT_CANVAS * width)
    offset = (PRODUCT_CANVAS - side) // 2
    canvas = Image.new("RGB", (PRODUCT_CANVAS, PRODUCT_CANVAS), (background,) * 3)
    canvas.paste(Image.fromarray(image).resize((side, side), Image.Resampling.BICUBIC), (offset, offset))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def product_framing(background: int) -> Callable[[np.ndarray, float, np.random.Generator], np.ndarray]:
    """Each image as a product photo (`product_photo`) read back through the one preprocessing path."""
    def frame(images: np.ndarray, width: float, rng: np.random.Generator) -> np.ndarray:
        return np.stack([decode_image(product_photo(image, background, width)) for image in images])
    return frame


CORRUPTIONS: dict[str, Corruption] = {
    "gaussian_noise": Corruption("Gaussian noise", "σ = {:.0%} of the range", (0.04, 0.08, 0.12), gaussian_noise),
    "gaussian_blur": Corruption("Gaussian blur", "σ = {:.1f} px", (0.5, 1.0, 1.5), gaussian_blur),
    "jpeg": Corruption("JPEG re-compression", "quality {:.0f}", (30, 15, 8), jpeg),
    "brightness": Corruption("Brightness", "+{:.0%} of the range", (0.2, 0.3, 0.4), brightness),
    "contrast": Corruption("Low contrast", "contrast ×{:.1f}", (0.7, 0.5, 0.3), contrast),
    "downscale": Corruption("Downscale and upscale", "{:.0f} px and back", (24, 16, 12), downscale),
    "pixelate": Corruption("Pixelation", "{0:.0f}×{0:.0f} blocks", (16, 12, 8), pixelate),
    "rotation": Corruption("Rotation", "±{:.0f}°", (10, 20, 30), rotation),
    "translation": Corruption("Translation", "{:.0f} px", (2, 4, 6), translation),
    "product_white": Corruption("Product photo on white", "object at {:.0%} of the width", (0.75, 0.5, 0.33),
                                product_framing(255)),
    "product_grey": Corruption("Product photo on light grey", "object at {:.0%} of the width", (0.75, 0.5, 0.33),
                               product_framing(230)),
}


def corrupt(images: np.ndarray, kind: str, severity: float, seed: int = 0) -> np.ndarray:
    """`images` under corruption `kind` at `severity`; the same inputs always give the same output."""
    rng = np.random.default_rng([seed, list(CORRUPTIONS).index(kind), round(severity * 1000)])
    return CORRUPTIONS[kind].apply(np.asarray(images, dtype=np.uint8), severity, rng)
