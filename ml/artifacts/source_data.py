"""The dataset an artifacts folder was built from: every command that adds to the artifacts (experiments,
audits, robustness) checks that it was given that dataset before spending hours on it."""

from __future__ import annotations

from pathlib import Path

from ml.artifacts.schema import Manifest
from ml.data.dataset import DatasetError, fingerprint
from ml.data.loading import load_dataset


def artifacts_dataset(data: Path, out: Path, manifest: Manifest, splits=None):
    """The dataset at `data`, refused (naming what to pass) unless it is the one the artifacts in
    `out` (whose `manifest` the caller has read) were built from."""
    dataset = load_dataset(data, splits=splits, progress=False)
    if fingerprint(dataset["test"], dataset.class_names) != manifest.dataset.splits.test.fingerprint:
        raise DatasetError(f"{data}: not the dataset the artifacts in {out} were built from (test split "
                           "differs); pass that dataset with --data, or another artifacts folder with --out")
    return dataset
