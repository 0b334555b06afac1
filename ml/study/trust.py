"""Can the client trust an answer? Their targets for the served CNN, judged on the evidence in the
artifacts (pure functions, no Dash): the Hypotheses page shows them and `python -m ml report`
prints them. Each comes back as ml.study.hypotheses.verdict makes it.
"""

from __future__ import annotations

import json

from ml.artifacts.schema import Manifest, RobustnessSummary
from ml.evaluation.auto_sort import calibrated_thresholds, threshold_for_target
from ml.models.cnn_config import PRESETS, recipe_cells, recipe_of
from ml.models.registry import display_name, served_model
from ml.study.hypotheses import judged, seeds_verdict, unmeasured, verdict

SERVED = served_model()
SERVED_ECE, ANY_ECE = 0.03, 0.05  # expected calibration error (15 bins) on the test split, at most
AUTO_SORT_TARGET, AUTO_SORT_COVERAGE, AUTO_SORT_TOLERANCE = 0.99, 0.70, 0.005
DAMAGED_MEAN, DAMAGED_WORST_MIDDLE = 0.85, 0.75
PRODUCT_FLOOR = 0.88
# The served recipe trained from scratch: (preset, test accuracy, seeds needed)
SERVED_RECIPE = ("full", 0.905, 3)
RUN_ROBUSTNESS = "Run `python -m ml robustness` to test it."


def trust_verdicts(manifest: Manifest) -> list[dict]:
    """Each trust target with its evidence (list of sentences) and a verdict."""
    return [_calibrated(manifest), _sorts_itself(manifest), _holds_up_damaged(manifest),
            _product_photos(manifest), _served_recipe(manifest)]


def _no_cnn(title: str) -> dict:
    return unmeasured(title, ["These artifacts hold no CNN."])


def _calibrated(manifest: Manifest) -> dict:
    title = (f"Confidence means what it says: calibration error at most {SERVED_ECE:.2f} for the CNN and "
             f"{ANY_ECE:.2f} for every model on the test split")
    models = manifest.models
    if SERVED not in models:
        return _no_cnn(title)
    evidence, after = [], {}
    for key, entry in models.items():
        fit = entry.calibration
        if not fit:
            evidence.append(f"{display_name(key)}: not calibrated (trained without held-out photos).")
            continue
        after[key] = fit.test_after.ece
        evidence.append(f"{display_name(key)}: {fit.test_before.ece:.3f} before, {after[key]:.3f} after "
                        f"(temperature {fit.temperature:.2f}, fitted on {fit.held_out_images:,} held-out photos).")
    evidence.append("Calibration error (ECE): the gap between confidence and accuracy, averaged over 15 "
                    "equal-width bins of confidence.")
    if len(after) < len(models):
        return verdict(title, evidence, "open", "Open: some models are not calibrated.")
    worst = max(after, key=after.get)
    met = after[SERVED] <= SERVED_ECE and after[worst] <= ANY_ECE
    return judged(title, evidence, met,
                  f"the CNN's is {after[SERVED]:.3f}, the highest {after[worst]:.3f} ({display_name(worst)}).")


def _sorts_itself(manifest: Manifest) -> dict:
    title = (f"At {AUTO_SORT_TARGET:.0%} accuracy, at least {AUTO_SORT_COVERAGE:.0%} of photos sort themselves, "
             f"measured within {AUTO_SORT_TOLERANCE * 100:.1f} points of the target")
    entry = manifest.models.get(SERVED)
    if entry is None:
        return _no_cnn(title)
    if not calibrated_thresholds(entry):
        return unmeasured(title, ["The CNN was trained without held-out photos to choose a threshold on."])
    row = threshold_for_target(entry, AUTO_SORT_TARGET)
    if row is None:
        return verdict(title, [f"No confidence threshold reached {AUTO_SORT_TARGET:.0%} on the held-out photos."],
                       "refuted", "Refuted: no share of photos can be promised that accuracy.")
    held_out = entry.calibration.held_out_images
    evidence = [f"Threshold {row.threshold:.3f}, chosen on {held_out:,} held-out training photos before the "
                f"test split was seen: there {row.held_out_coverage:.1%} of photos reach it, "
                f"{row.held_out_accuracy:.2%} of them right."]
    if row.test_accuracy is None:
        return verdict(title, evidence + ["No test photo reaches it."], "refuted",
                       "Refuted: no test photo sorts itself.")
    evidence.append(f"On the test split: {row.test_coverage:.1%} of photos sort themselves, "
                    f"{row.test_accuracy:.2%} of them right.")
    met = (row.test_coverage >= AUTO_SORT_COVERAGE
           and abs(row.test_accuracy - AUTO_SORT_TARGET) <= AUTO_SORT_TOLERANCE + 1e-9)
    return judged(title, evidence, met, f"{row.test_coverage:.1%} of photos at {row.test_accuracy:.2%} accuracy.")


def _robustness(manifest: Manifest) -> tuple[RobustnessSummary | None, int]:
    stored = manifest.robustness
    return (stored.models.get(SERVED), stored.images) if stored else (None, 0)


def _holds_up_damaged(manifest: Manifest) -> dict:
    title = (f"The CNN holds up on damaged photos: at least {DAMAGED_MEAN:.0%} on average over the damage "
             f"benchmark, and no kind of damage below {DAMAGED_WORST_MIDDLE:.0%} at its middle severity")
    summary, images = _robustness(manifest)
    if summary is None or summary.mean_accuracy is None or summary.worst_middle is None:
        return unmeasured(title, [RUN_ROBUSTNESS])
    worst = summary.worst_middle
    evidence = [f"{summary.clean_accuracy:.2%} on the {images:,} test photos as they are; "
                f"{summary.mean_accuracy:.2%} on average over the same photos damaged in each way and at each "
                "severity of the benchmark (the Performance page shows every one).",
                f"Worst at middle severity: {worst.corruption} {worst.severity:g}, {worst.accuracy:.2%}."]
    met = summary.mean_accuracy >= DAMAGED_MEAN and worst.accuracy >= DAMAGED_WORST_MIDDLE
    return judged(title, evidence, met,
                  f"{summary.mean_accuracy:.1%} on average, {worst.accuracy:.1%} at worst.")


def _product_photos(manifest: Manifest) -> dict:
    title = (f"A product photographed on white, at half the photo's width, is recognised at least "
             f"{PRODUCT_FLOOR:.0%} of the time")
    summary, images = _robustness(manifest)
    if summary is None or summary.product_on_white is None:
        return unmeasured(title, [RUN_ROBUSTNESS])
    product = summary.product_on_white
    evidence = [f"The {images:,} test photos, each centred on a white canvas at half its width and read back "
                f"through the one preprocessing path: {product:.2%} right, against {summary.clean_accuracy:.2%} "
                "on the photos as they are."]
    met = product >= PRODUCT_FLOOR
    return judged(title, evidence, met, f"{product:.1%}.")


def _served_recipe(manifest: Manifest) -> dict:
    preset, accuracy, seeds = SERVED_RECIPE
    title = (f"The served CNN's recipe reaches {accuracy:.1%} test accuracy ({preset} preset's fixed schedule, "
             f"mean of {seeds} seeds)")
    entry = manifest.models.get(SERVED)
    if entry is None or not entry.config:
        return _no_cnn(title)
    if not entry.training:
        return unmeasured(title, ["The served CNN was trained on a wall-time budget, before schedules were in "
                                  "epochs: its recipe has no fixed schedule to repeat. Retrain it (`make artifacts`)."])
    recipe, _ = recipe_of(entry.config)
    flag = f" --cnn '{json.dumps(recipe)}'" if recipe else ""
    length = f" --epochs {entry.config['epochs']}" if entry.config["epochs"] != PRESETS[preset]["epochs"] else ""
    cell = next((c for c in recipe_cells(manifest, entry.config) if c.preset == preset), None)
    return seeds_verdict(title, cell, accuracy, seeds,
                         f"python -m bench.train_bench --preset {preset} --seeds 0 1 2{length}{flag}")