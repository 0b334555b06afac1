"""One row per image of the test split and of the training split, with what the artifacts know of it:
its class, each model's answer and confidence, whether it has a near-twin, whether its label is
suspect, and where it lies on the map. The Explore page filters, sorts and plots these rows."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.artifacts.schema import LabelIssues, Manifest, NearDuplicates
from ml.audit.out_of_fold import stored_out_of_fold
from ml.models.registry import served_model

SPLITS = ("test", "train")
UNKNOWN = -1  # no answer: a model that never answered for a training image
NETWORK = served_model()  # the network audited out of fold: the one model with answers for training photos too


@dataclass(frozen=True)
class Filters:
    """What the sample browser shows; None or empty means no restriction."""

    split: str = "test"
    classes: tuple[str, ...] = ()
    model: str = NETWORK
    predicted: tuple[str, ...] = ()
    correctness: str = "all"  # "all", "right" or "wrong"
    confidence: tuple[float, float] = (0.0, 1.0)
    near_duplicate: bool = False
    label_issue: bool = False
    sort: str = "confidence-desc"  # or "confidence-asc", "label-issue"


def sample_table(folder: str | Path, manifest: Manifest, predictions: dict) -> dict[str, np.ndarray]:
    """Columns over every test image and then every training image (positions within their split)."""
    folder = Path(folder)
    n_test = len(predictions["y_true"])
    n_train = manifest.dataset.splits.train.size
    models = list(manifest.models)
    n = n_test + n_train
    table = {"split": np.repeat(np.array([0, 1], np.int8), [n_test, n_train]),
             "position": np.concatenate([np.arange(n_test), np.arange(n_train)]).astype(np.int32),
             "true": np.full(n, UNKNOWN, np.int16)}
    table["true"][:n_test] = predictions["y_true"]
    for model in models:
        table[f"pred_{model}"] = np.full(n, UNKNOWN, np.int16)
        table[f"conf_{model}"] = np.full(n, np.nan, np.float32)
        table[f"pred_{model}"][:n_test] = predictions[f"pred_{model}"]
        table[f"conf_{model}"][:n_test] = predictions[f"proba_{model}"].max(axis=1)
    table[f"true_{NETWORK}"] = np.full(n, np.nan, np.float32)  # the network's probability of the true class
    if NETWORK in models:
        table[f"true_{NETWORK}"][:n_test] = predictions[f"proba_{NETWORK}"][np.arange(n_test), predictions["y_true"]]
    folds = stored_out_of_fold(folder, manifest)
    if folds is not None:
        table["true"][n_test:] = folds["labels"]
        if NETWORK in models and not np.isnan(folds["proba"]).any():
            table[f"pred_{NETWORK}"][n_test:] = folds["proba"].argmax(axis=1)
            table[f"conf_{NETWORK}"][n_test:] = folds["proba"].max(axis=1)
            table[f"true_{NETWORK}"][n_test:] = folds["proba"][np.arange(n_train), folds["labels"]]
    files = {"test": _test_files(folder, manifest), "train": folds["files"] if folds else None}
    rows = {(split, name): (0 if split == "test" else n_test) + i
            for split, names in files.items() if names for i, name in enumerate(names)}
    table["file"] = np.array(files["test"] + (files["train"] or [f"training photo {i}" for i in range(n_train)]))
    table["near_duplicate"] = np.zeros(n, bool)
    table["label_score"] = np.full(n, np.nan, np.float32)
    table["suggested"] = np.full(n, UNKNOWN, np.int16)
    table["label_issue"] = np.zeros(n, bool)  # flagged by confident learning (the file's first rows of a split)
    names = manifest.class_names
    ranks = {split: 0 for split in SPLITS}
    issues = manifest.label_issues
    flagged = {split: row.flagged for split, row in issues.splits.items()} if issues else {}
    for row in _csv_rows(folder, manifest.near_duplicates):
        for side in ("a", "b"):
            if (found := rows.get((row[f"split_{side}"], row[f"file_{side}"]))) is not None:
                table["near_duplicate"][found] = True
    for row in _csv_rows(folder, issues):
        if (found := rows.get((row["split"], row["file"]))) is not None:
            table["label_score"][found] = float(row["score"])
            table["suggested"][found] = names.index(row["suggested_label"])
            table["label_issue"][found] = ranks[row["split"]] < flagged.get(row["split"], 0)
        ranks[row["split"]] += 1
    table["map_x"] = np.full(n, np.nan, np.float32)
    table["map_y"] = np.full(n, np.nan, np.float32)
    if manifest.data_map:
        with np.load(folder / manifest.data_map.file) as stored:
            at = np.where(stored["split"] == 0, 0, n_test) + stored["position"]
            table["map_x"][at], table["map_y"][at] = stored["x"], stored["y"]
    return table


def _test_files(folder: Path, manifest: Manifest) -> list[str]:
    return json.loads((folder / manifest.dataset.files.test_files).read_text())


def _csv_rows(folder: Path, entry: NearDuplicates | LabelIssues | None):
    if not entry:
        return []
    with (folder / entry.file).open(newline="") as handle:
        return list(csv.DictReader(handle))


def filter_rows(table: dict[str, np.ndarray], filters: Filters, class_names: list[str]) -> np.ndarray:
    """Row numbers of the table that pass `filters`, in the order asked for."""
    keep = table["split"] == SPLITS.index(filters.split)
    if filters.classes:
        keep &= np.isin(table["true"], [class_names.index(c) for c in filters.classes])
    predicted, confidence = table[f"pred_{filters.model}"], table[f"conf_{filters.model}"]
    keep &= predicted != UNKNOWN
    if filters.predicted:
        keep &= np.isin(predicted, [class_names.index(c) for c in filters.predicted])
    if filters.correctness != "all":
        keep &= (predicted == table["true"]) == (filters.correctness == "right")
    low, high = filters.confidence
    keep &= (confidence >= low - 1e-6) & (confidence <= high + 1e-6)
    if filters.near_duplicate:
        keep &= table["near_duplicate"]
    if filters.label_issue:
        keep &= table["label_issue"]
    rows = np.flatnonzero(keep)
    if filters.sort == "label-issue":
        key = np.nan_to_num(table["label_score"][rows], nan=-np.inf)
        return rows[np.argsort(-key, kind="stable")]
    order = np.argsort(confidence[rows], kind="stable")
    return rows[order if filters.sort == "confidence-asc" else order[::-1]]
