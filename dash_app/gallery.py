"""Test images for galleries, read at run time from the dataset the artifacts were built from.

No dataset image is ever stored in the project: the images are loaded from the
configured dataset, and only after its test-split fingerprint matches the manifest.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from dash_app.offload import off_the_event_loop
from ml.dataset import DatasetError, fingerprint
from ml.loading import DATA_ENV, load_dataset


class GalleryUnavailable(RuntimeError):
    """The dataset is absent or not the one the artifacts were built from; says how to fix it."""


_lock = threading.Lock()


def dataset_test_images(data_path: Path | None, manifest: dict) -> np.ndarray:
    """The test split's uint8 images, in the order of the artifacts' predictions."""
    dataset = manifest["dataset"]
    how = (f"Set {DATA_ENV} to the dataset the artifacts were built from "
           f"('{dataset['source']}': {dataset['description']}), then restart the app.")
    if data_path is None or not Path(data_path).exists():
        raise GalleryUnavailable(f"The dataset is not available here ({data_path}). {how}")
    with _lock:  # one load per process; the others wait for it and then read the cached result
        return off_the_event_loop(_load, str(data_path), dataset["splits"]["test"]["fingerprint"],
                                  tuple(dataset["class_names"]), how)


@lru_cache(maxsize=1)
def _load(data_path: str, expected: str, class_names: tuple[str, ...], how: str) -> np.ndarray:
    try:
        test = load_dataset(data_path, splits=("test",), n_jobs=1, progress=False)
    except DatasetError as exc:
        raise GalleryUnavailable(f"The dataset could not be read: {exc}. {how}") from exc
    if test.class_names != class_names or fingerprint(test["test"], class_names) != expected:
        raise GalleryUnavailable(f"The dataset at {data_path} differs from the one the artifacts "
                                 f"were built from (test-split fingerprint mismatch). {how}")
    return test["test"].images
