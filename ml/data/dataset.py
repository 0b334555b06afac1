"""In-memory dataset: uint8 images, integer labels and the class names that came with the data."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from ml.errors import OptionError, UserError


class DatasetError(UserError, ValueError):
    """The data on disk is not a usable dataset; the message names the file or folder."""


class UnreadableImagesError(DatasetError):
    """Images that could not be read, all of them: (location, reason) pairs."""

    SHOWN = 3

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.problems = problems
        first = "; ".join(f"{location}: {reason}" for location, reason in problems[:self.SHOWN])
        more = f" (and {len(problems) - self.SHOWN:,} more)" if len(problems) > self.SHOWN else ""
        super().__init__(f"{source}: {len(problems):,} unreadable image(s), fix or remove them: {first}{more}")


@dataclass(frozen=True)
class Split:
    """One split: images (N, 32, 32, 3) uint8, labels (N,) int64, and where each image came from."""

    images: np.ndarray
    labels: np.ndarray
    files: tuple[str, ...] = ()

    def __post_init__(self):
        if len(self.images) != len(self.labels):
            raise ValueError("images and labels differ in length")
        if self.files and len(self.files) != len(self.labels):
            raise ValueError("files and labels differ in length")

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, indices: np.ndarray) -> "Split":
        """A new split holding the given rows, in that order."""
        indices = np.asarray(indices)
        files = tuple(self.files[i] for i in indices) if self.files else ()
        return Split(self.images[indices], self.labels[indices], files)


@dataclass
class Dataset:
    """A dataset: named splits sharing one ordered list of class names."""

    name: str
    source: str
    class_names: tuple[str, ...]
    splits: dict[str, Split]
    file_summary: dict = field(default_factory=dict)

    def __getitem__(self, split: str) -> Split:
        if split not in self.splits:
            raise DatasetError(f"{self.source}: no '{split}' split (found: {sorted(self.splits)})")
        return self.splits[split]


def fingerprint(split: Split, class_names: tuple[str, ...]) -> str:
    """sha256 over the class names, labels and pixels of a split (order-sensitive)."""
    digest = hashlib.sha256()
    digest.update("\n".join(class_names).encode())
    digest.update(np.ascontiguousarray(split.labels, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(split.images, dtype=np.uint8).tobytes())
    return digest.hexdigest()


def stratified_subset(split: Split, size: int | None, seed: int, option: str = "--subset") -> Split:
    """A class-balanced random subset of `size` images (the whole split when size is None or
    larger); `option` is what an error names."""
    if size is None or size >= len(split):
        return split
    n_classes = len(np.unique(split.labels))
    if size < n_classes:
        raise OptionError(option, f"{size} images cannot hold one of each of the {n_classes} classes; "
                                  f"use at least {n_classes}")
    indices, _ = train_test_split(np.arange(len(split)), train_size=size, stratify=split.labels,
                                  random_state=seed)
    return split.take(np.sort(indices))


def default_val_size(n_images: int, n_classes: int) -> int:
    """A tenth of the training images, at most 5,000, or 0 when that cannot hold every class."""
    size = min(5000, n_images // 10)
    return size if size >= n_classes and n_images - size >= n_classes else 0


def check_val_size(size: int, n_images: int, n_classes: int, option: str = "--val-size") -> int:
    """`size` if a stratified split of that many images fits the training images."""
    if size and not n_classes <= size <= n_images - n_classes:
        raise OptionError(option, f"{size} does not fit {n_images:,} training images in {n_classes} "
                                  f"classes: use 0 (no such split) or a number from {n_classes} "
                                  f"to {n_images - n_classes:,}")
    return size


def validation_split(split: Split, size: int, seed: int) -> tuple[Split, Split]:
    """Carve a stratified, seeded validation set of `size` images out of a training split."""
    if size <= 0:
        raise ValueError("validation size must be positive")
    train_idx, val_idx = train_test_split(np.arange(len(split)), test_size=size,
                                          stratify=split.labels, random_state=seed)
    return split.take(np.sort(train_idx)), split.take(np.sort(val_idx))


@dataclass(frozen=True)
class TrainingSplits:
    """The training images of one run: `whole` (the subset used), less `calibration` (held out from
    every model, for fitting how far its confidence is trusted; None without one), is `train`,
    split into `fit` (what the models learn from) and `val` (watched only; None without a
    validation split)."""

    train: Split
    fit: Split
    val: Split | None
    val_size: int
    whole: Split
    calibration: Split | None = None

    @property
    def calibration_size(self) -> int:
        return 0 if self.calibration is None else len(self.calibration)


def training_splits(split: Split, *, subset: int | None, val_size: int | None, seed: int,
                    subset_option: str = "--subset", calibration_size: int | None = 0) -> TrainingSplits:
    """The one way every command makes its splits: a stratified subset of `subset` images (all when
    None), less a stratified calibration split of `calibration_size` images, then a stratified
    validation split of `val_size` images out of the rest; all seeded. A size of None takes the
    default (a tenth of the images, at most 5,000), 0 none."""
    whole = stratified_subset(split, subset, seed, option=subset_option)
    n_classes = len(np.unique(whole.labels))
    held = (default_val_size(len(whole), n_classes) if calibration_size is None
            else check_val_size(calibration_size, len(whole), n_classes, "--calibration-size"))
    train, calibration = validation_split(whole, held, seed) if held else (whole, None)
    size = (default_val_size(len(train), n_classes) if val_size is None
            else check_val_size(val_size, len(train), n_classes))
    fit, val = validation_split(train, size, seed) if size else (train, None)
    return TrainingSplits(train, fit, val, size, whole, calibration)
