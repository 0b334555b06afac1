"""Out-of-fold probabilities for the training split: the CNN recipe trained k times, each time on all
folds but one and asked about the one it never saw, so that every training image gets probabilities
from a model that did not learn its label (what confident learning needs to find label errors there).

Folds are stratified by class and fixed by a seed; each finished fold is stored at once, so the k
runs can be spread over several sittings (`--fold`) and a failed run keeps the folds done before it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from ml.artifacts.folder import load_manifest
from ml.artifacts.schema import Manifest, OutOfFold
from ml.artifacts.source_data import artifacts_dataset
from ml.artifacts.staging import store_extra
from ml.errors import UserError
from ml.models.registry import display_name, served_model
from ml.models.run_record import RunControl

OUT_OF_FOLD = "train_out_of_fold"
OUT_OF_FOLD_FILE = "dataset/train_out_of_fold.npz"
# the served run's settings that are not part of the recipe: the preset and the data size set them
NOT_RECIPE = ("epochs", "time_budget_s", "seed", "batch_size")  # time_budget_s: in configs recorded before
# training ran by epochs alone


def fold_assignment(labels: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Fold number (0..folds-1) of each image, with every class spread evenly over the folds."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(labels), np.int8)
    for k in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == k))
        assignment[members] = (np.arange(len(members)) + rng.integers(folds)) % folds
    return assignment


def recipe_overrides(served_config: dict) -> dict:
    """The served CNN's recipe, as overrides of a preset: the folds train what is served, only shorter."""
    return {key: value for key, value in served_config.items() if key not in NOT_RECIPE}


def out_of_fold_source(entry: OutOfFold, served_config: dict) -> str:
    """What the training split's suspect labels come from, in words: how many runs, how long each trained,
    and where their recipe is not the served CNN's (folds stored before it changed)."""
    epochs = sorted({run.epochs_run for run in entry.runs.values()})
    span = str(epochs[0]) if len(epochs) == 1 else f"{epochs[0]}–{epochs[-1]}"
    served = recipe_overrides(served_config)
    differs = [f"{key} {json.dumps(value)} (served: {json.dumps(served.get(key))})"
               for key, value in sorted(entry.overrides.items()) if served.get(key) != value]
    return (f"{entry.folds} runs of the CNN ({entry.preset} preset, {span} epochs), each trained without the "
            "photos it answers for (out of fold)"
            + (f"; their recipe is not the served CNN's: {', '.join(differs)}" if differs else ""))


def stored_out_of_fold(out: Path, manifest: Manifest) -> dict | None:
    """The manifest entry, and per training image its fold, label, file and probabilities (NaN rows for
    folds not run), or None when none are stored."""
    entry = manifest.train_out_of_fold
    if not entry:
        return None
    with np.load(out / entry.file) as data:
        return {"entry": entry, "fold": data["fold"], "labels": data["labels"], "files": data["files"].tolist(),
                "proba": data["proba"].astype(np.float32)}


def run_out_of_fold(data: Path, out: Path, *, folds: int = 4, only: list[int] | None = None, preset: str = "fast",
                    seed: int = 0, control: RunControl = RunControl(), log=print) -> dict:
    """Train the folds in `only` (default: those not yet stored) and store their probabilities; a killed
    fold continues from its checkpoint (`control`, which may also cap the time: CutShort)."""
    manifest = load_manifest(out)
    key = served_model()
    if key not in manifest.models:
        raise UserError(f"{out} holds no {display_name(key)} ({key}): the folds repeat its recipe "
                        "(train one with `ml train`)")
    if any(not 0 <= fold < folds for fold in only or []):
        raise UserError(f"--fold: folds are numbered 0 to {folds - 1}, got {only}")
    train = artifacts_dataset(data, out, manifest, splits=("train", "test"))["train"]
    names = manifest.class_names
    overrides = recipe_overrides(manifest.models[key].config)
    settings = {"folds": folds, "seed": seed, "preset": preset, "overrides": overrides,
                "train_fingerprint": manifest.dataset.splits.train.fingerprint}
    assignment = fold_assignment(train.labels, folds, seed)
    stored = stored_out_of_fold(out, manifest)
    entry, proba = {**settings, "runs": {}}, np.full((len(train), len(names)), np.nan, np.float32)
    if stored and {key: getattr(stored["entry"], key) for key in settings} == settings:
        entry, proba = stored["entry"].to_json(), stored["proba"]
    elif stored:
        log("out-of-fold: the stored folds were made with other settings or data; starting again")
    todo = only if only is not None else [f for f in range(folds) if str(f) not in entry["runs"]]
    control = replace(control, resume=True)
    for fold in todo:
        entry["runs"][str(fold)], checkpoint = _train_fold(train, assignment, fold, len(names), preset, seed,
                                                           overrides, control, log)
        proba[assignment == fold] = entry["runs"][str(fold)].pop("proba")
        _store(out, {**entry, "file": OUT_OF_FOLD_FILE}, assignment, proba, train)
        if checkpoint is not None:
            checkpoint.unlink(missing_ok=True)
    return load_manifest(out).train_out_of_fold


def _train_fold(train, assignment, fold, num_classes, preset, seed, overrides, control, log):
    from ml.models import export
    from ml.models.keras_models import train_keras_model

    held_out = assignment == fold
    log(f"out-of-fold: fold {fold}: training on {int((~held_out).sum()):,} images, scoring {int(held_out.sum()):,}")
    trained = train_keras_model(served_model(), train.take(np.flatnonzero(~held_out)), None, num_classes,
                                preset=preset, seed=seed + fold, overrides=overrides, control=control)
    seconds = trained.stopped["train_seconds"]
    proba = export.keras_predict(trained.served, train.images[held_out])
    accuracy = float((proba.argmax(1) == train.labels[held_out]).mean())
    log(f"out-of-fold: fold {fold}: {accuracy:.2%} on its held-out images after {seconds / 60:.1f} min "
        f"({trained.stopped['epochs_run']} epochs)")
    return {"images": int(held_out.sum()), "accuracy": accuracy, "train_seconds": round(seconds, 1),
            "epochs_run": trained.stopped["epochs_run"], "proba": proba}, trained.checkpoint


def _store(out: Path, entry: dict, assignment: np.ndarray, proba: np.ndarray, train) -> None:
    def write(path: Path) -> None:
        np.savez_compressed(path, fold=assignment, proba=proba.astype(np.float16), labels=train.labels.astype(np.int16),
                            files=np.array(train.files))

    store_extra(out, OUT_OF_FOLD, {OUT_OF_FOLD_FILE: write}, entry)
