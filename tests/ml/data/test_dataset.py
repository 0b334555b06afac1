"""Splits, subsets and fingerprints (ml/data/dataset.py)."""

import numpy as np
import pytest

from ml.data.dataset import Split, fingerprint, stratified_subset, training_splits, validation_split
from ml.errors import OptionError


def test_stratified_subset_keeps_class_balance_and_is_seeded(make_split):
    split = make_split(20)
    subset = stratified_subset(split, 30, seed=1)
    assert np.bincount(subset.labels).tolist() == [10, 10, 10]
    assert subset.files == stratified_subset(split, 30, seed=1).files
    assert subset.files != stratified_subset(split, 30, seed=2).files
    assert stratified_subset(split, None, seed=1) is split


def test_validation_split_is_disjoint_stratified_and_complete(make_split):
    split = make_split(20)
    fit, val = validation_split(split, 15, seed=0)
    assert len(val) == 15 and len(fit) == 45
    assert np.bincount(val.labels).tolist() == [5, 5, 5]
    assert set(fit.files).isdisjoint(val.files)
    assert set(fit.files) | set(val.files) == set(split.files)


def test_fingerprint_changes_with_one_pixel_or_label(classes, make_split):
    split = make_split(5)
    base = fingerprint(split, classes)
    assert base == fingerprint(make_split(5), classes)
    images = split.images.copy()
    images[3, 0, 0, 0] ^= 1
    assert fingerprint(Split(images, split.labels), classes) != base
    labels = split.labels.copy()
    labels[0] = 2
    assert fingerprint(Split(split.images, labels), classes) != base


def test_dataset001_training_splits_are_the_one_way_to_split(synthetic_images, make_split):
    images, labels = synthetic_images(40)  # 120 images, 3 classes
    split = Split(images, labels)
    made = training_splits(split, subset=60, val_size=None, seed=1)
    assert len(made.train) == 60 and made.val_size == 6 and len(made.fit) == 54 and len(made.val) == 6
    assert sorted(np.bincount(made.val.labels)) == [2, 2, 2]  # stratified
    again = training_splits(split, subset=60, val_size=None, seed=1)
    assert np.array_equal(again.val.images, made.val.images)  # seeded
    whole = training_splits(split, subset=None, val_size=0, seed=1)
    assert whole.fit is whole.train and whole.val is None


def test_dataset002_the_calibration_split_is_held_out_from_every_other_split(synthetic_images):
    images, labels = synthetic_images(40)  # 120 images, 3 classes
    images[:, 0, 0, 0] = np.arange(120)  # every image unique, so set overlap is overlap of images
    split = Split(images, labels)
    made = training_splits(split, subset=None, val_size=None, seed=1, calibration_size=None)
    assert made.calibration_size == 12 and len(made.calibration) == 12 and len(made.train) == 108
    assert sorted(np.bincount(made.calibration.labels)) == [4, 4, 4]  # stratified
    held = {int(i) for i in made.calibration.images[:, 0, 0, 0]}
    for other in (made.train, made.fit, made.val):
        assert held.isdisjoint(int(i) for i in other.images[:, 0, 0, 0])
    assert len(made.fit) + len(made.val) + len(made.calibration) == 120
    none = training_splits(split, subset=None, val_size=0, seed=1)
    assert none.calibration is None and len(none.train) == 120
    with pytest.raises(OptionError, match="--calibration-size"):
        training_splits(split, subset=None, val_size=0, seed=1, calibration_size=119)
