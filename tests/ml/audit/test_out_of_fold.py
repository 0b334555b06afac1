"""ml/audit/out_of_fold.py and `python -m ml out-of-fold`: every training image scored by a run that never saw
it, stored fold by fold."""

import json

import numpy as np
import pytest

from ml.artifacts.folder import load_manifest
from ml.audit.out_of_fold import (
    OUT_OF_FOLD,
    fold_assignment,
    out_of_fold_source,
    recipe_overrides,
    run_out_of_fold,
    stored_out_of_fold,
)
from ml.cli import main
from ml.models.cnn_config import PRESETS


def test_out_of_fold001_folds_are_stratified_and_fixed_by_the_seed():
    labels = np.repeat(np.arange(3), [40, 41, 39])
    folds = fold_assignment(labels, 4, seed=7)
    assert set(folds) == {0, 1, 2, 3}
    for k in range(3):
        per_fold = np.bincount(folds[labels == k], minlength=4)
        assert per_fold.max() - per_fold.min() <= 1
    assert (fold_assignment(labels, 4, seed=7) == folds).all()
    assert (fold_assignment(labels, 4, seed=8) != folds).any()


def test_out_of_fold002_the_recipe_is_the_served_one_without_its_run_settings():
    served = {"widths": [8, 16, 16], "corrupt_probability": 0.5, "epochs": 20, "time_budget_s": 1620.0,
              "seed": 0, "batch_size": 16}
    assert recipe_overrides(served) == {"widths": [8, 16, 16], "corrupt_probability": 0.5}


def test_out_of_fold006_the_source_says_how_long_the_folds_trained_and_where_their_recipe_is_not_served():
    from ml.artifacts.schema import OutOfFold

    runs = {str(k): {"images": 10, "accuracy": 0.8, "train_seconds": 60.0, "epochs_run": e} for k, e in enumerate([7, 5, 7])}
    entry = OutOfFold.model_validate({"file": "dataset/train_out_of_fold.npz", "folds": 3, "seed": 0, "preset": "fast",
                                      "overrides": {"widths": [8, 16, 16], "corrupt_probability": 0.5},
                                      "train_fingerprint": "0" * 64, "runs": runs})
    served = {"widths": [8, 16, 16], "corrupt_probability": 0.3, "epochs": 40, "seed": 0}
    source = out_of_fold_source(entry, served)
    assert source.startswith("3 runs of the CNN (fast preset, 5–7 epochs), each trained without the photos"), source
    assert source.endswith("their recipe is not the served CNN's: corrupt_probability 0.5 (served: 0.3)"), source
    same = out_of_fold_source(entry, {**served, "corrupt_probability": 0.5})
    assert same.endswith("(out of fold)"), same


@pytest.fixture
def short_fast_preset(monkeypatch):
    monkeypatch.setitem(PRESETS, "fast", {"epochs": 1})


def test_out_of_fold003_folds_accumulate_over_runs_and_cover_every_image(artifacts_copy, short_fast_preset, capsys):
    data, out = artifacts_copy
    assert main(["out-of-fold", "--data", str(data), "--out", str(out), "--folds", "3", "--fold", "1"]) == 0
    assert "still to run: [0, 2]" in capsys.readouterr().out
    manifest = load_manifest(out)
    stored = stored_out_of_fold(out, manifest)
    entry, folds, proba = stored["entry"], stored["fold"], stored["proba"]
    assert set(entry.runs) == {"1"} and entry.overrides["widths"] == [8, 16, 16]
    assert np.isnan(proba[folds != 1]).all() and np.allclose(proba[folds == 1].sum(1), 1, atol=1e-2)

    assert main(["out-of-fold", "--data", str(data), "--out", str(out), "--folds", "3"]) == 0
    stored = stored_out_of_fold(out, load_manifest(out))
    entry, folds, proba = stored["entry"], stored["fold"], stored["proba"]
    names = manifest.class_names
    assert [f.split("/")[:2] for f in stored["files"]] == [["train", names[k]] for k in stored["labels"]]
    assert set(entry.runs) == {"0", "1", "2"} and not np.isnan(proba).any()
    assert sum(run.images for run in entry.runs.values()) == len(folds) == manifest.dataset.splits.train.size


def test_out_of_fold004_other_settings_start_again_and_bad_folds_are_refused(artifacts_copy, short_fast_preset,
                                                                             capsys):
    data, out = artifacts_copy
    run_out_of_fold(data, out, folds=2, only=[0], log=lambda *a: None)
    messages = []
    entry = run_out_of_fold(data, out, folds=2, only=[1], seed=5, log=messages.append)
    assert any("starting again" in m for m in messages) and set(entry.runs) == {"1"} and entry.seed == 5
    assert main(["out-of-fold", "--data", str(data), "--out", str(out), "--folds", "2", "--fold", "2"]) != 0
    assert "--fold: folds are numbered 0 to 1" in capsys.readouterr().err
    assert main(["out-of-fold", "--data", str(data), "--out", str(out), "--folds", "1"]) != 0
    assert "--folds: needs at least 2" in capsys.readouterr().err
    assert OUT_OF_FOLD in json.loads((out / "manifest.json").read_text())


def test_out_of_fold005_retraining_the_served_models_keeps_the_folds(artifacts_copy, short_fast_preset):
    data, out = artifacts_copy
    run_out_of_fold(data, out, folds=2, only=[0], log=lambda *a: None)
    before = json.loads((out / "manifest.json").read_text())[OUT_OF_FOLD]
    assert main(["train", "--data", str(data), "--out", str(out), "--models", "hog_logreg", "--quiet"]) == 0
    assert json.loads((out / "manifest.json").read_text())[OUT_OF_FOLD] == before
    assert stored_out_of_fold(out, load_manifest(out))["entry"].runs.keys() == {"0"}
