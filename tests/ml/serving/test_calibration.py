"""Calibration metrics (ml/serving/calibration.py) against values worked out by hand."""

import numpy as np
import pytest

from ml.serving.calibration import calibration_metrics, expected_calibration_error, reliability_bins


def test_calibration001_ece_is_the_weighted_gap_between_confidence_and_accuracy():
    # four answers at confidence 0.9, three right; two at 0.6, both right
    proba = np.array([[0.9, 0.1]] * 4 + [[0.6, 0.4]] * 2)
    labels = np.array([0, 0, 0, 1, 0, 0])
    bins = reliability_bins(proba, labels)
    assert [(b["count"], b["accuracy"]) for b in bins] == [(2, 1.0), (4, 0.75)]
    assert expected_calibration_error(proba, labels) == pytest.approx((2 * 0.4 + 4 * 0.15) / 6)


def test_calibration002_a_perfect_and_certain_model_scores_zero():
    proba = np.eye(3)[[0, 1, 2, 1]]
    metrics = calibration_metrics(proba, np.array([0, 1, 2, 1]))
    assert metrics["accuracy"] == 1 and metrics["ece"] == 0 and metrics["brier"] == 0
    assert metrics["nll"] == pytest.approx(0, abs=1e-9)
    uniform = calibration_metrics(np.full((4, 4), 0.25), np.array([0, 1, 2, 3]))
    assert uniform["nll"] == pytest.approx(np.log(4)) and uniform["brier"] == pytest.approx(0.75)


def test_calibration003_temperature_keeps_the_ranking_and_fits_an_overconfident_model():
    from ml.serving.calibration import apply_temperature, fit_temperature

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 4000)
    logits = rng.normal(size=(4000, 4))
    logits[np.arange(4000), labels] += 1.5  # right about two times in three
    true = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    sampled = np.array([rng.choice(4, p=p) for p in true])  # labels drawn from the model: calibrated at T = 1
    overconfident = apply_temperature(true, 1 / 3)  # the same model, three times too sharp
    assert (overconfident.argmax(1) == true.argmax(1)).all()
    t = fit_temperature(overconfident, sampled)
    assert t == pytest.approx(3, rel=0.15)
    before = calibration_metrics(overconfident, sampled)["ece"]
    after = calibration_metrics(apply_temperature(overconfident, t), sampled)["ece"]
    assert after < before / 3


def test_calibration004_threshold_gives_the_most_answers_at_the_target_accuracy():
    from ml.serving.calibration import coverage_curve, threshold_for

    # confidences 0.9 (right, right), 0.8 (right, wrong), 0.7 (right), 0.6 (wrong)
    proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.8, 0.2], [0.8, 0.2], [0.7, 0.3], [0.6, 0.4]])
    labels = np.array([0, 0, 0, 1, 0, 1])
    curve = coverage_curve(proba, labels)
    assert list(curve["accuracy"]) == pytest.approx([1, 1, 1, 0.75, 0.8, 4 / 6])
    best = threshold_for(proba, labels, 0.8)
    assert best == {"target": 0.8, "threshold": 0.7, "coverage": pytest.approx(5 / 6), "accuracy": 0.8}
    strict = threshold_for(proba, labels, 0.99)  # the tie at 0.8 is never split: 0.9 and above only
    assert strict["threshold"] == 0.9 and strict["coverage"] == pytest.approx(2 / 6)
    assert threshold_for(np.array([[0.6, 0.4]]), np.array([1]), 0.5) is None


def _sampled_model(n: int, seed: int, sharpness: float):
    """Probabilities of a 4-class model, labels drawn from them (so calibrated at sharpness 1), and
    the same model made `sharpness` times sharper (below 1: underconfident, as label smoothing makes)."""
    from ml.serving.calibration import apply_temperature

    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.5, size=(n, 4))
    true = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(4, p=p) for p in true])
    return apply_temperature(true, 1 / sharpness), labels


def test_calibration005_calibrate_fits_on_held_out_images_and_checks_on_the_test_split():
    from ml.serving.calibration import AUTO_SORT_TARGETS, answers_at, calibrate

    held_out, held_out_labels = _sampled_model(6000, 1, sharpness=0.4)
    test, test_labels = _sampled_model(6000, 2, sharpness=0.4)
    calibration, auto_sort, served = calibrate(held_out, held_out_labels, test, test_labels)
    assert calibration["temperature"] == pytest.approx(0.4, rel=0.15)
    assert calibration["test_after"]["ece"] < calibration["test_before"]["ece"] / 3
    assert calibration["test_after"]["accuracy"] == calibration["test_before"]["accuracy"]  # ranking kept
    assert (served.argmax(1) == test.argmax(1)).all()
    assert set(calibration["compared"]) == {"temperature_ece", "isotonic_ece"}
    assert sum(b["count"] for b in calibration["reliability_after"]) == len(test_labels)
    rows = auto_sort["thresholds"]
    assert [r["target"] for r in rows] == [t for t in AUTO_SORT_TARGETS if t <= rows[-1]["target"]]
    for row in rows:  # chosen on held-out images, so the test split lands near the target, not on it
        assert row["held_out_accuracy"] >= row["target"]
        assert row["test_accuracy"] == pytest.approx(row["target"], abs=0.03)
        assert answers_at(served, test_labels, row["threshold"]) == {"coverage": row["test_coverage"],
                                                                      "accuracy": row["test_accuracy"]}
    coverages = [r["test_coverage"] for r in rows]
    assert coverages == sorted(coverages, reverse=True)  # a stricter target sorts fewer photos
