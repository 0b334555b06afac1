"""Experiments behind the hypotheses: the CNN ablation and the learning curve.

Every run trains from scratch with the same architecture, schedule and preprocessing as
`ml train` and is scored on the same full test split. Runs are stored one by one in
`<out>/experiments/<name>.json`; running again adds runs, and replaces a run with the same
(size, seed, variant or model), so a long study can be completed over several sittings. A
summary per cell (mean, standard deviation, 95% Student-t interval) is recorded in the
manifest, where the dashboard reads it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy import stats as scipy_stats

from ml.artifacts.folder import load_manifest, with_sections, write_json, write_manifest
from ml.artifacts.metrics import classification_metrics, predicted_classes
from ml.artifacts.schema import MACHINE_NOT_RECORDED, Experiment
from ml.artifacts.seed_predictions import SEED_PREDICTIONS_FILE, seed_prediction_key, write_seed_predictions
from ml.artifacts.source_data import artifacts_dataset
from ml.artifacts.staging import staged_folder
from ml.data.dataset import Split, training_splits
from ml.models.cnn_config import PRESETS, recipe_key
from ml.models.registry import MODELS, TrainSettings, served_model
from ml.models.run_record import CutShort, RunControl, counts, curve_columns

ABLATION = "ablation"
ROBUST_RECIPE = "robust_recipe"  # the recipe's variants judged on validation and corrupted validation images
LEARNING_CURVE = "learning_curve"
SEEDS = "cnn_seeds"
SCHEDULE_LENGTH = "schedule_length"  # the CNN recipe's accuracy against the epochs of its schedule

# CNN configuration overrides compared against the recipe; the architecture and schedule stay.
VARIANTS = {
    "recipe": {},
    "no_augmentation": {"augment": False},
    "no_regularization": {"batch_norm": False, "dropout": 0.0},
    "no_lookahead": {"lookahead": False},
    # robustness: some, half or three quarters of the training images damaged (ml.models.cnn.corrupt_batch)
    "corruptions_some": {"corrupt_probability": 0.3},
    "corruptions": {"corrupt_probability": 0.5},
    "corruptions_most": {"corrupt_probability": 0.75},
    "corruptions_jpeg": {"corrupt_probability": 0.3, "corrupt_jpeg": True},  # JPEG re-compression among them
}


def confidence_interval(values: list[float]) -> list[float] | None:
    """95% Student-t interval of the mean (None for a single run)."""
    if len(values) < 2:
        return None
    mean, sem = float(np.mean(values)), float(scipy_stats.sem(values))
    half = sem * float(scipy_stats.t.ppf(0.975, len(values) - 1))
    return [mean - half, mean + half]


def describe(values: list[float]) -> dict:
    """Mean, standard deviation (ddof=1), 95% interval and count of a list of scores."""
    return {"mean": float(np.mean(values)), "std": float(np.std(values, ddof=1)) if len(values) > 1 else None,
            "ci95": confidence_interval(values), "n": len(values), "values": [float(v) for v in values]}


class ScoredRun(NamedTuple):
    row: dict  # what the experiment's JSON records
    checkpoint: Path | None  # the run's checkpoint, for the caller to remove once the row is stored
    test_proba: np.ndarray  # its probabilities on the test split, for a caller that keeps them


def score_run(model: str, train: Split, test: Split, class_names, *, seed: int, val_size: int = 0,
              preset: str = "full", epochs: int | None = None, overrides: dict | None = None,
              control: RunControl = RunControl(), n_jobs: int = 2, score_fit: bool = False) -> ScoredRun:
    """Train `model` on `train` (less a validation split for the Keras models, if asked) and score it
    on `test`: accuracy, macro-F1, validation accuracy (and with `score_fit` the accuracy on the
    images it learnt from), training seconds, and for the Keras models the per-epoch curves and why
    training stopped. `control` checkpoints, resumes or caps a Keras run (ml.models.run_record).
    """
    spec = MODELS[model]
    keras = spec.kind == "keras"  # only the Keras models watch a validation split
    made = training_splits(train, subset=None, val_size=val_size if keras else 0, seed=seed)
    fit, val = made.fit, made.val
    settings = TrainSettings(seed=seed, preset=preset, epochs=epochs, overrides={model: overrides or {}},
                             control=control, n_jobs=n_jobs)
    if keras:
        from ml.models import export

        trained = spec.train(fit, val, len(class_names), settings)
        seconds = trained.stopped["train_seconds"]  # over every sitting of a resumed run

        def predict(images):
            return export.keras_predict(trained.served, images)
    else:
        estimator = spec.build(n_jobs=n_jobs, progress=False, seed=seed, n_samples=len(fit))
        start = time.perf_counter()
        estimator.fit(fit.images, fit.labels)
        seconds = time.perf_counter() - start
        predict = estimator.predict_proba
    test_proba = predict(test.images)
    metrics = classification_metrics(test.labels, predicted_classes(test_proba), class_names)
    row = {"train_images": len(train), "fit_images": trained.fit_images if keras else len(fit), "seed": seed,
           "epochs_run": trained.stopped["epochs_run"] if keras else None,
           "test_accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"],
           "train_seconds": round(seconds, 3)}
    if score_fit:  # accuracy on its own training images: how far it overfits
        row["fit_accuracy"] = float((predict(fit.images).argmax(1) == fit.labels).mean())
    if val is not None:
        row["val_accuracy"] = float((predict(val.images).argmax(1) == val.labels).mean())
        row["val_corrupted_accuracy"] = corrupted_accuracy(predict, val.images, val.labels, seed)
        if spec.tta:  # what each test-time augmentation buys, judged on validation images
            from ml.models import cnn
            row["val_accuracy_by_tta"] = {
                tta: float((export.keras_predict(cnn.serving_model(trained.network, tta), val.images).argmax(1)
                            == val.labels).mean()) for tta in cnn.TTA_CHOICES}
    if not keras:
        return ScoredRun(row, None, test_proba)
    return ScoredRun({**row, "stopped": trained.stopped, "curves": trained.history}, trained.checkpoint, test_proba)


def corrupted_accuracy(predict, images: np.ndarray, labels: np.ndarray, seed: int) -> float:
    """Mean accuracy over every corruption of the robustness benchmark at its middle severity: how a
    recipe holds up, measured on validation images so that choosing by it never looks at the test split."""
    from ml.data.corruptions import CORRUPTIONS, corrupt

    scores = [float((predict(corrupt(images, kind, c.severities[len(c.severities) // 2], seed)).argmax(1)
                     == labels).mean()) for kind, c in CORRUPTIONS.items()]
    return float(np.mean(scores))


def run_ablation(data: Path, out: Path, sizes: list[int | None], seeds: list[int], variants: list[str],
                 preset: str = "full", epochs: int | None = None, overrides: dict | None = None,
                 val_size: int = 0, record: str = ABLATION, log=print, **plan_options) -> dict:
    """Train the CNN for every (size, seed, variant) and record the runs and their summary in the
    experiment `record` (the study's ablation, or the robust recipe's choice, kept apart so that runs
    of another preset never mix into the study's cells). Each variant changes `overrides`, the recipe it
    is compared with; runs are keyed and summarised by that recipe and the schedule's length, so runs
    of another length form cells of their own. `plan_options`: run_plan's control, rerun and engine."""
    labels = {"recipe": recipe_key(overrides), "schedule": f"{epochs or PRESETS[preset]['epochs']} epochs"}

    def runs():
        for size in sizes:
            for seed in seeds:
                for variant in variants:
                    yield ({"variant": variant, **labels}, served_model(), size, seed,
                           {**(overrides or {}), **VARIANTS[variant]})

    seed_runs = stored_runs(out, SEEDS)
    return run_plan(data, out, record, runs(), ("train_images", "seed", "variant", "recipe", "schedule"),
                    summarise_ablation, preset=preset, epochs=epochs, val_size=val_size, log=log,
                    reuse=lambda planned: bench_twin(seed_runs, planned), **plan_options)


def bench_twin(seed_runs: list[dict], planned: dict) -> dict | None:
    """The ablation's recipe arm on every training image without a validation split is the run
    bench.train_bench records for the same seed, preset, recipe and schedule (score_run, the same
    steps): its record among `seed_runs` (cnn_seeds' stored runs), relabelled, when it is there finished,
    so it is not trained twice."""
    if planned.get("variant") != "recipe" or planned.get("val_size"):
        return None
    twin = next((r for r in seed_runs if counts(r) and r.get("stopped") and r["seed"] == planned["seed"]
                 and r["train_images"] == planned["train_images"] and r["preset"] == planned["preset"]
                 and r.get("recipe", "") == planned["recipe"] and schedule_of(r) == planned["schedule"]), None)
    if twin is None:
        return None
    measured = {k: v for k, v in twin.items() if k not in ("source", "recipe", "schedule", "test_probabilities")}
    return {**measured, **planned, "from": SEEDS}


def run_learning_curve(data: Path, out: Path, sizes: list[int | None], seeds: list[int], models: list[str],
                       preset: str = "full", epochs: int | None = None, overrides: dict | None = None,
                       val_size: int = 0, log=print, **plan_options) -> dict:
    """Train each model on stratified subsets of each size and record accuracy and training time.
    `plan_options`: run_plan's control, rerun and engine."""
    def runs():
        for size in sizes:
            for seed in seeds:
                for model in models:
                    yield {"model": model}, model, size, seed, (overrides or {}) if model == served_model() else {}

    return run_plan(data, out, LEARNING_CURVE, runs(), ("train_images", "seed", "model"), summarise_curve,
                    preset=preset, epochs=epochs, val_size=val_size, log=log, **plan_options)


def run_schedule_length(data: Path, out: Path, epochs: list[int], seeds: list[int], overrides: dict | None = None,
                        val_size: int = 5000, log=print, **plan_options) -> dict:
    """Train the CNN recipe (with `overrides`, such as the served recipe's) on schedules of each length in
    `epochs`, on the whole training split less `val_size` validation images: the curve the full preset's
    length is chosen from, on validation accuracy (the test split is scored, never used to choose).
    `plan_options`: run_plan's control, rerun and engine."""
    def runs():
        for length in epochs:
            for seed in seeds:
                yield {"schedule_epochs": length}, served_model(), None, seed, {**(overrides or {}), "epochs": length}

    return run_plan(data, out, SCHEDULE_LENGTH, runs(), ("train_images", "seed", "schedule_epochs"),
                    summarise_schedule_length, preset="full", epochs=None, val_size=val_size, log=log,
                    **plan_options)


def summarise_schedule_length(runs: list[dict]) -> list[dict]:
    """Per schedule length (and recipe overrides, less the length): validation and test accuracy, macro-F1
    and training time over the seeds run."""
    cells = []
    def recipe(run):
        return recipe_key({k: v for k, v in (run.get("overrides") or {}).items() if k != "epochs"})

    for key, length in sorted({(recipe(r), r["schedule_epochs"]) for r in runs}):
        chosen = [r for r in runs if recipe(r) == key and r["schedule_epochs"] == length]
        cells.append({"train_images": chosen[0]["train_images"], "variant": f"{length} epochs", "recipe": key,
                      "accuracy": describe([r["test_accuracy"] for r in chosen]),
                      "macro_f1": describe([r["macro_f1"] for r in chosen]),
                      "val_accuracy": describe([r["val_accuracy"] for r in chosen]),
                      "train_seconds": describe([r["train_seconds"] for r in chosen]),
                      "epochs_run": describe([r["epochs_run"] for r in chosen])})
    return cells


SEED_KEY = ("preset", "recipe", "schedule", "seed")


def record_seeds(out: Path, runs: list[dict], preset: str, test_proba: dict[int, np.ndarray] | None = None) -> dict:
    """Record repeated full trainings of the CNN (bench/train_bench.py) under experiments/cnn_seeds,
    with each run's test probabilities where `test_proba` (seed -> probabilities) has them."""
    with staged_folder(out, start_from_existing=True) as folder:
        return add_seed_runs(folder, runs, preset, test_proba)


def add_seed_runs(folder: Path, runs: list[dict], preset: str, test_proba: dict[int, np.ndarray] | None = None) -> dict:
    """What `record_seeds` does, in place: for a folder being written (`ml train`'s own run)."""
    runs = [{"source": "bench", **r, "preset": preset, "recipe": recipe_key(r.get("overrides")),
             "schedule": schedule_of(r)} for r in runs]
    new = {}
    for run in runs:
        if run["seed"] in (test_proba or {}):
            run["test_probabilities"] = seed_prediction_key(*(run[k] for k in SEED_KEY))
            new[run["test_probabilities"]] = test_proba[run["seed"]]
    replaced = {tuple(r[k] for k in SEED_KEY) for r in runs}
    stored = {tuple(r.get(k, "") for k in SEED_KEY): r["test_probabilities"]
              for r in stored_runs(folder, SEEDS) if "test_probabilities" in r}
    kept = {key for run, key in stored.items() if run not in replaced}
    changed = new or kept != set(stored.values())
    writes = {SEED_PREDICTIONS_FILE: lambda path: write_seed_predictions(path, new, kept)} if changed else {}
    return _store_in(folder, SEEDS, runs, SEED_KEY, summarise_seeds, writes)


def finished_seeds(out: Path, preset: str, overrides: dict | None, epochs: int) -> set[int]:
    """The seeds of one cnn_seeds cell (preset, recipe overrides, schedule) that `out` already holds,
    finished and with their test probabilities: the same bench command run again trains only the others."""
    recipe, schedule = recipe_key(overrides), f"{epochs} epochs"
    return {r["seed"] for r in stored_runs(out, SEEDS) if counts(r) and r["preset"] == preset
            and r.get("recipe", "") == recipe and schedule_of(r) == schedule and "test_probabilities" in r}


def summarise_seeds(runs: list[dict]) -> list[dict]:
    """Per preset, recipe overrides and schedule (runs with other overrides or another schedule are kept
    in cells of their own): accuracy, macro-F1 and training time over the seeds, and the machines."""
    cells = []
    for name, recipe, schedule in sorted({(r["preset"], r.get("recipe", ""), schedule_of(r)) for r in runs}):
        chosen = sorted((r for r in runs if r["preset"] == name and r.get("recipe", "") == recipe
                         and schedule_of(r) == schedule), key=lambda r: r["seed"])  # read in seed order
        cells.append({"preset": name, "recipe": recipe, "overrides": chosen[0].get("overrides") or {},
                      "schedule": schedule, "train_images": chosen[0]["train_images"],
                      "accuracy": describe([r["test_accuracy"] for r in chosen]),
                      "macro_f1": describe([r["macro_f1"] for r in chosen]),
                      "train_seconds": describe([r["train_seconds"] for r in chosen]),
                      "machines": sorted({machine_of(r) for r in chosen}),
                      **({"test_probabilities": stored} if (stored := [r["test_probabilities"] for r in chosen
                                                                         if "test_probabilities" in r]) else {})})
    return cells


def resummarise(out: Path, summarisers: dict) -> list[str]:
    """Recompute the cells of every experiment in `out` that `summarisers` (name -> function of the runs)
    knows, from its stored runs: after the rules for what counts change. Returns the names redone."""
    done = []
    with staged_folder(out, start_from_existing=True) as folder:
        for name, summarise in summarisers.items():
            if stored_runs(folder, name):
                _store_in(folder, name, [], (), summarise)
                done.append(name)
    return done


WALL_TIME_SCHEDULE = "wall-time budget"  # runs recorded before training ran by epochs alone


def schedule_of(run: dict) -> str:
    """A repeated training's schedule, as its cell is keyed: 'N epochs', or WALL_TIME_SCHEDULE for runs
    whose length a time budget set (recorded before schedules were in epochs)."""
    stopped = run.get("stopped")
    return f"{stopped['epochs_planned']} epochs" if stopped else WALL_TIME_SCHEDULE


@dataclass(frozen=True)
class PlannedRun:
    """One run of an experiment plan: what trains (model, training-set size, seed, overrides) and how, and
    the record it joins (`planned`: its labels, size, seed and settings)."""
    model: str
    size: int | None
    seed: int
    overrides: dict
    planned: dict


def train_planned(run: PlannedRun, train: Split, test: Split, names, *, control: RunControl,
                  score_fit: bool) -> dict:
    """Train and score one planned run wherever it runs (this process, or a Ray worker given the whole
    training split): {"row": ..., "checkpoint": path or None}, or {"cut": ...} when the time cap
    cut it short (plain values, which travel back from a worker)."""
    subset = training_splits(train, subset=run.size, val_size=0, seed=run.seed, subset_option="--sizes").train
    settings = run.planned
    try:
        row, checkpoint, _ = score_run(run.model, subset, test, names, seed=run.seed, val_size=settings["val_size"],
                                       preset=settings["preset"], epochs=settings["epochs"], overrides=run.overrides,
                                       control=control, score_fit=score_fit)
    except CutShort as cut:
        return {"cut": {"key": cut.key, "stopped": cut.stopped, "curves": cut.curves,
                        "checkpoint": str(cut.checkpoint) if cut.checkpoint else None}}
    return {"row": row, "checkpoint": str(checkpoint) if checkpoint else None}


def run_plan(data: Path, out: Path, name: str, plan, key_fields: tuple[str, ...], summarise, *, preset: str,
             epochs: int | None, val_size: int | None, control: RunControl = RunControl(), rerun: bool = False,
             log=print, score_fit: bool = False, engine: str = "local", address: str | None = None,
             cpus_per_run: int = 2, reuse=None) -> dict:
    """Train and score every run of `plan` ((labels, model, size, seed, overrides) tuples), storing each
    as it finishes under experiments/<name>.json (a run replaces the stored one with the same
    `key_fields`), and the cells `summarise` makes of the runs that count in the manifest.

    The runs are independent: `engine` "local" trains them one after another here, "ray" as Ray tasks of
    `cpus_per_run` CPUs each, on this machine or the cluster at `address` (ml.study.ray_plans); either
    way this process stores every record, the same records. A run already stored with the same settings
    is kept, not trained again, unless `rerun`, and so is one that `reuse` (planned record -> a finished
    record of the same run in another experiment, or None) finds elsewhere; a run that was killed
    continues from its checkpoint. A run that `control`'s time cap cuts short is stored as such (with its
    curves so far) and ends the plan (CutShort, once the runs under way have ended): the same command
    continues it."""
    dataset = artifacts_dataset(data, out, load_manifest(out))  # fail before hours of training, not after
    names, train, test = dataset.class_names, dataset["train"], dataset["test"]
    stored = stored_runs(out, name)
    control = replace(control, resume=True)
    pending, twins = [], []
    for labels, model, size, seed, overrides in plan:
        subset = training_splits(train, subset=size, val_size=0, seed=seed, subset_option="--sizes").train
        settings = {**({"overrides": overrides} if overrides else {}), "preset": preset, "epochs": epochs,
                    "val_size": val_size}
        planned = {**labels, "train_images": len(subset), "seed": seed, **settings}
        if not rerun and any(_same_run(run, planned, key_fields) for run in stored):
            log(f"{name}: kept the stored run {json.dumps({k: planned[k] for k in key_fields})}")
            continue
        twin = None if rerun or reuse is None else reuse(planned)
        if twin is not None:
            log(f"{name}: took the run {json.dumps({k: planned[k] for k in key_fields})} from {twin['from']}, "
                "where the same training is stored")
            twins.append(twin)
            continue
        pending.append(PlannedRun(model, size, seed, overrides, planned))
    if twins:
        _store(out, name, twins, key_fields, summarise)
    if engine == "ray":
        from ml.study.ray_plans import ray_outcomes
        outcomes = ray_outcomes(pending, train, test, names, control=control, score_fit=score_fit,
                                address=address, cpus_per_run=cpus_per_run)
    else:
        outcomes = ((run, train_planned(run, train, test, names, control=control, score_fit=score_fit))
                    for run in pending)
    cut = None
    for run, outcome in outcomes:
        if "cut" in outcome:
            cut = outcome["cut"]
            _store(out, name, [{**run.planned, "stopped": cut["stopped"], "curves": curve_columns(cut["curves"])}],
                   key_fields, summarise)
            if engine == "local":
                break
            continue
        row = {**run.planned, **outcome["row"]}
        log(f"{name}: {json.dumps({k: v for k, v in row.items() if k != 'curves'})}")
        _store(out, name, [row], key_fields, summarise)  # keep every finished run, even if a later one fails
        if outcome["checkpoint"]:
            Path(outcome["checkpoint"]).unlink(missing_ok=True)
    if cut:
        raise CutShort(cut["key"], cut["stopped"], cut["curves"], cut["checkpoint"] and Path(cut["checkpoint"]))
    return load_manifest(out).experiments[name]


def stored_runs(out: Path, name: str) -> list[dict]:
    """The runs experiment `name` holds in the artifacts at `out` (none when it was never run)."""
    entry = load_manifest(out).experiments.get(name)
    return json.loads((out / entry.file).read_text())["runs"] if entry else []


def _same_run(run: dict, planned: dict, key_fields: tuple[str, ...]) -> bool:
    """Whether a stored run is the planned one, finished: same key, same settings, not cut short."""
    return (counts(run) and all(run.get(k) == planned[k] for k in key_fields)
            and all(run.get(k) == planned.get(k) for k in ("overrides", "preset", "epochs", "val_size")))


def _store(out: Path, name: str, new_runs: list[dict], key_fields: tuple[str, ...], summarise) -> dict:
    with staged_folder(out, start_from_existing=True) as folder:
        return _store_in(folder, name, new_runs, key_fields, summarise)


def _store_in(out: Path, name: str, new_runs: list[dict], key_fields: tuple[str, ...], summarise,
              writes: dict | None = None) -> dict:
    """Replace `new_runs`' keys among the runs of experiment `name` in the folder `out` being written, and its
    cells in the manifest; `writes` (path in the folder -> function writing it there) adds files beside it."""
    rel = f"experiments/{name}.json"
    path = out / rel
    previous = json.loads(path.read_text())["runs"] if path.is_file() else []
    keys = {tuple(r[k] for k in key_fields) for r in new_runs}
    # a key field a stored run lacks counts as empty: it was stored before the field existed
    runs = [r for r in previous if tuple(r.get(k, "") for k in key_fields) not in keys] + new_runs
    summary = summarise([r for r in runs if counts(r)])
    manifest = load_manifest(out)  # before any file changes: it checks them against their digests
    write_json(path, {"runs": runs, "cells": summary})
    for extra, write in (writes or {}).items():
        write(out / extra)
    write_manifest(out, with_sections(manifest, experiments={name: {"file": rel, "cells": summary}},
                                      extra_files=[rel, *(writes or {})]))
    return Experiment.model_validate({"file": rel, "cells": summary})


def summarise_ablation(runs: list[dict]) -> list[dict]:
    """Per recipe compared with, schedule, training-set size and variant: accuracy and macro-F1 summaries,
    and the difference from the recipe in points (positive when the recipe is better). Runs stored before
    runs were keyed by recipe and schedule count as the recipe itself, on their own schedule."""
    def group(run: dict) -> tuple:
        return run.get("recipe", ""), schedule_of(run), run["train_images"]

    cells = []
    for recipe_compared, schedule, size in sorted({group(r) for r in runs}):
        at_size = [r for r in runs if group(r) == (recipe_compared, schedule, size)]
        recipe = [r["test_accuracy"] for r in at_size if r["variant"] == "recipe"]
        for variant in [v for v in VARIANTS if any(r["variant"] == v for r in at_size)]:
            chosen = [r for r in at_size if r["variant"] == variant]
            accuracy = [r["test_accuracy"] for r in chosen]
            cells.append({
                "train_images": size, "variant": variant, "recipe": recipe_compared, "schedule": schedule,
                "accuracy": describe(accuracy), "macro_f1": describe([r["macro_f1"] for r in chosen]),
                "train_seconds": float(np.mean([r["train_seconds"] for r in chosen])),
                "recipe_gain_points": (round(100 * (np.mean(recipe) - np.mean(accuracy)), 2)
                                       if recipe and variant != "recipe" else None),
                # What recipe choices are judged on: only when every run of the cell watched validation images.
                **{key: describe([r[key] for r in chosen]) for key in ("val_accuracy", "val_corrupted_accuracy")
                   if all(key in r for r in chosen)},
            })
    return cells


def summarise_curve(runs: list[dict]) -> list[dict]:
    """Per model and training-set size: accuracy, macro-F1 and training-time summaries, the schedule of the
    networks' runs and the machines the times were measured on (a time means nothing without its CPU)."""
    cells = []
    for model in sorted({r["model"] for r in runs}):
        for size in sorted({r["train_images"] for r in runs if r["model"] == model}):
            chosen = [r for r in runs if r["model"] == model and r["train_images"] == size]
            schedules = sorted({_plan_schedule(r) for r in chosen if r.get("epochs_run")})
            cells.append({"model": model, "train_images": size,
                          "accuracy": describe([r["test_accuracy"] for r in chosen]),
                          "macro_f1": describe([r["macro_f1"] for r in chosen]),
                          "train_seconds": describe([r["train_seconds"] for r in chosen]),
                          **({"schedule": ", ".join(schedules)} if schedules else {}),
                          "machines": sorted({machine_of(r) for r in chosen})})
    return cells


def _plan_schedule(run: dict) -> str:
    """An experiment plan's network run always trained a fixed schedule (plans never used the presets' time
    budgets); records from before stop reasons were kept give only the epochs it ran."""
    return schedule_of(run) if run.get("stopped") else f"{run['epochs_run']} epochs"


def machine_of(run: dict) -> str:
    """The CPU a run trained on, as its record names it (MACHINE_NOT_RECORDED for records from before)."""
    return run.get("machine") or (run.get("stopped") or {}).get("machine") or MACHINE_NOT_RECORDED
