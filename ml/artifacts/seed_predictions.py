"""The test probabilities of the CNN's repeated trainings from scratch (experiments/cnn_seeds), kept so
that what every seed says about each test photo can be used again without training it again: the
test split's suspect labels are ranked from all of them (ml.audit). One compressed file holds them,
one array per run, named by the run's cell and seed; a run's record names its array."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

SEED_PREDICTIONS_FILE = "predictions/cnn_seeds.npz"


def seed_prediction_key(preset: str, recipe: str, schedule: str, seed: int) -> str:
    """The array name of one run: its preset, seed and a digest of its recipe and schedule (which
    may hold any characters)."""
    digest = hashlib.sha256(f"{recipe}\n{schedule}".encode()).hexdigest()[:12]
    return f"{preset}-{digest}-seed{seed}"


def read_seed_predictions(folder: str | Path, keys: list[str]) -> list[np.ndarray]:
    """The stored test probabilities (float32) of the runs named by `keys`, in that order."""
    if not keys:
        return []
    with np.load(Path(folder) / SEED_PREDICTIONS_FILE) as data:
        return [data[key].astype(np.float32) for key in keys]


def write_seed_predictions(path: Path, new: dict[str, np.ndarray], keep: set[str]) -> None:
    """Add `new` (key -> test probabilities) to the file at `path`, keeping only the stored arrays
    named in `keep` (those that runs still on record point at)."""
    arrays = {}
    if path.is_file():
        with np.load(path) as data:
            arrays = {key: data[key] for key in data.files if key in keep}
    arrays.update({key: np.asarray(proba, np.float16) for key, proba in new.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
