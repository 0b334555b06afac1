"""The study's hypotheses in the study's own setup (`python -m ml study-setup`).

The original study trains a basic CNN (convolution, ReLU, max-pooling, dense layers, dropout and
batch normalization; Adam; early stopping on validation, keeping the best weights) on a 5,000-image
subset, and expects augmentation by rotation, flip and zoom to add at least 5 points. This module
runs exactly that: the basic CNN of ml.basic_cnn with batch normalization on stratified subsets,
early stopping on a validation split carved from each subset (a tenth of it), without augmentation
and with each candidate amount of augmentation, several seeds per cell, scored on the full test
split. Which amount counts as "the study's augmentation" is chosen on the validation split only
(`chosen_augmentation`), never on the test split.

Runs accumulate in experiments/study_setup.json like the other experiments, so a long study can be
finished over several sittings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.errors import OptionError
from ml.experiments import describe, run_plan

STUDY_SETUP = "study_setup"
STUDY_SIZE = 5000  # the original study's training subset
STUDY_MODEL = "basic_cnn"
NO_AUGMENTATION = "no_augmentation"
# Candidate amounts of the study's augmentation (rotation as a fraction of a full turn, zoom as a
# fraction of the image): the gentlest is what the study's wording suggests, the others test more.
AUGMENTATIONS = {
    "flip_rotate_zoom_light": {"flip": True, "rotation": 0.05, "zoom": 0.1},
    "flip_rotate_zoom_medium": {"flip": True, "rotation": 0.1, "zoom": 0.2},
    "flip_rotate_zoom_strong": {"flip": True, "rotation": 0.15, "zoom": 0.3},
}
VARIANTS = {NO_AUGMENTATION: {}, **AUGMENTATIONS}
# The study names batch normalization; the reference model has none. Early stopping waits 10 epochs
# without a better validation accuracy, not the reference model's 5: with augmentation, accuracy on a
# 500-image validation split moves by a couple of points from one epoch to the next, and a patience
# of 5 stopped runs while they still got 72% of their own training images right.
MODEL_OVERRIDES = {"batch_norm": True, "patience": 10}


def variant_overrides(variant: str) -> dict:
    """The basic CNN's configuration overrides for one variant of the study's setup."""
    return {**MODEL_OVERRIDES, **VARIANTS[variant]}


CHOSEN = "chosen"  # on the command line: the augmentation amount chosen so far


def resolve_variants(variants: list[str], cells: list[dict]) -> list[str]:
    """`variants` with CHOSEN replaced by the amount chosen on validation in the recorded `cells`."""
    if CHOSEN not in variants:
        return variants
    chosen = chosen_augmentation(cells)
    if chosen is None:
        raise OptionError("--variants", f"'{CHOSEN}' needs runs of the augmentation amounts to choose from; "
                                        f"run them first (--sizes {STUDY_SIZE} --variants {' '.join(AUGMENTATIONS)})")
    return list(dict.fromkeys(chosen if v == CHOSEN else v for v in variants))


def run_study_setup(data: Path, out: Path, sizes: list[int | None], seeds: list[int], variants: list[str],
                    epochs: int | None = None, log=print, **plan_options) -> dict:
    """Train the study's basic CNN for every (size, seed, variant) and record runs and cells.
    `plan_options`: run_plan's control, rerun."""
    def runs():
        for size in sizes:
            for seed in seeds:
                for variant in variants:
                    overrides = variant_overrides(variant)
                    if epochs:  # tiny runs (tests, CI): cap the epochs instead of waiting for early stopping
                        overrides["max_epochs"] = epochs
                    yield {"variant": variant}, STUDY_MODEL, size, seed, overrides

    return run_plan(data, out, STUDY_SETUP, runs(), ("train_images", "seed", "variant"), summarise_study_setup,
                    preset="full", epochs=None, val_size=None, log=log, score_fit=True, **plan_options)


def summarise_study_setup(runs: list[dict]) -> list[dict]:
    """Per training-set size and variant: test accuracy, macro-F1, validation accuracy, accuracy on
    the training images, epochs and training time, each over the seeds run."""
    cells = []
    for size in sorted({r["train_images"] for r in runs}):
        for variant in [v for v in VARIANTS if any(r["variant"] == v and r["train_images"] == size for r in runs)]:
            chosen = [r for r in runs if r["train_images"] == size and r["variant"] == variant]
            cells.append({"train_images": size, "variant": variant,
                          "accuracy": describe([r["test_accuracy"] for r in chosen]),
                          **{field: describe([r[field] for r in chosen])
                             for field in ("macro_f1", "val_accuracy", "fit_accuracy", "epochs_run",
                                           "train_seconds")}})
    return cells


def chosen_augmentation(cells: list[dict]) -> str | None:
    """The augmentation amount with the best mean validation accuracy at the study's size (at the
    smallest size run, if the study's size was not run); None when none was run."""
    sizes = sorted({c["train_images"] for c in cells if c["variant"] in AUGMENTATIONS})
    if not sizes:
        return None
    size = STUDY_SIZE if STUDY_SIZE in sizes else sizes[0]
    candidates = [c for c in cells if c["train_images"] == size and c["variant"] in AUGMENTATIONS]
    return max(candidates, key=lambda c: c["val_accuracy"]["mean"])["variant"]


def augmentation_gains(cells: list[dict]) -> list[dict]:
    """Per training-set size where both were run: the chosen augmentation's cell, the cell without,
    and the gain in test accuracy (a fraction)."""
    chosen = chosen_augmentation(cells)
    gains = []
    for size in sorted({c["train_images"] for c in cells}):
        at_size = {c["variant"]: c for c in cells if c["train_images"] == size}
        if chosen in at_size and NO_AUGMENTATION in at_size:
            with_, without = at_size[chosen], at_size[NO_AUGMENTATION]
            gains.append({"train_images": size, "with": with_, "without": without,
                          "gain": with_["accuracy"]["mean"] - without["accuracy"]["mean"]})
    return gains


def overfitting_gap(cell: dict) -> float:
    """Accuracy on its own training images minus test accuracy, as a fraction (mean over seeds)."""
    return float(np.mean(cell["fit_accuracy"]["values"]) - cell["accuracy"]["mean"])
