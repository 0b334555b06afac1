"""Valid manifests made of small parts, for unit tests of the code that reads them: each helper fills
every field the schema requires with plausible values, and a test sets the ones it is about."""

from ml.artifacts.schema import ExperimentCell, Manifest, Model

NAMES = ["cat", "dog", "ship"]
DIGEST = "0" * 64


def scores(accuracy: float = 0.8, n: int = 100, names=NAMES) -> dict:
    """Test metrics with the given accuracy (per-class figures all equal to it)."""
    per_class = {name: {"precision": accuracy, "recall": accuracy, "f1": accuracy, "support": n // len(names)}
                 for name in names}
    return {"accuracy": accuracy, "macro_precision": accuracy, "macro_recall": accuracy, "macro_f1": accuracy,
            "n_test": n, "per_class": per_class, "confusion_matrix": [[0] * len(names) for _ in names]}


def calibration_scores(ece: float) -> dict:
    return {"accuracy": 0.9, "mean_confidence": 0.9, "ece": ece, "nll": 0.3, "brier": 0.15}


def calibration(before: float = 0.1, after: float = 0.02, temperature: float = 1.5, images: int = 5000) -> dict:
    """A temperature calibration whose test ECE went from `before` to `after`."""
    return {"method": "temperature", "temperature": temperature, "held_out_images": images,
            "compared": {"temperature_ece": after, "isotonic_ece": after + 0.01},
            "held_out_after": calibration_scores(after), "test_before": calibration_scores(before),
            "test_after": calibration_scores(after), "reliability_before": [], "reliability_after": []}


def threshold(coverage: float, accuracy: float | None, target: float = 0.99) -> dict:
    return {"target": target, "threshold": 0.95, "held_out_coverage": coverage + 0.005, "held_out_accuracy": 0.991,
            "test_coverage": coverage, "test_accuracy": accuracy}


def model(accuracy: float = 0.8, **fields) -> dict:
    """A scikit-learn model entry; `fields` replace or add any of its fields."""
    return {"name": "a model", "metrics": scores(accuracy), "train_seconds": 60.0, "train_images": 1000,
            "files": {"joblib": "models/a/model.joblib"}, "size_bytes": 1000, "config": {},
            "inference": {"runtime": "scikit-learn", "latency_ms_p50": 1.0, "latency_ms_p95": 2.0, "latency_runs": 10,
                          "throughput_ips": 100.0, "batch_size": 64}, **fields}


def summary(values: list[float]) -> dict:
    mean = sum(values) / len(values)
    return {"mean": mean, "std": 0.001 if len(values) > 1 else None, "ci95": None, "n": len(values),
            "values": values}


def cell(**fields) -> dict:
    """An experiment cell of one run at 80%; `fields` replace or add any of its fields."""
    return {"train_images": 5000, "accuracy": summary([0.8]), "macro_f1": summary([0.79]),
            "train_seconds": summary([60.0]), **fields}


def manifest(models: dict[str, dict], experiments: dict[str, list[dict]] | None = None, **sections) -> Manifest:
    """A typed manifest of `models`, experiments given as their cells, and other sections as given."""
    split = {"size": 100, "fingerprint": DIGEST}
    return Manifest.model_validate({
        "schema_version": 1, "created": "2026-12-01T12:00:00+00:00", "versions": {},
        "dataset": {"name": "photos", "source": "photos.zip", "description": "three classes", "class_names": NAMES,
                    "splits": {"train": split, "test": split}, "subset": None, "val_size": 0, "seed": 0,
                    "files": {"stats": "dataset/stats.json", "stats_arrays": "dataset/stats.npz",
                              "test_files": "dataset/test_files.json"}},
        "models": models, "predictions": {"files": {"test": "predictions/test_predictions.npz"}},
        "experiments": {name: {"file": f"experiments/{name}.json", "cells": cells}
                        for name, cells in (experiments or {}).items()},
        "files": {}, **sections})


def typed_model(**fields) -> Model:
    return Model.model_validate(model(**fields))


def typed_cells(cells: list[dict]) -> list[ExperimentCell]:
    return [ExperimentCell.model_validate(c) for c in cells]
