"""Test images for galleries, read at run time from the dataset the artifacts were built from.

No dataset image is ever stored in the project: the images are loaded from the configured dataset,
and only after its test-split fingerprint matches the manifest. Decoding 10,000 images takes
seconds, so the verified split is kept in the app's cache folder (outside the project), where every
worker, and the next start, reads it in milliseconds; what is read is fingerprinted again before it
is used, so a damaged or foreign cache file is never shown.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from dash_app.offload import off_the_event_loop
from ml.dataset import DatasetError, Split, fingerprint
from ml.loading import DATA_ENV, load_dataset


class GalleryUnavailable(RuntimeError):
    """The dataset is absent or not the one the artifacts were built from; says how to fix it."""


_lock = threading.Lock()


def dataset_test_images(data_path: Path | None, manifest: dict, cache_dir: str | Path | None = None) -> np.ndarray:
    """The test split's uint8 images, in the order of the artifacts' predictions."""
    dataset = manifest["dataset"]
    how = (f"Set {DATA_ENV} to the dataset the artifacts were built from "
           f"('{dataset['source']}': {dataset['description']}), then restart the app.")
    if data_path is None or not Path(data_path).exists():
        raise GalleryUnavailable(f"The dataset is not available here ({data_path}). {how}")
    with _lock:  # one load per process; the others wait for it and then read the cached result
        return off_the_event_loop(_load, str(data_path), dataset["splits"]["test"]["fingerprint"],
                                  tuple(dataset["class_names"]), how, str(cache_dir) if cache_dir else None)


@lru_cache(maxsize=1)
def _load(data_path: str, expected: str, class_names: tuple[str, ...], how: str, cache_dir: str | None) -> np.ndarray:
    cached = _cache_file(cache_dir, data_path, expected)
    if cached is not None:
        split = _read_verified(cached, class_names, expected)
        if split is not None:
            return split.images
    try:
        test = load_dataset(data_path, splits=("test",), n_jobs=1, progress=False)
    except DatasetError as exc:
        raise GalleryUnavailable(f"The dataset could not be read: {exc}. {how}") from exc
    if test.class_names != class_names or fingerprint(test["test"], class_names) != expected:
        raise GalleryUnavailable(f"The dataset at {data_path} differs from the one the artifacts "
                                 f"were built from (test-split fingerprint mismatch). {how}")
    if cached is not None:
        _write(cached, test["test"])
    return test["test"].images


def _cache_file(cache_dir: str | None, data_path: str, expected: str) -> Path | None:
    """Where the verified split of this dataset file (by path, size and modification time) is kept."""
    if not cache_dir:
        return None
    stat = Path(data_path).stat()
    key = hashlib.sha256(f"{Path(data_path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return Path(cache_dir) / f"test-split-{expected[:16]}-{key}.npz"


def _read_verified(path: Path, class_names: tuple[str, ...], expected: str) -> Split | None:
    try:
        with np.load(path) as stored:
            split = Split(stored["images"], stored["labels"])
    except (OSError, ValueError, KeyError):
        return None
    return split if fingerprint(split, class_names) == expected else None


def _write(path: Path, split: Split) -> None:
    """Write atomically, so a worker never reads half a file; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with open(partial, "wb") as handle:
            np.savez(handle, images=split.images, labels=split.labels)
        os.replace(partial, path)
    except OSError:
        pass
