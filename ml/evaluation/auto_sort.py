"""Auto-sort or review: how a served model's confidence becomes a decision about one photo.

A photo is sorted automatically when the model's (calibrated) confidence reaches a threshold, and
goes to a person otherwise. The threshold for a target accuracy is chosen on held-out images when
the model is trained (`ml.serving.calibration.calibrate`, stored in the manifest under the model's
`auto_sort`); without one, a plain minimum confidence is the fallback, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.artifacts.schema import AutoSortThreshold, Manifest, Model
from ml.errors import OptionError
from ml.models.registry import display_name

AUTO, REVIEW = "auto", "review"
DEFAULT_MIN_CONFIDENCE = 0.5
DEFAULT_TARGET = 0.99


@dataclass(frozen=True)
class Decider:
    """How a confidence becomes a decision, and where the threshold came from (for people to read)."""

    threshold: float
    reason: str
    target: float | None = None  # the accuracy the threshold was calibrated for; None for a plain minimum

    def __call__(self, confidence: float) -> str:
        return AUTO if confidence >= self.threshold else REVIEW


def calibrated_thresholds(entry: Model) -> list[AutoSortThreshold]:
    """A model entry's auto-sort thresholds, one per target accuracy (empty when uncalibrated)."""
    return entry.auto_sort.thresholds if entry.auto_sort else []


def threshold_for_target(entry: Model, target: float) -> AutoSortThreshold | None:
    return next((t for t in calibrated_thresholds(entry) if abs(t.target - target) < 1e-9), None)


def decider(manifest: Manifest, model: str, target: float | None, min_confidence: float | None,
            strict: bool = True) -> Decider:
    """The threshold for `model`: the calibrated one for the `target` accuracy when the artifacts
    hold it; otherwise an OptionError when `strict` (a person asked for that target), else
    `min_confidence` (default 0.5), as when no target is given."""
    if target is not None:
        match = threshold_for_target(manifest.models[model], target)
        if match is not None:
            return Decider(match.threshold, f"calibrated for {target:.1%} accuracy", target)
        if strict:
            offered = ", ".join(f"{t.target:.1%}" for t in calibrated_thresholds(manifest.models[model]))
            raise OptionError("--target", f"the artifacts hold no calibrated threshold for {target:.1%} accuracy "
                                          f"with {model} (held: {offered or 'none'}); use one of those, "
                                          "or --min-confidence")
    threshold = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
    return Decider(threshold, f"confidence of at least {threshold:.0%} (not calibrated)")


def review_share_by_class(proba: np.ndarray, labels: np.ndarray, threshold: float, n_classes: int) -> np.ndarray:
    """For each true class, the share of its photos whose confidence falls below `threshold`."""
    review = np.asarray(proba).max(axis=1) < threshold
    counts = np.bincount(labels, minlength=n_classes)
    return np.bincount(labels, weights=review, minlength=n_classes) / np.maximum(counts, 1)


def auto_sort_answer(manifest: Manifest, model: str, target: float) -> str:
    """One sentence for the client: what share of photos `model` sorts itself at `target` accuracy,
    as checked on the test split, and what share goes to a person."""
    entry = manifest.models[model]
    row = threshold_for_target(entry, target)
    name = display_name(model)
    if not calibrated_thresholds(entry):
        return (f"{name} was trained without photos held back to calibrate it, so no confidence threshold "
                "can be trusted yet: every answer should be checked.")
    if row is None:
        return (f"{name} cannot promise {target:.1%} accuracy on any share of the photos: even its most "
                "confident answers fell short on the photos held back to check it.")
    measured = "no test photo reached it" if row.test_accuracy is None else \
        f"{row.test_accuracy:.1%} of them right on the test photos"
    return (f"At {target:.1%} accuracy, {name} sorts {row.test_coverage:.1%} of photos itself "
            f"({measured}); the other {1 - row.test_coverage:.1%} go to a person.")
