"""Small helpers to show uint8 arrays in the browser."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image


def png_data_uri(image: np.ndarray) -> str:
    """A uint8 (H, W, 3) array as a PNG data URI (lossless, so the browser shows the model input)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def decode_data_uri(content: str) -> bytes:
    """The bytes of a `data:<type>;base64,<payload>` string from dcc.Upload; ValueError if malformed."""
    header, sep, payload = (content or "").partition(",")
    if not sep or ";base64" not in header:
        raise ValueError("the upload was not received as base64 data")
    try:
        return base64.b64decode(payload, validate=True)
    except (ValueError, base64.binascii.Error) as exc:
        raise ValueError("the upload's base64 data is corrupt") from exc
