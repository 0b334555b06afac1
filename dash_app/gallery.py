"""Dataset images for galleries, read at run time from the dataset the artifacts were built from.

No dataset image is ever stored in the project: the images are loaded from the configured dataset,
and only after the split's fingerprint matches the manifest. Decoding a split takes seconds, so the
verified split is kept in the app's cache folder (outside the project), where every
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
from ml.artifacts.folder import ArtifactError
from ml.artifacts.schema import Manifest
from ml.data.dataset import DatasetError, Split, fingerprint
from ml.data.loading import DATA_ENV, load_dataset


class GalleryUnavailable(RuntimeError):
    """The dataset is absent or not the one the artifacts were built from; says how to fix it."""


_locks = {"test": threading.Lock(), "train": threading.Lock()}  # one per split: a slow split never holds up the other
_prefetched: set[tuple[str, str]] = set()


def dataset_images(data_path: Path | None, manifest: Manifest, cache_dir: str | Path | None = None,
                   split: str = "test") -> np.ndarray:
    """A split's uint8 images in the artifacts' order (the test split's predictions, the training
    split's neighbour index)."""
    dataset = manifest.dataset
    how = (f"Set {DATA_ENV} to the dataset the artifacts were built from "
           f"('{dataset.source}': {dataset.description}), then restart the app.")
    if data_path is None or not Path(data_path).exists():
        raise GalleryUnavailable(f"The dataset is not available here ({data_path}). {how}")
    with _locks[split]:  # one load per process; the others wait for it and then read the cached result
        return off_the_event_loop(_load, str(data_path), split, getattr(dataset.splits, split).fingerprint,
                                  tuple(dataset.class_names), how, str(cache_dir) if cache_dir else None)


def prefetch(data_path: Path | None, manifest: Manifest, cache_dir: str | Path | None = None, split: str = "train") -> None:
    """Start reading a split in the background, so that the first gallery of it does not wait for
    the decoding (the training split takes tens of seconds); errors are left for that gallery to report."""
    def load():
        try:
            dataset_images(data_path, manifest, cache_dir, split)
        except (GalleryUnavailable, OSError):
            pass

    key = (str(data_path), split)
    if data_path is not None and key not in _prefetched:  # once per process, not on every page view
        _prefetched.add(key)
        threading.Thread(target=load, name=f"prefetch-{split}", daemon=True).start()


def prefetch_on_boot(server) -> None:
    """As a worker boots (gunicorn's post_worker_init), start reading the test split that every
    page's galleries show, so that a fresh deploy's first visitors find it decoded or nearly so.
    Broken artifacts are left for the pages to report: the worker serves all the same."""
    services = server.extensions["cifar"]
    try:
        manifest = services.artifacts.manifest()
    except ArtifactError:
        return
    prefetch(services.config.data_path, manifest, services.config.cache_dir, split="test")


@lru_cache(maxsize=2)
def _load(data_path: str, split: str, expected: str, class_names: tuple[str, ...], how: str,
          cache_dir: str | None) -> np.ndarray:
    cached = _cache_file(cache_dir, data_path, split, expected)
    if cached is not None:
        verified = _read_verified(cached, class_names, expected)
        if verified is not None:
            return verified.images
    try:
        loaded = load_dataset(data_path, splits=(split,), n_jobs=1, progress=False)
    except DatasetError as exc:
        raise GalleryUnavailable(f"The dataset could not be read: {exc}. {how}") from exc
    if loaded.class_names != class_names or fingerprint(loaded[split], class_names) != expected:
        raise GalleryUnavailable(f"The dataset at {data_path} differs from the one the artifacts "
                                 f"were built from ({split}-split fingerprint mismatch). {how}")
    if cached is not None:
        _write(cached, loaded[split])
        written = _read(cached)  # just verified: the mapped file, shared by every worker, not a private copy
        if written is not None:
            return written.images
    return loaded[split].images


def _cache_file(cache_dir: str | None, data_path: str, split: str, expected: str) -> Path | None:
    """Where the verified split of this dataset file (by path, size and modification time) is kept."""
    if not cache_dir:
        return None
    stat = Path(data_path).stat()
    key = hashlib.sha256(f"{Path(data_path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return Path(cache_dir) / f"{split}-split-{expected[:16]}-{key}"


def _read(path: Path) -> Split | None:
    try:
        return Split(np.load(path / "images.npy", mmap_mode="r"), np.load(path / "labels.npy"))
    except (OSError, ValueError):
        return None


def _read_verified(path: Path, class_names: tuple[str, ...], expected: str) -> Split | None:
    split = _read(path)
    return split if split is not None and fingerprint(split, class_names) == expected else None


def _write(path: Path, split: Split) -> None:
    """Write atomically, so a worker never reads half a file; a cache that cannot be written is skipped."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        for name, array in (("labels", split.labels), ("images", split.images)):
            partial = path / f"{name}.{os.getpid()}.tmp"
            with open(partial, "wb") as handle:
                np.save(handle, array)
            os.replace(partial, path / f"{name}.npy")
    except OSError:
        pass
