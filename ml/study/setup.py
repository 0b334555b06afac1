"""The study's hypotheses in the study's own setup (`python -m ml study-setup`).

The original study trains a basic CNN (convolution, ReLU, max-pooling, dense layers, dropout and
batch normalization; Adam; early stopping on validation, keeping the best weights) on a 5,000-image
subset, and expects augmentation by rotation, flip and zoom to add at least 5 points. This module
runs exactly that: the basic CNN of ml.models.basic_cnn with batch normalization on stratified subsets,
a stopping rule on a validation split carved from each subset (a tenth of it), without augmentation,
with flips alone and with each candidate amount of rotation, flip and zoom, several seeds per cell,
scored on the full test split. Which amount counts as "the study's augmentation" is chosen on the
validation split only (`chosen_augmentation`), never on the test split.

Augmented runs learn more slowly, so the stopping rule must let them finish: each run lowers its
learning rate on a plateau and stops only after many epochs without a better validation accuracy
(ml.models.basic_cnn.PlateauRule); no wall-time budget decides a run. A second, more patient rule
(`RULES`) shows whether a verdict hinges on the rule.

Runs accumulate in experiments/study_setup.json like the other experiments, so a long study can be
finished over several sittings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.artifacts.schema import ExperimentCell
from ml.errors import OptionError
from ml.models.cnn_config import BasicCNNConfig
from ml.models.registry import reference_model
from ml.study.experiments import describe, run_plan

STUDY_SETUP = "study_setup"
STUDY_SIZE = 5000  # the original study's training subset
STUDY_MODEL = reference_model()
NO_AUGMENTATION = "no_augmentation"
# Candidate amounts of the study's augmentation (rotation as a fraction of a full turn, zoom as a
# fraction of the image): the gentlest is what the study's wording suggests, the others test more.
AUGMENTATIONS = {
    "flip_rotate_zoom_light": {"flip": True, "rotation": 0.05, "zoom": 0.1},
    "flip_rotate_zoom_medium": {"flip": True, "rotation": 0.1, "zoom": 0.2},
    "flip_rotate_zoom_strong": {"flip": True, "rotation": 0.15, "zoom": 0.3},
}
FLIP_ONLY = "flip_only"  # the most common augmentation, on its own
VARIANTS = {NO_AUGMENTATION: {}, FLIP_ONLY: {"flip": True}, **AUGMENTATIONS}
# The study names batch normalization; the reference model has none.
MODEL_OVERRIDES = {"batch_norm": True}
# Stopping rules: the basic CNN's own (learning rate halved after 5 epochs without a better validation
# accuracy, stopped after 20) and one twice as patient, to show whether a verdict hinges on the rule.
MAIN_RULE, PATIENT_RULE = "plateau", "patient"
RULES = {MAIN_RULE: {}, PATIENT_RULE: {"lr_patience": 10, "patience": 40}}


def variant_overrides(variant: str, rule: str = MAIN_RULE) -> dict:
    """The basic CNN's configuration overrides for one variant of the study's setup under one rule."""
    return {**MODEL_OVERRIDES, **VARIANTS[variant], **RULES[rule]}


def rule_text(rule: str) -> str:
    """The stopping rule in words, from the basic CNN's configuration."""
    config = BasicCNNConfig(**RULES[rule])
    return (f"up to {config.max_epochs} epochs, the learning rate halved after {config.lr_patience} epochs without a "
            f"better validation accuracy, stopped after {config.patience}, the best epoch's weights kept")


CHOSEN = "chosen"  # on the command line: the augmentation amount chosen so far


def resolve_variants(variants: list[str], cells: list[ExperimentCell]) -> list[str]:
    """`variants` with CHOSEN replaced by the amount chosen on validation in the recorded `cells`."""
    if CHOSEN not in variants:
        return variants
    chosen = chosen_augmentation(cells)
    if chosen is None:
        raise OptionError("--variants", f"'{CHOSEN}' needs runs of the augmentation amounts to choose from; "
                                        f"run them first (--sizes {STUDY_SIZE} --variants {' '.join(AUGMENTATIONS)})")
    return list(dict.fromkeys(chosen if v == CHOSEN else v for v in variants))


def run_study_setup(data: Path, out: Path, sizes: list[int | None], seeds: list[int], variants: list[str],
                    epochs: int | None = None, rule: str = MAIN_RULE, log=print, **plan_options) -> dict:
    """Train the study's basic CNN for every (size, seed, variant) under stopping `rule` and record runs
    and cells. `plan_options`: run_plan's control, rerun and engine."""
    def runs():
        for size in sizes:
            for seed in seeds:
                for variant in variants:
                    overrides = variant_overrides(variant, rule)
                    if epochs:  # tiny runs (tests, CI): cap the epochs instead of waiting for the rule
                        overrides["max_epochs"] = epochs
                    yield {"variant": variant, "rule": rule}, STUDY_MODEL, size, seed, overrides

    return run_plan(data, out, STUDY_SETUP, runs(), ("train_images", "seed", "variant", "rule"),
                    summarise_study_setup, preset="full", epochs=None, val_size=None, log=log, score_fit=True,
                    **plan_options)


def summarise_study_setup(runs: list[dict]) -> list[dict]:
    """Per training-set size, variant and stopping rule: test accuracy, macro-F1, validation accuracy,
    accuracy on the training images, epochs run, best epoch and training time, each over the seeds run.
    Runs without a stopping record predate the converged rule (a wall-time budget or a short patience
    ended them) and are left out."""
    runs = [r for r in runs if r.get("stopped")]
    cells = []
    for size in sorted({r["train_images"] for r in runs}):
        for rule in [k for k in RULES if any(r["rule"] == k and r["train_images"] == size for r in runs)]:
            for variant in [v for v in VARIANTS
                            if any(r["variant"] == v and r["rule"] == rule and r["train_images"] == size for r in runs)]:
                chosen = [r for r in runs if r["train_images"] == size and r["variant"] == variant and r["rule"] == rule]
                cells.append({"train_images": size, "variant": variant, "rule": rule,
                              "accuracy": describe([r["test_accuracy"] for r in chosen]),
                              "best_epoch": describe([r["stopped"]["best_epoch"] for r in chosen]),
                              **{field: describe([r[field] for r in chosen])
                                 for field in ("macro_f1", "val_accuracy", "fit_accuracy", "epochs_run",
                                               "train_seconds")}})
    return cells


def chosen_augmentation(cells: list[ExperimentCell]) -> str | None:
    """The augmentation amount with the best mean validation accuracy at the study's size (at the
    smallest size run, if the study's size was not run) under the main rule; None when none was run."""
    cells = [c for c in cells if (c.rule or MAIN_RULE) == MAIN_RULE]
    sizes = sorted({c.train_images for c in cells if c.variant in AUGMENTATIONS})
    if not sizes:
        return None
    size = STUDY_SIZE if STUDY_SIZE in sizes else sizes[0]
    candidates = [c for c in cells if c.train_images == size and c.variant in AUGMENTATIONS]
    return max(candidates, key=lambda c: c.val_accuracy.mean).variant


def augmentation_gains(cells: list[ExperimentCell], rule: str = MAIN_RULE, variant: str | None = None) -> list[dict]:
    """Per training-set size where both were run under `rule`: the cell of `variant` (default: the chosen
    augmentation), the cell without, and the gain in test accuracy (a fraction)."""
    chosen = variant or chosen_augmentation(cells)
    gains = []
    for size in sorted({c.train_images for c in cells}):
        at_size = {c.variant: c for c in cells if c.train_images == size and (c.rule or MAIN_RULE) == rule}
        if chosen in at_size and NO_AUGMENTATION in at_size:
            with_, without = at_size[chosen], at_size[NO_AUGMENTATION]
            gains.append({"train_images": size, "with": with_, "without": without,
                          "gain": with_.accuracy.mean - without.accuracy.mean})
    return gains


def overfitting_gap(cell: ExperimentCell) -> float:
    """Accuracy on its own training images minus test accuracy, as a fraction (mean over seeds)."""
    return float(np.mean(cell.fit_accuracy.values) - cell.accuracy.mean)
