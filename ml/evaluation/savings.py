"""What machine sorting saves on a client's catalogue: for each target accuracy, how many photos sort
themselves, how many go to a person, the hours of manual work saved, and the wrong labels expected to
pass unreviewed, from the calibrated thresholds and what they reached on the test split, with the
test split's uncertainty (Wilson 95% intervals on the share sorted and on the error rate among them;
the range of a product is the product of its factors' ends, which errs wide).
"""

from __future__ import annotations

from scipy.stats import binomtest

from ml.artifacts.schema import Manifest, Model
from ml.errors import OptionError
from ml.evaluation.auto_sort import calibrated_thresholds

EXAMPLE_PHOTOS, EXAMPLE_SECONDS = 100_000, 20.0  # the catalogue the report and the page start from


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """95% Wilson interval of a proportion (0..1); (0, 1) when nothing was tried."""
    if trials == 0:
        return 0.0, 1.0
    interval = binomtest(successes, trials).proportion_ci(0.95, method="wilson")
    return float(interval.low), float(interval.high)


def catalogue_savings(entry: Model, test_images: int, photos: int, seconds_per_photo: float) -> list[dict]:
    """Per calibrated target of a model `entry`: for `photos` photos that take a person
    `seconds_per_photo` each, the photos sorted automatically and sent to a person, the hours saved and
    the wrong labels expected among the sorted photos, each with its 95% range from the `test_images`
    photos of the test split the threshold was checked on."""
    if photos < 1 or seconds_per_photo <= 0:
        raise OptionError("catalogue", f"needs at least one photo and a positive time per photo, got {photos} "
                                       f"photos at {seconds_per_photo} s")
    rows = []
    for t in calibrated_thresholds(entry):
        sorted_test = round(t.test_coverage * test_images)
        wrong_test = sorted_test - round((t.test_accuracy or 0.0) * sorted_test)
        share, share_range = sorted_test / test_images, wilson(sorted_test, test_images)
        error, error_range = (wrong_test / sorted_test if sorted_test else 0.0), wilson(wrong_test, sorted_test)
        rows.append({
            "target": t.target, "test_accuracy": t.test_accuracy,
            "auto": photos * share, "auto_range": [photos * share_range[0], photos * share_range[1]],
            "review": photos * (1 - share), "hours_saved": photos * share * seconds_per_photo / 3600,
            "hours_saved_range": [photos * r * seconds_per_photo / 3600 for r in share_range],
            "wrong": photos * share * error,
            "wrong_range": [photos * share_range[0] * error_range[0], photos * share_range[1] * error_range[1]],
        })
    return rows


def calibrated_model(manifest: Manifest) -> str | None:
    """The most accurate model with calibrated thresholds (the one whose savings are shown), or None."""
    calibrated = {k: e for k, e in manifest.models.items() if calibrated_thresholds(e)}
    return max(calibrated, key=lambda k: calibrated[k].metrics.accuracy) if calibrated else None
