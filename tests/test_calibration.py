"""Calibration metrics (ml/calibration.py) against values worked out by hand."""

import numpy as np
import pytest

from ml.calibration import calibration_metrics, expected_calibration_error, reliability_bins


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
