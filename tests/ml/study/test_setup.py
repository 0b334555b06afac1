"""The study's own setup (ml/study/setup.py): its basic CNN with and without augmentation on small
subsets, the augmentation amount chosen on validation only, and the command that records the runs."""

import json

import pytest

from ml.artifacts.folder import load_manifest
from ml.artifacts.schema import ExperimentCell
from ml.cli import main
from ml.errors import OptionError
from ml.study.setup import (
    AUGMENTATIONS,
    CHOSEN,
    FLIP_ONLY,
    MAIN_RULE,
    MODEL_OVERRIDES,
    NO_AUGMENTATION,
    PATIENT_RULE,
    augmentation_gains,
    chosen_augmentation,
    resolve_variants,
    summarise_study_setup,
)
from tests.paths import ROOT

LIGHT, MEDIUM, STRONG = AUGMENTATIONS


def _cells(runs):
    """The cells of `runs` as the manifest's readers get them."""
    return [ExperimentCell.model_validate(cell) for cell in summarise_study_setup(runs)]


def _run(variant, seed, test, val, size=5000, fit=0.95, rule=MAIN_RULE):
    return {"variant": variant, "rule": rule, "train_images": size, "seed": seed, "test_accuracy": test,
            "macro_f1": test - 0.01, "val_accuracy": val, "fit_accuracy": fit, "epochs_run": 50, "train_seconds": 60.0,
            "stopped": {"reason": "no_better_validation", "epochs_planned": 300, "epochs_run": 50, "best_epoch": 30,
                        "train_seconds": 60.0, "machine": "AMD EPYC"}}


def test_studysetup001_the_augmentation_amount_is_chosen_on_validation_never_on_test():
    # MEDIUM scores best on the test split, LIGHT on validation: LIGHT must be chosen.
    runs = [_run(NO_AUGMENTATION, s, 0.53, 0.52) for s in (0, 1)]
    runs += [_run(LIGHT, s, 0.60, 0.64) for s in (0, 1)] + [_run(MEDIUM, s, 0.66, 0.61) for s in (0, 1)]
    runs += [_run(STRONG, 0, 0.58, 0.57)]
    cells = _cells(runs)
    assert chosen_augmentation(cells) == LIGHT
    [gain] = augmentation_gains(cells)
    assert gain["train_images"] == 5000 and gain["gain"] == pytest.approx(0.07)
    light = next(c for c in cells if c.variant == LIGHT)
    assert light.accuracy.n == 2 and light.fit_accuracy.mean == pytest.approx(0.95)
    assert resolve_variants([NO_AUGMENTATION, CHOSEN], cells) == [NO_AUGMENTATION, LIGHT]


def test_studysetup005_rules_keep_apart_and_runs_from_before_the_rule_count_nowhere():
    runs = [_run(NO_AUGMENTATION, 0, 0.53, 0.52), _run(LIGHT, 0, 0.60, 0.64), _run(FLIP_ONLY, 0, 0.58, 0.57),
            _run(NO_AUGMENTATION, 0, 0.55, 0.54, rule=PATIENT_RULE), _run(LIGHT, 0, 0.70, 0.50, rule=PATIENT_RULE)]
    legacy = {**_run(MEDIUM, 0, 0.99, 0.99)}
    del legacy["stopped"]  # ended by a wall-time budget or a short patience, before the converged rule
    cells = _cells(runs + [legacy])
    assert {(c.variant, c.rule) for c in cells} == {
        (NO_AUGMENTATION, MAIN_RULE), (LIGHT, MAIN_RULE), (FLIP_ONLY, MAIN_RULE), (NO_AUGMENTATION, PATIENT_RULE),
        (LIGHT, PATIENT_RULE)}
    assert chosen_augmentation(cells) == LIGHT  # chosen under the main rule: the patient LIGHT's 0.50 is not seen
    [main_gain] = augmentation_gains(cells)
    [patient_gain] = augmentation_gains(cells, PATIENT_RULE)
    [flips] = augmentation_gains(cells, variant=FLIP_ONLY)
    assert main_gain["gain"] == pytest.approx(0.07) and patient_gain["gain"] == pytest.approx(0.15)
    assert flips["gain"] == pytest.approx(0.05)
    assert next(c for c in cells if c.variant == LIGHT and c.rule == MAIN_RULE).best_epoch.mean == 30


def test_studysetup002_gains_pair_cells_of_the_same_size_only():
    runs = [_run(NO_AUGMENTATION, 0, 0.53, 0.52), _run(LIGHT, 0, 0.62, 0.63),
            _run(NO_AUGMENTATION, 0, 0.75, 0.74, size=50000)]
    assert [g["train_images"] for g in augmentation_gains(_cells(runs))] == [5000]
    assert chosen_augmentation(_cells(runs[:1])) is None


def test_studysetup003_chosen_without_candidates_names_what_to_run():
    with pytest.raises(OptionError, match="--variants: 'chosen' needs runs of the augmentation amounts"):
        resolve_variants([CHOSEN], _cells([_run(NO_AUGMENTATION, 0, 0.5, 0.5)]))


def test_studysetup004_command_records_runs_scored_on_the_full_test_split(tmp_path, write_image_folder):
    pytest.importorskip("tensorflow", reason="the study's basic CNN needs the training dependencies")
    data = write_image_folder(tmp_path / "photos", n_train=20, n_test=3)
    out = tmp_path / "artifacts"
    assert main(["train", "--data", str(data), "--out", str(out), "--models", "hog_logreg", "--jobs", "1",
                 "--quiet"]) == 0
    assert main(["study-setup", "--data", str(data), "--out", str(out), "--sizes", "30", "--seeds", "0",
                 "--variants", NO_AUGMENTATION, LIGHT, "--epochs", "1"]) == 0
    assert main(["study-setup", "--data", str(data), "--out", str(out), "--sizes", "all", "--seeds", "0",
                 "--variants", CHOSEN, "--epochs", "1"]) == 0
    runs = json.loads((out / "experiments" / "study_setup.json").read_text())["runs"]
    assert [(r["train_images"], r["variant"], r["rule"]) for r in runs] == [
        (30, NO_AUGMENTATION, MAIN_RULE), (30, LIGHT, MAIN_RULE), (60, LIGHT, MAIN_RULE)]
    first = runs[0]
    assert first["stopped"]["reason"] == "schedule_finished" and first["curves"]["epoch"] == [1]
    assert first["overrides"] == {**MODEL_OVERRIDES, "max_epochs": 1}
    assert runs[1]["overrides"] == {**MODEL_OVERRIDES, **AUGMENTATIONS[LIGHT], "max_epochs": 1}
    assert MODEL_OVERRIDES["batch_norm"]  # the study names batch normalization
    assert first["fit_images"] == 27 and first["epochs_run"] == 1  # a tenth held out to stop early on
    assert 0 <= first["val_accuracy"] <= 1 and 0 <= first["fit_accuracy"] <= 1
    cells = load_manifest(out).experiment_cells("study_setup")
    assert {(c.train_images, c.variant) for c in cells} == {(30, NO_AUGMENTATION), (30, LIGHT), (60, LIGHT)}
    assert main(["validate", str(out)]) == 0


def test_studysetup006_describing_the_stopping_rule_imports_no_tensorflow():
    """The Hypotheses page states the rule from the basic CNN's configuration; the dashboard never imports
    TensorFlow, so neither may that."""
    import subprocess
    import sys

    code = ("import sys; from ml.study.setup import rule_text; text = rule_text('patient'); "
            "assert 'stopped after 40' in text, text; print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-1000:]
    assert out.stdout.strip() == "False"
