"""The one preprocessing path: any image file -> the 32x32 RGB uint8 array every model sees.

Training, evaluation, the dashboard and the API all call :func:`decode_image`, so a
client's photo is turned into model input exactly as the training images were.

The documented transformation:

1. decode with Pillow from the file's bytes (the file name is never trusted);
2. take the first frame of an animated image and apply the EXIF orientation;
3. flatten transparency onto a white background (product photos are shot on white);
   scale 16-bit and float images to 8 bits; convert every other mode to RGB;
4. trim a plain border: when every edge of a photo larger than 32x32 is one plain colour (a product
   on a white or grey background), keep only the square around what stands on it, so the object fills
   the frame as CIFAR-style photos do, instead of shrinking to a few pixels; photos whose edges are
   not plain are untouched;
5. centre-crop to a square (keeps the aspect ratio; product photos are centred);
6. resize to 32x32 with Lanczos (anti-aliased); a 32x32 image is left untouched.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SIZE = 32
DEFAULT_MAX_PIXELS = 64_000_000  # ~8000x8000; larger headers are rejected before decoding
# What a folder or zip of photos is searched for (by extension; the bytes decide in the end).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff",
                            ".ppm", ".pgm", ".pbm", ".pnm"})

_BACKGROUND = (255, 255, 255)
# A pixel belongs to a plain border when no channel differs from the border's colour by more than
# this: wide enough for JPEG ringing and sensor noise on a white sweep, too narrow for a sky gradient.
_BORDER_TOLERANCE = 24
_BORDER_SHARE = 0.95  # share of each edge's pixels that must be border for the edge to count as plain
_BORDER_PROBE = 256  # the border is found on a copy at most about this many pixels wide (speed)


class ImageDecodeError(ValueError):
    """An input could not be turned into a model image; the message says why."""


def decode_image(source: bytes | str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                 trim_border: bool = True) -> np.ndarray:
    """Decode image bytes (or a file path) into a (32, 32, 3) uint8 RGB array."""
    image, _ = open_image(source, max_pixels=max_pixels)
    return to_model_image(image, trim_border=trim_border)


def open_image(source: bytes | str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS):
    """Open and fully decode an image; returns (PIL image, info dict) or raises ImageDecodeError."""
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    if not data:
        raise ImageDecodeError("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            info = {"format": image.format, "width": image.width, "height": image.height,
                    "mode": image.mode}
            if image.width * image.height > max_pixels:
                raise ImageDecodeError(
                    f"the image is {image.width}x{image.height} pixels, over the limit of "
                    f"{max_pixels:,} pixels")
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            if image.format == "JPEG":
                # Let libjpeg decode at 1/2..1/8 scale: a 12 MP photo decodes in a few ms.
                image.draft("RGB", (4 * IMAGE_SIZE, 4 * IMAGE_SIZE))
            image.load()
    except ImageDecodeError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageDecodeError(_reason(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageDecodeError("the image data is damaged or truncated: the file may be incomplete; "
                               "save or download it again") from exc
    return image, info


SMALL_SIDE = IMAGE_SIZE  # below this the model input is an enlargement: detail the photo never had
WIDE_RATIO = 2.0  # beyond this the centre square leaves out most of the photo


def photo_warnings(width: int, height: int) -> list[str]:
    """What a person should know about a photo of this size before trusting its answer."""
    warnings = []
    if min(width, height) < SMALL_SIDE:
        warnings.append(f"the photo is only {width}×{height} pixels: the models work on 32×32, so it is "
                        "enlarged and the answer rests on very little detail")
    ratio = max(width, height) / max(1, min(width, height))
    if ratio > WIDE_RATIO:
        warnings.append(f"the photo is {ratio:.1f} times as {'wide' if width > height else 'tall'} as it is "
                        f"{'tall' if width > height else 'wide'}: the models look only at its middle square "
                        "(after trimming a plain background)")
    return warnings


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return "not an image in a format this service reads (JPEG, PNG, WebP, BMP, GIF, TIFF)"
    return f"the image is too large to decode safely ({exc})"


def to_model_image(image: Image.Image, *, trim_border: bool = True) -> np.ndarray:
    """Apply steps 2-6 of the module's transformation to a decoded Pillow image (step 4 only
    when `trim_border`, which exists so the benchmark can measure what the step changes)."""
    image = _upright_rgb(image)
    if trim_border:
        image = trim_plain_border(image)
    width, height = image.size
    if (width, height) != (IMAGE_SIZE, IMAGE_SIZE):
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        image = image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.LANCZOS,
                             box=(left, top, left + side, top + side), reducing_gap=3.0)
    return np.asarray(image, dtype=np.uint8).copy()


def trim_plain_border(image: Image.Image) -> Image.Image:
    """An RGB image cropped to the square around what stands on its plain border, padded with the
    border's colour where the object is not square; the image itself when it has no plain border,
    nothing on it, or is no larger than the model's input."""
    found = _plain_border_object(image)
    if found is None:
        return image
    (left, top, right, bottom), side, colour = found
    square = Image.new("RGB", (side, side), colour)
    square.paste(image.crop((left, top, right, bottom)),
                 ((side - (right - left)) // 2, (side - (bottom - top)) // 2))
    return square


def model_input_box(image: Image.Image, trim_border: bool = True) -> tuple[int, int, int]:
    """(left, top, side) of the square of an upright RGB image that becomes the model's input, in
    the image's pixels: the square around what stands on a plain border (step 4; it may reach past
    the image's edges, where the border colour fills it), else the centre square (step 5). For
    showing a person which part of their photo the models looked at."""
    found = _plain_border_object(image) if trim_border else None
    if found is not None:
        (left, top, right, bottom), side, _ = found
        return left - (side - (right - left)) // 2, top - (side - (bottom - top)) // 2, side
    width, height = image.size
    side = min(width, height)
    return (width - side) // 2, (height - side) // 2, side


def _plain_border_object(image: Image.Image):
    """((left, top, right, bottom) of what stands on the image's plain border, the side of the square
    around it, the border's colour), or None when step 4 leaves the image alone."""
    width, height = image.size
    if width <= IMAGE_SIZE and height <= IMAGE_SIZE:
        return None
    factor = max(1, max(width, height) // _BORDER_PROBE)
    probe = np.asarray(image.reduce(factor) if factor > 1 else image, dtype=np.int16)
    edges = (probe[0], probe[-1], probe[:, 0], probe[:, -1])
    colour = np.median(np.concatenate(edges), axis=0)
    if any(np.mean(np.abs(edge - colour).max(axis=1) <= _BORDER_TOLERANCE) < _BORDER_SHARE for edge in edges):
        return None
    foreground = np.abs(probe - colour).max(axis=2) > _BORDER_TOLERANCE
    # A row or column holds the object when two or more of its pixels do: one is JPEG ringing or dust.
    rows = np.flatnonzero(foreground.sum(axis=1) >= 2)
    cols = np.flatnonzero(foreground.sum(axis=0) >= 2)
    if rows.size == 0 or cols.size == 0:
        return None
    top, bottom = int(rows[0]) * factor, min(height, (int(rows[-1]) + 1) * factor)
    left, right = int(cols[0]) * factor, min(width, (int(cols[-1]) + 1) * factor)
    side = max(bottom - top, right - left)
    if side >= min(width, height):
        return None  # the object already fills the centre square: the crop of step 5 does the rest
    return (left, top, right, bottom), side, tuple(int(c) for c in colour)


def to_display_image(image: Image.Image, side: int) -> Image.Image:
    """A decoded Pillow image as a person should see it: steps 2-3 (upright, RGB on white), then
    shrunk to fit a `side`-pixel square, whole and in its own aspect ratio."""
    image = _upright_rgb(image)
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return image


def display_with_input_box(image: Image.Image, side: int) -> tuple[Image.Image, tuple[float, float, float]]:
    """`to_display_image` of a decoded photo, with `model_input_box` in the shrunk photo's pixels:
    what a person sees, and where in it the models looked."""
    upright = _upright_rgb(image)
    left, top, square = model_input_box(upright)
    shown = to_display_image(upright, side)
    scale = shown.width / upright.width
    return shown, (left * scale, top * scale, square * scale)


def _upright_rgb(image: Image.Image) -> Image.Image:
    return _to_rgb(ImageOps.exif_transpose(image))


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        if image.mode.startswith("I;16") or values.max(initial=0) > 255:
            values = values / 257.0
        image = Image.fromarray(np.clip(values, 0, 255).round().astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, _BACKGROUND + (255,))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB") if image.mode != "RGB" else image


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 32, 32, 3) images -> float32 NHWC batch in 0..255, the CNN/ONNX input.

    Scaling to the network's range happens inside the network, so the exported model
    and every caller share this one contract.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[None]
    if images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 3):
        raise ValueError(f"expected images of shape (N, 32, 32, 3), got {images.shape}")
    return images.astype(np.float32)
