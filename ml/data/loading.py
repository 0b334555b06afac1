"""One entry point for every data source the project reads."""

from __future__ import annotations

import os
from pathlib import Path

from ml.data.cifar import find_batches, load_cifar_batches
from ml.data.dataset import Dataset, DatasetError
from ml.data.image_folder import load_image_folder

DATA_ENV = "CIFAR10_DATA"
SHIPPED_ZIP = Path(__file__).resolve().parents[3] / "shared" / "data" / "cifar10-jpeg.zip"


def default_data_path() -> Path:
    """$CIFAR10_DATA when set, else the shipped zip at ../shared/data/cifar10-jpeg.zip."""
    return Path(os.environ.get(DATA_ENV) or SHIPPED_ZIP)


def load_dataset(path: str | Path, *, splits=None, n_jobs: int = 2, progress: bool = True) -> Dataset:
    """Load the official CIFAR-10 batches folder, or an image folder / zip (`<split>/<class>/<image>`)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder (set --data or ${DATA_ENV})")
    batches = find_batches(path) if path.is_dir() else None
    if batches is not None:
        return load_cifar_batches(batches, splits=splits or ("train", "test"))
    return load_image_folder(path, splits=splits, n_jobs=n_jobs, progress=progress)
