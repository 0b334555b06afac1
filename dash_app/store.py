"""Read-only access to the artifacts folder.

Parsed artifacts are memoized with flask-caching under keys that include the folder's
fingerprint (the sha256 of its manifest), so a regenerated folder is never served from a
stale cache. Model sessions are not picklable and live in a per-process LRU instead.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from dash_app.extensions import cache
from dash_app.samples import sample_table
from ml.artifacts.folder import (
    MANIFEST,
    ArtifactError,
    load_manifest,
    manifest_fingerprint,
    read_predictions,
)
from ml.artifacts.schema import Manifest
from ml.audit.neighbours import NeighbourIndex
from ml.models.registry import served_in
from ml.serving.embeddings import Embedder
from ml.serving.predictors import load_predictor


class Artifacts:
    """The artifacts folder as the app sees it; every getter raises ArtifactError when unusable."""

    def __init__(self, folder: str | Path, onnx_threads: int = 1, served: str | None = None):
        self.folder = str(Path(folder).resolve())
        self.onnx_threads = onnx_threads
        self.served = served  # the model that answers (SERVED_MODEL); None: the registry's served model
        self._cached: tuple = (None, "missing")  # (manifest stat, fingerprint), swapped atomically

    @property
    def fingerprint(self) -> str:
        """The manifest's hash, recomputed only when manifest.json's inode, size or mtime change."""
        try:
            stat = (Path(self.folder) / MANIFEST).stat()
            seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        except OSError:
            seen = None
        cached_seen, fingerprint = self._cached
        if seen is None or seen != cached_seen:
            fingerprint = manifest_fingerprint(self.folder)
            self._cached = (seen, fingerprint)
        return fingerprint

    def manifest(self) -> Manifest:
        return _manifest(self.folder, self.fingerprint)

    def class_names(self) -> list[str]:
        return self.manifest().class_names

    def model_keys(self) -> list[str]:
        return list(self.manifest().models)

    def served_model(self) -> str:
        """The model whose answer the pages and the API give, and whose threshold sorts photos."""
        try:
            return served_in(self.manifest().models, self.served)
        except ValueError as exc:
            raise ArtifactError(f"SERVED_MODEL: {exc}") from None

    def stats(self) -> dict:
        return _json_file(self.folder, self.fingerprint, "stats")

    def stats_arrays(self) -> dict[str, np.ndarray]:
        return _npz_file(self.folder, self.fingerprint, "stats_arrays")

    def predictions(self) -> dict[str, np.ndarray]:
        return _predictions(self.folder, self.fingerprint)

    def history(self, key: str) -> dict | None:
        entry = self.manifest().models.get(key)
        if entry is None or entry.files.history is None:
            return None
        return json.loads((Path(self.folder) / entry.files.history).read_text())

    def predictors(self) -> dict:
        return _predictors(self.folder, self.fingerprint, self.onnx_threads)

    def neighbours(self) -> tuple[Embedder, NeighbourIndex] | None:
        """The served CNN's embedder and the training images' index (`python -m ml neighbours`), or None."""
        return _neighbours(self.folder, self.fingerprint, self.onnx_threads)

    def samples(self) -> dict[str, np.ndarray]:
        """One row per test and training image (dash_app.samples.sample_table)."""
        return _samples(self.folder, self.fingerprint)

    def experiment_runs(self, name: str) -> list[dict]:
        """Every stored run of experiment `name`, with its per-epoch curves; empty when it was not run."""
        return _experiment_runs(self.folder, self.fingerprint, name)

    def robustness_rows(self) -> list[dict]:
        """The robustness benchmark's rows (ml.evaluation.robustness); empty when it was not run."""
        return _robustness_rows(self.folder, self.fingerprint)


@cache.memoize()
def _manifest(folder: str, fingerprint: str) -> Manifest:
    return load_manifest(folder, verify=True)


def _dataset_file(folder: str, fingerprint: str, key: str) -> Path:
    return Path(folder) / getattr(_manifest(folder, fingerprint).dataset.files, key)


@cache.memoize()
def _json_file(folder: str, fingerprint: str, key: str):
    return json.loads(_dataset_file(folder, fingerprint, key).read_text())


@cache.memoize()
def _experiment_runs(folder: str, fingerprint: str, name: str) -> list[dict]:
    entry = _manifest(folder, fingerprint).experiments.get(name)
    return json.loads((Path(folder) / entry.file).read_text())["runs"] if entry else []


@cache.memoize()
def _npz_file(folder: str, fingerprint: str, key: str) -> dict[str, np.ndarray]:
    with np.load(_dataset_file(folder, fingerprint, key)) as data:
        return {k: data[k] for k in data.files}


@cache.memoize()
def _predictions(folder: str, fingerprint: str) -> dict[str, np.ndarray]:
    return read_predictions(folder, _manifest(folder, fingerprint))


@lru_cache(maxsize=2)
def _predictors(folder: str, fingerprint: str, threads: int) -> dict:
    manifest = _manifest(folder, fingerprint)
    return {key: load_predictor(entry, folder, threads=threads)
            for key, entry in manifest.models.items()}


@lru_cache(maxsize=2)
def _samples(folder: str, fingerprint: str) -> dict[str, np.ndarray]:
    return sample_table(folder, _manifest(folder, fingerprint), _predictions(folder, fingerprint))


@lru_cache(maxsize=2)
def _neighbours(folder: str, fingerprint: str, threads: int) -> tuple[Embedder, NeighbourIndex] | None:
    entry = _manifest(folder, fingerprint).neighbours
    if not entry:
        return None
    return Embedder(Path(folder) / entry.model, threads=threads), NeighbourIndex(Path(folder) / entry.file)


@cache.memoize()
def _robustness_rows(folder: str, fingerprint: str) -> list[dict]:
    entry = _manifest(folder, fingerprint).robustness
    return json.loads((Path(folder) / entry.file).read_text())["rows"] if entry else []
