"""The robustness benchmark (`python -m ml robustness`): every served model on corrupted copies of
the test split (ml.data.corruptions), scored for accuracy and for how far its confidence still holds
(ml.serving.calibration).

The models are the served ones (ONNX or scikit-learn, through ml.serving.predictors, as the API serves
them), so the figures are what a client would get. Results go to experiments/robustness.json, one
row per model, corruption and severity plus each model's clean row, and a summary per model in the
manifest: the clean accuracy, the mean over every corruption and severity, and the corruption that
hurts most at its middle severity.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ml.artifacts.folder import load_manifest, with_sections, write_json, write_manifest
from ml.artifacts.schema import AutoSortThreshold, Manifest, Robustness
from ml.artifacts.source_data import artifacts_dataset
from ml.artifacts.staging import staged_folder
from ml.data.corruptions import CLEAN, CORRUPTIONS, corrupt
from ml.errors import OptionError
from ml.evaluation.auto_sort import calibrated_thresholds
from ml.serving.calibration import answers_at, calibration_metrics
from ml.serving.predictors import load_predictor

ROBUSTNESS = "robustness"
RESULTS_FILE = "experiments/robustness.json"
# (kind, severity): a product photographed on white at half the width, the client's kind of photo
PRODUCT_ON_WHITE = ("product_white", 0.5)


def run_robustness(data: Path, out: Path, models: list[str] | None = None, kinds: list[str] | None = None,
                   limit: int | None = None, seed: int = 0, log=print) -> dict:
    """Score every model in `models` (default: all served) under every corruption in `kinds`
    (default: all) on the test split (its first `limit` images per class, for quick runs); record
    the rows and the summary in the artifacts and return the summary. The other models keep their
    stored rows while those still describe them (same images, same model files and calibration)."""
    manifest = load_manifest(out)
    models = models or list(manifest.models)
    unknown = sorted(set(models) - set(manifest.models))
    if unknown:
        raise OptionError("--models", f"{out} holds no model {', '.join(unknown)} (it holds "
                                      f"{', '.join(manifest.models)})")
    kinds = kinds or list(CORRUPTIONS)
    test = artifacts_dataset(data, out, manifest, splits=("test",))["test"]
    images, labels = _first_per_class(test.images, test.labels, limit)
    predictors = {key: load_predictor(manifest.models[key], out) for key in models}
    thresholds = {key: calibrated_thresholds(manifest.models[key]) for key in models}
    rows = [_row(key, CLEAN, 0.0, predictor.predict_proba(images), labels, thresholds[key])
            for key, predictor in predictors.items()]
    for kind in kinds:
        for severity in CORRUPTIONS[kind].severities:
            corrupted = corrupt(images, kind, severity, seed)
            for key, predictor in predictors.items():
                rows.append(_row(key, kind, severity, predictor.predict_proba(corrupted), labels, thresholds[key]))
            log(f"robustness: {kind} {CORRUPTIONS[kind].label(severity)}: "
                + ", ".join(f"{r['model']} {r['accuracy']:.1%}" for r in rows[-len(predictors):]))
    fingerprints = {key: model_fingerprint(manifest, key) for key in manifest.models}
    kept = _still_valid_rows(out, fingerprints, exclude=set(models), images=len(labels), seed=seed)
    if kept:
        log(f"robustness: kept the stored results of {', '.join(dict.fromkeys(r['model'] for r in kept))} "
            "(unchanged since they were measured)")
    rows = kept + rows
    summary = summarise(rows)
    with staged_folder(out, start_from_existing=True) as folder:
        stored = load_manifest(folder)
        write_json(folder / RESULTS_FILE, {"images": len(labels), "seed": seed, "rows": rows,
                                           "fingerprints": {m: fingerprints[m] for m in summary}})
        entry = {"file": RESULTS_FILE, "images": len(labels), "models": summary}
        write_manifest(folder, with_sections(stored, extra_files=[RESULTS_FILE], **{ROBUSTNESS: entry}))
    return Robustness.model_validate(entry)


def model_fingerprint(manifest: Manifest, key: str) -> str:
    """A digest of what makes a served model's answers: its files and its calibration."""
    entry = manifest.models[key]
    made_of = {"files": {path: manifest.files[path].sha256 for path in sorted(entry.files.to_json().values())},
               "calibration": entry.calibration.temperature if entry.calibration else None,
               "auto_sort": entry.auto_sort.to_json() if entry.auto_sort else None}
    return hashlib.sha256(json.dumps(made_of, sort_keys=True).encode()).hexdigest()


def _still_valid_rows(out: Path, fingerprints: dict, exclude: set, images: int, seed: int) -> list:
    """The stored rows of the models not being scored again, when they were measured on the same
    images with the same seed and the model has not changed since (retrained or recalibrated)."""
    path = Path(out) / RESULTS_FILE
    if not path.is_file():
        return []
    stored = json.loads(path.read_text())
    if (stored.get("images"), stored.get("seed")) != (images, seed):
        return []
    valid = {m for m, digest in stored.get("fingerprints", {}).items()
             if m not in exclude and fingerprints.get(m) == digest}
    return [r for r in stored["rows"] if r["model"] in valid]


def _first_per_class(images: np.ndarray, labels: np.ndarray, limit: int | None):
    if limit is None:
        return images, labels
    keep = np.concatenate([np.flatnonzero(labels == c)[:limit] for c in np.unique(labels)])
    keep.sort()
    return images[keep], labels[keep]


def _row(model: str, kind: str, severity: float, proba: np.ndarray, labels: np.ndarray,
         thresholds: list[AutoSortThreshold]) -> dict:
    """Accuracy and calibration on one set, and for each calibrated target the share of its photos
    that would still sort themselves and how many of those are right: whether the promise holds."""
    return {"model": model, "corruption": kind, "severity": severity, **calibration_metrics(proba, labels),
            "auto_sort": [{"target": t.target, **answers_at(proba, labels, t.threshold)} for t in thresholds]}


def summarise(rows: list[dict]) -> dict:
    """Per model: clean accuracy, mean accuracy over every corrupted set, the corruption with the
    lowest accuracy at its middle severity, and a product photographed on white at half the width."""
    summary = {}
    for model in dict.fromkeys(r["model"] for r in rows):
        mine = [r for r in rows if r["model"] == model]
        clean = next(r for r in mine if r["corruption"] == CLEAN)
        corrupted = [r for r in mine if r["corruption"] != CLEAN]
        middle = [r for r in corrupted if r["severity"] == _middle(r["corruption"])]
        worst = min(middle, key=lambda r: r["accuracy"]) if middle else None
        product = next((r for r in corrupted if (r["corruption"], r["severity"]) == PRODUCT_ON_WHITE), None)
        summary[model] = {"clean_accuracy": clean["accuracy"], "clean_ece": clean["ece"],
                          "mean_accuracy": float(np.mean([r["accuracy"] for r in corrupted])) if corrupted else None,
                          "worst_middle": worst and {"corruption": worst["corruption"], "severity": worst["severity"],
                                                     "accuracy": worst["accuracy"]},
                          "product_on_white": product and product["accuracy"]}
    return summary


def _middle(kind: str) -> float:
    severities = CORRUPTIONS[kind].severities
    return severities[len(severities) // 2]
