"""Example photos to try on the Classifier page in one click: scikit-image's sample images (public
domain or CC0, installed with the serving requirements), so no photo is committed and none comes
from the dataset. Two are of things the models do not know, to show what such answers look like."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image

from dash_app.classify import Upload

# key: (button label, scikit-image sample)
EXAMPLES = {
    "cat": ("a cat", "chelsea"),
    "rocket": ("a rocket (not one of the ten)", "rocket"),
    "coffee": ("a cup of coffee (not one of the ten)", "coffee"),
}


@lru_cache(maxsize=len(EXAMPLES))
def example_upload(key: str) -> Upload:
    """The example `key` as an uploaded JPEG, as a photo from a client would arrive."""
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(getattr(data, EXAMPLES[key][1])()).save(buffer, "JPEG", quality=90)
    return Upload(f"example: {EXAMPLES[key][0]}.jpg", buffer.getvalue())
