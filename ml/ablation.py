"""`ml ablate`: does data augmentation pay? The CNN recipe with and without it, per data size.

Every run uses the same architecture, schedule and validation split as `ml train`; only
the training-set size, the seed and augmentation change. Results are written to
`<out>/experiments/augmentation.json` and listed in the manifest, where the dashboard's
Hypotheses page reads them.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats as scipy_stats

from ml.artifacts import load_manifest, write_json, write_manifest
from ml.dataset import stratified_subset, validation_split
from ml.evaluate import classification_metrics
from ml.loading import load_dataset

RESULTS = "experiments/augmentation.json"


def parse_cells(specs: list[str]) -> list[tuple[int | None, list[int]]]:
    """'5000:0,1,2' -> (5000, [0, 1, 2]); 'all:0' -> (None, [0])."""
    cells = []
    for spec in specs:
        size, _, seeds = spec.partition(":")
        if not seeds:
            raise ValueError(f"cell {spec!r} should read SIZE:SEED[,SEED...], e.g. 5000:0,1,2")
        cells.append((None if size == "all" else int(size), [int(s) for s in seeds.split(",")]))
    return cells


def confidence_interval(values: list[float]) -> list[float] | None:
    """95% Student-t interval of the mean (None for a single run)."""
    if len(values) < 2:
        return None
    mean, sem = float(np.mean(values)), float(scipy_stats.sem(values))
    half = sem * float(scipy_stats.t.ppf(0.975, len(values) - 1))
    return [mean - half, mean + half]


def run_ablation(data: Path, out: Path, cells: list[tuple[int | None, list[int]]], val_size: int = 5000,
                 epochs: int | None = None, overrides: dict | None = None, log=print) -> dict:
    """Train every (size, seed, augment) run, summarise per size, and record it in the manifest."""
    from ml import cnn, export

    manifest = load_manifest(out)
    dataset = load_dataset(data, progress=False)
    names = dataset.class_names
    test = dataset["test"]
    runs = []
    for size, seeds in cells:
        for seed in seeds:
            train = stratified_subset(dataset["train"], size, seed)
            fit, val = validation_split(train, min(val_size, len(train) // 10), seed)
            for augment in (True, False):
                config = cnn.CNNConfig(seed=seed, augment=augment, **(overrides or {}))
                if epochs:
                    config.epochs = epochs
                start = time.perf_counter()
                with tempfile.TemporaryDirectory(prefix="cnn-ablation-") as work:
                    model, _, _ = cnn.train_cnn(fit.images, fit.labels, val.images, val.labels, len(names),
                                                config, Path(work), verbose=0)
                seconds = time.perf_counter() - start
                proba = export.keras_predict(cnn.serving_model(model, config.tta), test.images)
                metrics = classification_metrics(test.labels, proba, names)
                runs.append({"train_images": len(train), "seed": seed, "augment": augment,
                             "epochs": config.epochs, "test_accuracy": metrics["accuracy"],
                             "macro_f1": metrics["macro_f1"], "train_seconds": round(seconds, 1)})
                log(f"{len(train):>6} images, seed {seed}, augment={augment}: "
                    f"accuracy {metrics['accuracy']:.4f}, macro-F1 {metrics['macro_f1']:.4f}, {seconds:.0f} s")
    summary = summarise(runs)
    write_json(out / RESULTS, {"runs": runs, "cells": summary})
    manifest.setdefault("experiments", {})["augmentation"] = {"file": RESULTS, "cells": summary}
    manifest["extra_files"] = sorted(set(manifest.get("extra_files", [])) | {RESULTS})
    write_manifest(out, manifest)
    return manifest["experiments"]["augmentation"]


def summarise(runs: list[dict]) -> list[dict]:
    """Per training-set size: accuracies and macro-F1 with and without augmentation, with 95% CIs."""
    cells = []
    for size in sorted({r["train_images"] for r in runs}):
        cell = {"train_images": size}
        for key, augment in (("with", True), ("without", False)):
            chosen = [r for r in runs if r["train_images"] == size and r["augment"] is augment]
            cell[key] = [r["test_accuracy"] for r in chosen]
            cell[f"{key}_macro_f1"] = [r["macro_f1"] for r in chosen]
            cell[f"{key}_ci95"] = confidence_interval(cell[key])
        cell["gain_points"] = round(100 * (np.mean(cell["with"]) - np.mean(cell["without"])), 2)
        cells.append(cell)
    return cells
