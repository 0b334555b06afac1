"""Markdown tables for the README (ml/report.py)."""

from ml.report import study_setup_table
from ml.study_setup import AUGMENTATIONS, NO_AUGMENTATION, summarise_study_setup

LIGHT, MEDIUM, _ = AUGMENTATIONS


def _run(variant, seed, test, val):
    return {"train_images": 5000, "variant": variant, "seed": seed, "test_accuracy": test, "macro_f1": test - 0.01,
            "val_accuracy": val, "fit_accuracy": 0.9, "epochs_run": 30, "train_seconds": 240.0}


def test_report001_study_setup_table_marks_the_amount_chosen_on_validation_not_on_test():
    runs = [_run(NO_AUGMENTATION, s, 0.60, 0.60) for s in (0, 1)]
    runs += [_run(LIGHT, s, 0.70, 0.64) for s in (0, 1)]  # better on test, worse on validation
    runs += [_run(MEDIUM, s, 0.66, 0.66) for s in (0, 1)]
    table = study_setup_table({"experiments": {"study_setup": {"cells": summarise_study_setup(runs)}}})
    lines = table.splitlines()
    assert len(lines) == 2 + 3
    assert f"| 5,000 | {MEDIUM} (chosen on validation) | 2 | 66.00% (95% CI 66.00%–66.00%) |" in table
    assert f"| 5,000 | {LIGHT} | 2 | 70.00%" in table
    assert lines[2].endswith("| 60.00% | 90.00% | 30 | 4.0 min |")
    assert study_setup_table({"experiments": {}}) == ""
