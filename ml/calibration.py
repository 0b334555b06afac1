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


def apply_temperature(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities with their log-probabilities divided by `temperature` and renormalised: the
    same as dividing the logits, for any model that gives probabilities. Above 1 softens, below 1
    sharpens; the ranking of classes never changes."""
    logits = np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-12, 1)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return (scaled / scaled.sum(axis=1, keepdims=True)).astype(np.float32)


def fit_temperature(proba: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of `labels` (Guo et al., 2017),
    searched on a log scale between 0.05 and 20."""
    from scipy.optimize import minimize_scalar

    labels = np.asarray(labels)

    def nll(log_t: float) -> float:
        scaled = apply_temperature(proba, float(np.exp(log_t))).astype(np.float64)
        return float(-np.log(np.clip(scaled[np.arange(len(labels)), labels], 1e-12, 1)).mean())

    return float(np.exp(minimize_scalar(nll, bounds=(np.log(0.05), np.log(20)), method="bounded").x))


def coverage_curve(proba: np.ndarray, labels: np.ndarray) -> dict:
    """Answers ranked by confidence, most confident first: for the first k of them, the share of all
    answers they are (coverage), their accuracy, and the lowest confidence among them."""
    confidence = np.asarray(proba).max(axis=1)
    order = np.argsort(-confidence, kind="stable")
    correct = (np.asarray(proba).argmax(axis=1) == np.asarray(labels))[order]
    k = np.arange(1, len(order) + 1)
    return {"coverage": k / len(order), "accuracy": np.cumsum(correct) / k, "threshold": confidence[order]}


def threshold_for(proba: np.ndarray, labels: np.ndarray, target: float) -> dict | None:
    """The lowest confidence threshold at which the answers at or above it are at least `target`
    accurate, choosing the largest such share of answers; None when not even the most confident
    answer is. Ties in confidence are kept together, so the threshold admits every answer it says."""
    curve = coverage_curve(proba, labels)
    threshold, accuracy, coverage = curve["threshold"], curve["accuracy"], curve["coverage"]
    last_of_tie = np.append(threshold[1:] != threshold[:-1], True)  # a cut only where confidence changes
    ok = np.flatnonzero((accuracy >= target) & last_of_tie)
    if not len(ok):
        return None
    i = ok[-1]
    return {"target": target, "threshold": float(threshold[i]), "coverage": float(coverage[i]),
            "accuracy": float(accuracy[i])}
