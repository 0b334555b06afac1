"""Auto-sort or review (ml/evaluation/auto_sort.py): the calibrated threshold when held, a plain minimum otherwise."""

import numpy as np
import pytest

from ml.errors import OptionError
from ml.evaluation.auto_sort import AUTO, REVIEW, decider, review_share_by_class
from tests.manifests import manifest, model, threshold


def _threshold(target, value):
    return {**threshold(0.7, 0.99, target), "threshold": value}


MANIFEST = manifest({"cnn": model(auto_sort={"thresholds": [_threshold(0.99, 0.93), _threshold(0.95, 0.71)]}),
                     "old": model()})


def test_auto_sort001_decisions_use_the_calibrated_threshold_for_the_target_when_held():
    decide = decider(MANIFEST, "cnn", 0.99, None)
    assert decide.threshold == 0.93 and decide.target == 0.99
    assert decide(0.94) == AUTO and decide(0.93) == AUTO and decide(0.92) == REVIEW
    assert decider(MANIFEST, "cnn", None, None).threshold == 0.5
    assert decider(MANIFEST, "cnn", None, 0.8).threshold == 0.8


def test_auto_sort002_a_missing_target_is_refused_on_request_and_falls_back_when_serving():
    with pytest.raises(OptionError, match=r"--target: .* 98.0% .*held: 99.0%, 95.0%"):
        decider(MANIFEST, "cnn", 0.98, None)
    with pytest.raises(OptionError, match="held: none"):
        decider(MANIFEST, "old", 0.99, None)
    fallback = decider(MANIFEST, "old", 0.99, 0.6, strict=False)
    assert fallback.threshold == 0.6 and fallback.target is None and "not calibrated" in fallback.reason


def test_auto_sort003_review_share_is_per_true_class():
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.45, 0.55]])
    labels = np.array([0, 0, 1, 1])
    assert review_share_by_class(proba, labels, 0.65, 3).tolist() == [0.5, 0.5, 0.0]


def test_auto_sort004_the_answer_is_one_sentence_from_the_checked_figures():
    from ml.evaluation.auto_sort import auto_sort_answer

    found = manifest({"cnn": model(auto_sort={"thresholds": [threshold(0.7234, 0.9911)]}), "old": model()})
    assert auto_sort_answer(found, "cnn", 0.99) == (
        "At 99.0% accuracy, Neural network sorts 72.3% of photos itself (99.1% of them right on the test photos); "
        "the other 27.7% go to a person.")
    assert "cannot promise 99.5% accuracy" in auto_sort_answer(found, "cnn", 0.995)
    assert "without photos held back" in auto_sort_answer(found, "old", 0.99)
