"""Verifying the data behind the artifacts: near-duplicate images within and between splits, and how
much of each model's test accuracy rests on test images whose near-twin it trained on."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ml.artifacts import load_manifest, read_predictions, write_manifest
from ml.embeddings import Embedder
from ml.errors import UserError
from ml.experiments import artifacts_dataset
from ml.near_duplicates import Rule, find_pairs
from ml.staging import staged_folder

NEAR_DUPLICATES = "near_duplicates"
NEAR_DUPLICATES_FILE = "dataset/near_duplicates.csv"
COLUMNS = ("split_a", "file_a", "split_b", "file_b", "distance")
SPLIT_PAIRS = (("test", "train"), ("test", "test"), ("train", "train"))


def run_near_duplicates(data: Path, out: Path, rule: Rule = Rule(), threads: int = 0, log=print) -> dict:
    """Find every near-duplicate pair in the dataset the artifacts in `out` were built from, with
    the served CNN's embeddings; write the ranked pairs and their summary into the artifacts."""
    manifest = load_manifest(out)
    if "cnn" not in manifest["models"]:
        raise UserError(f"{out} holds no CNN: its embeddings find the candidates (train one with `ml train`)")
    dataset = artifacts_dataset(data, out, manifest, splits=("train", "test"))
    embedder = Embedder(out / manifest["models"]["cnn"]["files"]["onnx_float32"], threads=threads)
    embeddings = {}
    for split in ("test", "train"):
        embeddings[split] = embedder.embed(dataset[split].images)
        log(f"near-duplicates: embedded the {split} split ({len(embeddings[split]):,} images)")
    rows = []
    for a, b in SPLIT_PAIRS:
        other = (None, None) if a == b else (embeddings[b], dataset[b].images)
        pairs = find_pairs(embeddings[a], dataset[a].images, *other, rule=rule)
        rows += [(a, dataset[a].files[i], b, dataset[b].files[j], distance) for i, j, distance in pairs]
        log(f"near-duplicates: {a}–{b}: {len(pairs):,} pairs")
    rows.sort(key=lambda row: row[4])
    summary = summarise(rows, dataset["test"].files, read_predictions(out, manifest), list(manifest["models"]),
                        {split: len(dataset[split].labels) for split in ("train", "test")})
    with staged_folder(out, start_from_existing=True) as folder:
        (folder / NEAR_DUPLICATES_FILE).parent.mkdir(parents=True, exist_ok=True)
        (folder / NEAR_DUPLICATES_FILE).write_text(pairs_csv(rows))
        stored = load_manifest(folder)
        stored[NEAR_DUPLICATES] = {"file": NEAR_DUPLICATES_FILE, "rule": asdict(rule), **summary}
        stored["extra_files"] = sorted(set(stored.get("extra_files", [])) | {NEAR_DUPLICATES_FILE})
        write_manifest(folder, stored)
    return summary


def pairs_csv(rows: list[tuple]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def summarise(rows: list[tuple], test_files, predictions: dict, models: list[str], sizes: dict) -> dict:
    """Pairs and distinct images per split pair; each model's test accuracy on test images with a
    near-twin in the training split and on the rest."""
    counts = {}
    for a, b in SPLIT_PAIRS:
        mine = [row for row in rows if (row[0], row[2]) == (a, b)]
        counts[f"{a}-{b}"] = {"pairs": len(mine), "images_a": len({row[1] for row in mine}),
                              "images_b": len({row[3] for row in mine})}
    twinned = {row[1] for row in rows if (row[0], row[2]) == ("test", "train")}
    has_twin = np.array([name in twinned for name in test_files], bool)
    accuracy = {}
    for model in models:
        right = predictions[f"pred_{model}"] == predictions["y_true"]
        accuracy[model] = {"all": float(right.mean()),
                           "with_train_twin": float(right[has_twin].mean()) if has_twin.any() else None,
                           "without_train_twin": float(right[~has_twin].mean())}
    return {"counts": counts, "test_with_train_twin": int(has_twin.sum()),
            "test_share_with_train_twin": float(has_twin.mean()), "split_sizes": sizes, "accuracy": accuracy}

