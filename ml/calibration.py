"""How far a model's confidence can be trusted: expected calibration error, negative log-likelihood,
Brier score and the reliability diagram's bins, from probabilities and true labels."""

from __future__ import annotations

import numpy as np

ECE_BINS = 15  # equal-width confidence bins, as in Guo et al. (2017) and most reports since


def reliability_bins(proba: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per equal-width confidence bin that holds any answer: its range, count, mean confidence and
    accuracy (the points of a reliability diagram)."""
    confidence, correct = proba.max(axis=1), proba.argmax(axis=1) == labels
    index = np.minimum((confidence * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        chosen = index == b
        if chosen.any():
            rows.append({"low": b / bins, "high": (b + 1) / bins, "count": int(chosen.sum()),
                         "confidence": float(confidence[chosen].mean()), "accuracy": float(correct[chosen].mean())})
    return rows


def expected_calibration_error(proba: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    """The count-weighted mean gap between confidence and accuracy over the bins."""
    rows = reliability_bins(proba, labels, bins)
    return float(sum(r["count"] * abs(r["confidence"] - r["accuracy"]) for r in rows) / len(labels))


def calibration_metrics(proba: np.ndarray, labels: np.ndarray) -> dict:
    """ECE, negative log-likelihood, Brier score (summed over classes, averaged over images) and the
    mean confidence, beside the accuracy they qualify."""
    proba = np.asarray(proba, dtype=np.float64)
    labels = np.asarray(labels)
    truth = np.eye(proba.shape[1])[labels]
    return {"accuracy": float((proba.argmax(axis=1) == labels).mean()),
            "mean_confidence": float(proba.max(axis=1).mean()),
            "ece": expected_calibration_error(proba, labels),
            "nll": float(-np.log(np.clip(proba[np.arange(len(labels)), labels], 1e-12, 1)).mean()),
            "brier": float(((proba - truth) ** 2).sum(axis=1).mean())}
