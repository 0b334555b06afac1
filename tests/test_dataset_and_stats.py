import numpy as np
import pytest

from ml.dataset import Dataset, Split, fingerprint, stratified_subset, training_splits, validation_split
from ml.stats import dataset_statistics, duplicate_report, image_hashes
from tests.conftest import CLASSES, synthetic_images


def _split(n_per_class=20, seed=0):
    images, labels = synthetic_images(n_per_class, seed=seed)
    return Split(images, labels, tuple(f"f{i}" for i in range(len(labels))))


def test_stratified_subset_keeps_class_balance_and_is_seeded():
    split = _split(20)
    subset = stratified_subset(split, 30, seed=1)
    assert np.bincount(subset.labels).tolist() == [10, 10, 10]
    assert subset.files == stratified_subset(split, 30, seed=1).files
    assert subset.files != stratified_subset(split, 30, seed=2).files
    assert stratified_subset(split, None, seed=1) is split


def test_validation_split_is_disjoint_stratified_and_complete():
    split = _split(20)
    fit, val = validation_split(split, 15, seed=0)
    assert len(val) == 15 and len(fit) == 45
    assert np.bincount(val.labels).tolist() == [5, 5, 5]
    assert set(fit.files).isdisjoint(val.files)
    assert set(fit.files) | set(val.files) == set(split.files)


def test_fingerprint_changes_with_one_pixel_or_label():
    split = _split(5)
    base = fingerprint(split, CLASSES)
    assert base == fingerprint(_split(5), CLASSES)
    images = split.images.copy()
    images[3, 0, 0, 0] ^= 1
    assert fingerprint(Split(images, split.labels), CLASSES) != base
    labels = split.labels.copy()
    labels[0] = 2
    assert fingerprint(Split(split.images, labels), CLASSES) != base


def test_statistics_on_known_data():
    train = _split(10, seed=0)
    test = _split(4, seed=1)
    images = test.images.copy()
    images[1] = train.images[0]  # one test image copied from train
    test = Split(images, test.labels)
    train_images = train.images.copy()
    train_images[5] = train_images[4]  # one duplicate inside train
    train = Split(train_images, train.labels)
    dataset = Dataset("toy", "memory", CLASSES, {"train": train, "test": test},
                      {"n_files": 42})
    stats, arrays = dataset_statistics(dataset)
    assert stats["splits"]["train"]["class_counts"] == {"cat": 10, "dog": 10, "ship": 10}
    assert stats["splits"]["train"]["channel_mean"] == pytest.approx(
        train.images.reshape(-1, 3).mean(axis=0), abs=1e-3)
    assert arrays["train_mean_images"].shape == (3, 32, 32, 3)
    assert np.allclose(arrays["train_mean_images"][1], train.images[train.labels == 1].mean(axis=0), atol=0.51)
    assert arrays["test_hist_brightness"].sum() == len(test)
    assert stats["duplicates"]["within"]["train"]["duplicate_images"] == 1
    assert stats["duplicates"]["within"]["test"]["duplicate_images"] == 0
    assert stats["duplicates"]["across"]["train_in_test"]["images"] == 1
    assert stats["duplicates"]["across"]["test_in_train"]["images"] == 1
    assert stats["duplicates"]["across"]["test_in_train"]["examples"] == [1]


def test_duplicates_with_conflicting_labels_are_counted():
    images, _ = synthetic_images(2)
    images[1] = images[0]
    report = duplicate_report({"train": image_hashes(images)},
                              {"train": np.array([0, 1, 1, 1, 2, 2])})
    assert report["within"]["train"] == {"duplicate_images": 1, "groups": 1,
                                         "groups_with_conflicting_labels": 1}


def test_dataset001_training_splits_are_the_one_way_to_split():
    images, labels = synthetic_images(40)  # 120 images, 3 classes
    split = Split(images, labels)
    made = training_splits(split, subset=60, val_size=None, seed=1)
    assert len(made.train) == 60 and made.val_size == 6 and len(made.fit) == 54 and len(made.val) == 6
    assert sorted(np.bincount(made.val.labels)) == [2, 2, 2]  # stratified
    again = training_splits(split, subset=60, val_size=None, seed=1)
    assert np.array_equal(again.val.images, made.val.images)  # seeded
    whole = training_splits(split, subset=None, val_size=0, seed=1)
    assert whole.fit is whole.train and whole.val is None
