"""Dataset statistics and duplicates (ml/data/stats.py)."""

import numpy as np
import pytest

from ml.data.dataset import Dataset, Split
from ml.data.stats import dataset_statistics, duplicate_report, image_hashes


def test_statistics_on_known_data(classes, make_split):
    train = make_split(10, seed=0)
    test = make_split(4, seed=1)
    images = test.images.copy()
    images[1] = train.images[0]  # one test image copied from train
    test = Split(images, test.labels)
    train_images = train.images.copy()
    train_images[5] = train_images[4]  # one duplicate inside train
    train = Split(train_images, train.labels)
    dataset = Dataset("toy", "memory", classes, {"train": train, "test": test},
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


def test_duplicates_with_conflicting_labels_are_counted(synthetic_images):
    images, _ = synthetic_images(2)
    images[1] = images[0]
    report = duplicate_report({"train": image_hashes(images)},
                              {"train": np.array([0, 1, 1, 1, 2, 2])})
    assert report["within"]["train"] == {"duplicate_images": 1, "groups": 1,
                                         "groups_with_conflicting_labels": 1}
