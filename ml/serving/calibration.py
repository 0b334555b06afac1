"""How far a model's confidence can be trusted: expected calibration error, negative log-likelihood,
Brier score and the reliability diagram's bins, from probabilities and true labels."""

from __future__ import annotations

import numpy as np

ECE_BINS = 15  # equal-width confidence bins, as in Guo et al. (2017) and most reports since


def reliability_bins(proba: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per equal-width confidence bin that holds any answer: its range, count, mean confidence and
    accuracy (the points of a reliability diagram)."""
    return _bins(proba.max(axis=1), proba.argmax(axis=1) == labels, bins)


def _bins(confidence: np.ndarray, correct: np.ndarray, bins: int) -> list[dict]:
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
    return _ece(reliability_bins(proba, labels, bins))


def _ece(rows: list[dict]) -> float:
    return float(sum(r["count"] * abs(r["confidence"] - r["accuracy"]) for r in rows) / sum(r["count"] for r in rows))


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


AUTO_SORT_TARGETS = (0.95, 0.98, 0.99, 0.995)  # accuracies a client may ask of the photos that sort themselves


def answers_at(proba: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    """The share of answers at or above `threshold` confidence and their accuracy (None when none is)."""
    proba, labels = np.asarray(proba), np.asarray(labels)
    kept = proba.max(axis=1) >= threshold
    accuracy = float((proba[kept].argmax(axis=1) == labels[kept]).mean()) if kept.any() else None
    return {"coverage": float(kept.mean()), "accuracy": accuracy}


def top_label_isotonic_ece(fit_proba, fit_labels, check_proba, check_labels) -> float:
    """ECE on `check` of isotonic regression from top-label confidence to correctness, fitted on
    `fit`: the usual alternative to a temperature, measured so the choice between them is evidence."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")
    iso.fit(fit_proba.max(axis=1), fit_proba.argmax(axis=1) == fit_labels)
    confidence = iso.predict(check_proba.max(axis=1))
    return _ece(_bins(confidence, check_proba.argmax(axis=1) == check_labels, ECE_BINS))


def compare_calibrators(proba: np.ndarray, labels: np.ndarray, seed: int = 0) -> dict:
    """Temperature scaling against top-label isotonic regression, each fitted on one half of the
    held-out images and scored (ECE) on the other half, both ways round; the mean of the two."""
    order = np.random.default_rng(seed).permutation(len(labels))
    halves = (order[: len(order) // 2], order[len(order) // 2:])
    temperature, isotonic = [], []
    for fit, check in (halves, halves[::-1]):
        t = fit_temperature(proba[fit], labels[fit])
        temperature.append(expected_calibration_error(apply_temperature(proba[check], t), labels[check]))
        isotonic.append(top_label_isotonic_ece(proba[fit], labels[fit], proba[check], labels[check]))
    return {"temperature_ece": float(np.mean(temperature)), "isotonic_ece": float(np.mean(isotonic))}


def calibrate(held_out_proba: np.ndarray, held_out_labels: np.ndarray, test_proba: np.ndarray,
              test_labels: np.ndarray, targets=AUTO_SORT_TARGETS) -> tuple[dict, dict, np.ndarray]:
    """Fit a model's temperature and its auto-sort thresholds on held-out images (never the test
    split), then check both on the test split. Returns the manifest's `calibration` and `auto_sort`
    entries and the calibrated test probabilities (the ones the model serves)."""
    held_out_labels, test_labels = np.asarray(held_out_labels), np.asarray(test_labels)
    temperature = fit_temperature(held_out_proba, held_out_labels)
    held_out = apply_temperature(held_out_proba, temperature)
    served = apply_temperature(test_proba, temperature)
    calibration = {"method": "temperature", "temperature": temperature, "held_out_images": len(held_out_labels),
                   "compared": compare_calibrators(held_out_proba, held_out_labels),
                   "held_out_after": calibration_metrics(held_out, held_out_labels),
                   "test_before": calibration_metrics(test_proba, test_labels),
                   "test_after": calibration_metrics(served, test_labels),
                   "reliability_before": reliability_bins(test_proba, test_labels),
                   "reliability_after": reliability_bins(served, test_labels)}
    thresholds = []
    for target in targets:
        chosen = threshold_for(held_out, held_out_labels, target)
        if chosen is not None:
            test = answers_at(served, test_labels, chosen["threshold"])
            thresholds.append({"target": target, "threshold": chosen["threshold"],
                               "held_out_coverage": chosen["coverage"], "held_out_accuracy": chosen["accuracy"],
                               "test_coverage": test["coverage"], "test_accuracy": test["accuracy"]})
    return calibration, {"thresholds": thresholds}, served
