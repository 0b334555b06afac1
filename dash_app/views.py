"""Memoized view models: artifact data through the pure figure builders.

Arguments are normalised by the callers (tuples in the dataset's class order), so equal filters
share one cache entry; every key carries the artifacts' folder and fingerprint.
"""

from __future__ import annotations

import numpy as np

from dash_app.extensions import cache
from dash_app.figures.base import empty_figure
from dash_app.figures.data import channel_stats_figure, class_distribution_figure, spread_figure
from dash_app.figures.performance import (
    class_coverage_figure,
    confusion_matrix_figure,
    coverage_figure,
    per_class_metric_figure,
    reliability_figure,
    review_by_class_figure,
    robustness_figure,
    training_curves_figure,
)
from dash_app.images import png_data_uri
from dash_app.store import Artifacts
from ml.evaluation.auto_sort import (
    DEFAULT_TARGET,
    auto_sort_answer,
    review_share_by_class,
    threshold_for_target,
)
from ml.evaluation.savings import calibrated_model, catalogue_savings
from ml.models.registry import display_name
from ml.models.run_record import describe_training
from ml.serving.calibration import answers_at, coverage_curve

CURVE_POINTS = 300  # enough for a smooth line; 10,000 points per model would only slow the browser


def normalise(selected, universe) -> tuple[str, ...]:
    """The selected values that exist, in the universe's order (None or empty -> nothing)."""
    chosen = set(selected or ())
    return tuple(v for v in universe if v in chosen)


class Views:
    """The memoized figures of one artifacts folder. flask-caching keys every call by the folder and
    its fingerprint (`__caching_id__`) with the call's arguments, so equal filters share an entry and
    a regenerated folder never reuses an old one."""

    def __init__(self, artifacts: Artifacts):
        self.artifacts = artifacts

    def __caching_id__(self) -> str:
        return f"{self.artifacts.folder}@{self.artifacts.fingerprint}"

    @cache.memoize()
    def data_figures(self, splits: tuple, classes: tuple) -> tuple:
        """The Data page's four charts and its mean-image tiles for the selected splits and classes,
        every one of them from exactly that selection (the charts say so when it is empty)."""
        stats, arrays = self.artifacts.stats(), self.artifacts.stats_arrays()
        names, splits, classes = stats["class_names"], list(splits), list(classes)
        return (
            class_distribution_figure(stats, splits, classes),
            channel_stats_figure(stats, splits, classes),
            mean_image_tiles({s: arrays[f"{s}_mean_images"] for s in splits}, names, classes),
            spread_figure(arrays["hist_brightness_edges"], {s: arrays[f"{s}_hist_brightness"] for s in splits},
                                  names, classes, "Brightness per class", "mean brightness of an image (0–255)"),
            spread_figure(arrays["hist_contrast_edges"], {s: arrays[f"{s}_hist_contrast"] for s in splits},
                                  names, classes, "Contrast per class",
                                  "contrast of an image (spread of its brightness, 0–128)"),
        )

    @cache.memoize()
    def confusion_figure(self, model: str, classes: tuple, mode: str, selected: tuple | None = None):
        manifest = self.artifacts.manifest()
        entry = manifest.models[model]
        if not classes:
            return empty_figure("Select at least one class")
        return confusion_matrix_figure(np.array(entry.metrics.confusion_matrix),
                                               manifest.class_names, list(classes),
                                               mode == "normalised", f"{display_name(model)}: true × predicted", selected)

    @cache.memoize()
    def per_class_figure(self, models: tuple, classes: tuple, metric: str, sort: str):
        entries = self.artifacts.manifest().models
        return per_class_metric_figure({k: entries[k].metrics for k in models}, list(classes), metric,
                                               sort if sort in models else None)

    @cache.memoize()
    def robustness_figure(self, models: tuple, severity: int, target: float = DEFAULT_TARGET):
        return robustness_figure(self.artifacts.robustness_rows(), list(models), severity, target)

    @cache.memoize()
    def auto_sort_view(self, models: tuple, target: float) -> tuple:
        """(coverage figure, review-by-class figure, per-class coverage figure, one sentence per model) at
        the `target` accuracy; the per-class views are of the most accurate calibrated model."""
        manifest, predictions = self.artifacts.manifest(), self.artifacts.predictions()
        labels, names = predictions["y_true"], manifest.class_names
        curves = {m: _thinned(coverage_curve(predictions[f"proba_{m}"], labels)) for m in models}
        chosen = {m: threshold_for_target(manifest.models[m], target) for m in models}
        ranked = sorted((m for m in models if chosen[m]), key=lambda m: -manifest.models[m].metrics.accuracy)
        lead = ranked[0] if ranked else None
        shares, class_curves, class_points = {}, {}, {}
        if lead:
            proba, threshold = predictions[f"proba_{lead}"], chosen[lead].threshold
            shares = dict(zip(names, review_share_by_class(proba, labels, threshold, len(names))))
            for k, name in enumerate(names):
                mine = labels == k
                if mine.any():
                    class_curves[name] = _thinned(coverage_curve(proba[mine], labels[mine]))
                    class_points[name] = answers_at(proba[mine], labels[mine], threshold)
        return (coverage_figure(curves, chosen, target),
                review_by_class_figure(shares, lead, target),
                class_coverage_figure(class_curves, class_points, names, lead, target),
                [auto_sort_answer(manifest, m, target) for m in models])

    @cache.memoize()
    def reliability_figure(self, models: tuple):
        entries = self.artifacts.manifest().models
        return reliability_figure({m: entries[m].calibration for m in models if entries[m].calibration})

    @cache.memoize()
    def training_figure(self, models: tuple):
        entries = self.artifacts.manifest().models
        histories = {m: h for m in models if (h := self.artifacts.history(m))}
        return training_curves_figure(histories, {m: entries[m].metrics.accuracy for m in histories})

    def savings(self, photos: int, seconds: float) -> tuple[str | None, list[dict]]:
        """The most accurate calibrated model and what it saves on `photos` taking `seconds` each."""
        manifest = self.artifacts.manifest()
        model = calibrated_model(manifest)
        if model is None:
            return None, []
        return model, catalogue_savings(manifest.models[model], manifest.dataset.splits.test.size, photos, seconds)

    def training_records(self, models: tuple) -> list[str]:
        """How each network's training ended: epochs, why, and what it cost on which machine."""
        entries = self.artifacts.manifest().models
        return [describe_training(display_name(m), entries[m].training) for m in models if entries[m].training]


def cell_indices(predictions: dict, model: str, true: int, predicted: int) -> np.ndarray:
    """The test indices of one confusion-matrix cell, most confident first."""
    proba = predictions[f"proba_{model}"]  # the matrix and the metrics count the stored classes too
    hits = np.flatnonzero((predictions["y_true"] == true) & (predictions[f"pred_{model}"] == predicted))
    return hits[np.argsort(-proba[hits, predicted], kind="stable")]


def mean_image_tiles(means: dict[str, np.ndarray], class_names: list[str], classes: list[str]) -> list[dict]:
    """One tile per selected class and split (a class's splits next to each other): its caption and
    its mean image as a PNG data URI."""
    return [{"class": name, "split": split, "src": png_data_uri(means[split][class_names.index(name)])}
            for name in class_names if name in classes for split in means]


def _thinned(curve: dict) -> dict:
    """A coverage curve cut to about CURVE_POINTS points from 1% of the photos on (a handful of most
    confident answers says nothing about the rest), the last (every photo) always kept."""
    n = len(curve["coverage"])
    keep = np.unique(np.linspace(min(n - 1, n // 100), n - 1, CURVE_POINTS).astype(int))
    return {key: np.asarray(values)[keep] for key, values in curve.items()}
