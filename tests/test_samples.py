"""dash_app/samples.py: one row per photo with what the artifacts know of it, and the browser's filters."""

import csv

import numpy as np

from dash_app.samples import UNKNOWN, Filters, filter_rows, sample_table
from ml.artifacts.folder import load_manifest, read_predictions

NAMES = ["cat", "dog", "ship"]


def hand_table():
    return {"split": np.array([0, 0, 0, 0, 1, 1], np.int8), "position": np.array([0, 1, 2, 3, 0, 1]),
            "true": np.array([0, 1, 2, 0, 1, 2]),
            "pred_cnn": np.array([0, 2, 2, 1, 1, 0]), "conf_cnn": np.array([0.9, 0.6, 0.99, 0.3, 0.8, 0.7]),
            "pred_hog_svm": np.array([0, 1, 1, 0, UNKNOWN, UNKNOWN]),
            "conf_hog_svm": np.array([0.5, 0.4, 0.45, 0.7, np.nan, np.nan]),
            "near_duplicate": np.array([False, True, False, False, True, False]),
            "label_issue": np.array([False, True, False, True, False, True]),
            "label_score": np.array([np.nan, 0.5, np.nan, 0.9, np.nan, 0.2])}


def test_samples001_filters_by_split_class_answer_correctness_confidence_and_flags():
    table = hand_table()
    assert list(filter_rows(table, Filters(), NAMES)) == [2, 0, 1, 3]  # the test photos, most confident first
    assert list(filter_rows(table, Filters(sort="confidence-asc"), NAMES)) == [3, 1, 0, 2]
    assert list(filter_rows(table, Filters(classes=("cat",)), NAMES)) == [0, 3]
    assert list(filter_rows(table, Filters(predicted=("ship",)), NAMES)) == [2, 1]
    assert list(filter_rows(table, Filters(correctness="wrong"), NAMES)) == [1, 3]
    assert list(filter_rows(table, Filters(correctness="right", model="hog_svm"), NAMES)) == [3, 0, 1]
    assert list(filter_rows(table, Filters(confidence=(0.5, 0.95)), NAMES)) == [0, 1]
    assert list(filter_rows(table, Filters(near_duplicate=True), NAMES)) == [1]
    assert list(filter_rows(table, Filters(label_issue=True, sort="label-issue"), NAMES)) == [3, 1]
    assert list(filter_rows(table, Filters(split="train"), NAMES)) == [4, 5]
    assert list(filter_rows(table, Filters(split="train", model="hog_svm"), NAMES)) == []  # it never answered there


def test_samples002_the_table_joins_predictions_folds_audits_and_map(explored_artifacts):
    _, out = explored_artifacts
    manifest = load_manifest(out)
    predictions = read_predictions(out, manifest)
    table = sample_table(out, manifest, predictions)
    n_test, n_train = len(predictions["y_true"]), manifest.dataset.splits.train.size
    assert len(table["split"]) == n_test + n_train and (table["split"] == 0).sum() == n_test
    assert (table["pred_cnn"][:n_test] == predictions["pred_cnn"]).all()
    assert (table["pred_cnn"][n_test:] != UNKNOWN).all()  # every training photo has its out-of-fold answer
    assert (table["pred_hog_svm"][n_test:] == UNKNOWN).all()
    with (out / manifest.label_issues.file).open() as handle:
        rows = list(csv.DictReader(handle))
    for split, code in (("test", 0), ("train", 1)):
        flagged = manifest.label_issues.splits[split].flagged
        assert table["label_issue"][table["split"] == code].sum() == flagged
        assert (~np.isnan(table["label_score"][table["split"] == code])).sum() == sum(r["split"] == split for r in rows)
    on_map = ~np.isnan(table["map_x"])
    assert on_map[:n_test].all() and on_map[n_test:].sum() == manifest.data_map.points["train"]
