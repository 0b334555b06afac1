"""`ml train`: dataset -> statistics -> three models -> evaluation -> artifacts folder."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import joblib
import numpy as np

from ml import baselines
from ml.artifacts import (KERAS_MODELS, MODEL_KEYS, MODEL_NAMES, ArtifactError, load_manifest, write_json,
                          write_manifest)
from ml.dataset import Dataset, fingerprint, stratified_subset, validation_split
from ml.evaluate import classification_metrics, measure_speed
from ml.loading import load_dataset
from ml.predictors import OnnxPredictor, SklearnPredictor
from ml.stats import dataset_statistics

PREDICTIONS = "predictions/test_predictions.npz"
KEY_PACKAGES = ("numpy", "scikit-learn", "scikit-image", "pillow", "tensorflow", "keras", "onnx",
                "onnxruntime", "tf2onnx")


@dataclass
class TrainOptions:
    """What `python -m ml train` was asked to do."""

    data: Path
    out: Path
    models: tuple[str, ...] = MODEL_KEYS
    subset: int | None = None
    val_size: int = 5000
    epochs: int | None = None
    preset: str = "full"
    augment: bool = True
    seed: int = 0
    n_jobs: int = 2
    description: str | None = None
    cnn_overrides: dict = field(default_factory=dict)
    verbose: bool = True


def run_training(options: TrainOptions, log=print) -> dict:
    """Run the whole pipeline and write the artifacts folder; returns the manifest."""
    unknown = set(options.models) - set(MODEL_KEYS)
    if unknown:
        raise ValueError(f"unknown model(s) {sorted(unknown)}; choose from {list(MODEL_KEYS)}")
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    log(f"reading {options.data}")
    dataset = load_dataset(options.data, n_jobs=options.n_jobs, progress=options.verbose)
    train = stratified_subset(dataset["train"], options.subset, options.seed)
    test = dataset["test"]
    fit, val = validation_split(train, options.val_size, options.seed) if options.val_size else (train, None)
    names = dataset.class_names
    splits = {"train": train, "fit": fit, "val": val, "test": test}
    dataset_entry = _dataset_entry(dataset, splits, options)
    log(f"{len(names)} classes; train {len(train)} (fit {len(fit)} + validation {len(val) if val else 0}), "
        f"test {len(test)}")

    stats, arrays = dataset_statistics(Dataset(dataset.name, dataset.source, names,
                                               {"train": train, "test": test}, dataset.file_summary))
    write_json(out / "dataset/stats.json", stats)
    np.savez_compressed(out / "dataset/stats.npz", **arrays)
    write_json(out / "dataset/test_files.json", list(test.files))
    log(f"wrote dataset statistics to {out / 'dataset'}")

    models, probas = _previous_models(out, dataset_entry, keep=set(MODEL_KEYS) - set(options.models))
    for key in MODEL_KEYS:
        if key not in options.models:
            continue
        log(f"training {MODEL_NAMES[key]}")
        trainer = _train_keras if key in KERAS_MODELS else _train_baseline
        models[key], probas[key] = trainer(key, fit, val, train, test, names, out, options, log)
        metrics = models[key]["metrics"]
        log(f"{MODEL_NAMES[key]}: test accuracy {metrics['accuracy']:.4f}, macro-F1 "
            f"{metrics['macro_f1']:.4f}, trained in {models[key]['train_seconds']:.0f} s, "
            f"{models[key]['inference']['latency_ms_p50']:.2f} ms/image")

    (out / PREDICTIONS).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / PREDICTIONS, y_true=test.labels,
                        **{f"proba_{k}": p.astype(np.float16) for k, p in probas.items()})
    manifest = {
        "versions": _versions(),
        "dataset": dataset_entry,
        "models": {k: models[k] for k in MODEL_KEYS if k in models},
        "predictions": {"files": {"test": PREDICTIONS}},
    }
    path = write_manifest(out, manifest)
    log(f"wrote {path}")
    return load_manifest(out)


def _dataset_entry(dataset: Dataset, splits: dict, options: TrainOptions) -> dict:
    n_images = sum(len(s) for s in dataset.splits.values())
    return {
        "name": dataset.name,
        "source": Path(dataset.source).name,
        "description": options.description or
        f"{dataset.name}: {n_images:,} images in {len(dataset.class_names)} classes",
        "class_names": list(dataset.class_names),
        "splits": {name: {"size": len(s), "fingerprint": fingerprint(s, dataset.class_names)}
                   for name, s in splits.items() if s is not None},
        "subset": options.subset,
        "val_size": options.val_size,
        "seed": options.seed,
        "files": {"stats": "dataset/stats.json", "stats_arrays": "dataset/stats.npz",
                  "test_files": "dataset/test_files.json"},
    }


def _previous_models(out: Path, dataset_entry: dict, keep: set[str]):
    """Models of an earlier run on the same data that this run does not retrain."""
    if not keep:
        return {}, {}
    try:
        manifest = load_manifest(out)
    except ArtifactError:
        return {}, {}
    before, now = manifest["dataset"]["splits"], dataset_entry["splits"]
    if any(before.get(name) != now[name] for name in ("train", "test")):
        return {}, {}
    with np.load(out / PREDICTIONS) as previous:
        probas = {k: previous[f"proba_{k}"].astype(np.float32) for k in keep
                  if k in manifest["models"] and f"proba_{k}" in previous}
    return {k: manifest["models"][k] for k in probas}, probas


def _model_entry(key, metrics, seconds, n_train, files, out, speed, runtime, **extra) -> dict:
    return {"name": MODEL_NAMES[key], "metrics": metrics, "train_seconds": round(seconds, 2),
            "train_images": n_train, "files": files,
            "size_bytes": sum((out / f).stat().st_size for k, f in files.items() if k != "history"),
            "inference": {"runtime": runtime, **speed}, **extra}


def _train_baseline(key, fit, val, train, test, names, out, options, log):
    pipeline = baselines.BUILDERS[key](n_jobs=options.n_jobs, progress=options.verbose,
                                       seed=options.seed, n_samples=len(train))
    start = time.perf_counter()
    pipeline.fit(train.images, train.labels)
    seconds = time.perf_counter() - start
    path = out / f"models/{key}/model.joblib"
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(baselines.compact(pipeline), path, compress=3)
    predictor = SklearnPredictor(path)  # evaluate what the app will load
    proba = predictor.predict_proba(test.images)
    speed = measure_speed(predictor.predict_proba, test.images)
    files = {"joblib": f"models/{key}/model.joblib"}
    entry = _model_entry(key, classification_metrics(test.labels, proba, names), seconds, len(train),
                         files, out, speed, predictor.runtime,
                         config=baselines.describe(pipeline))
    return entry, proba


def _train_keras(key, fit, val, train, test, names, out, options, log):
    # TensorFlow is imported only when a Keras model is trained
    from ml import export
    from ml.keras_models import train_keras_model

    start = time.perf_counter()
    model, served, history, precision, config = train_keras_model(
        key, fit, val, len(names), seed=options.seed, preset=options.preset, epochs=options.epochs,
        augment=options.augment, overrides=options.cnn_overrides if key == "cnn" else {},
        verbose="auto" if options.verbose else 0)
    seconds = time.perf_counter() - start
    files = {"keras": f"models/{key}/model.keras", "onnx": f"models/{key}/model.onnx",
             "history": f"models/{key}/history.json"}
    (out / f"models/{key}").mkdir(parents=True, exist_ok=True)
    model.save(out / files["keras"])
    export.export_onnx(served, out / files["onnx"])
    write_json(out / files["history"], history)
    predictor = OnnxPredictor(out / files["onnx"])
    proba = predictor.predict_proba(test.images)
    keras_proba = export.keras_predict(served, test.images)
    parity = export.parity_report(keras_proba, proba)
    if not parity["passed"]:
        raise RuntimeError(f"ONNX export disagrees with Keras: {parity}")
    speed = measure_speed(predictor.predict_proba, test.images)
    keras_speed = measure_speed(lambda x: export.keras_predict(served, x), test.images,
                                single_runs=50, batch_runs=1)
    val_accuracy = None
    if val is not None:
        val_accuracy = float((predictor.predict_proba(val.images).argmax(1) == val.labels).mean())
    entry = _model_entry(
        key, classification_metrics(test.labels, proba, names), seconds, len(fit), files, out,
        speed, predictor.runtime, config=config.to_dict(), precision=precision, parity=parity,
        val_accuracy=val_accuracy, epochs_run=len(history.get("loss", [])),
        keras_inference=keras_speed,
        onnx_speedup_one_image=keras_speed["latency_ms_p50"] / speed["latency_ms_p50"])
    log(f"ONNX parity: {parity['top1_agreement']:.4%} top-1 agreement, max |dp| "
        f"{parity['max_abs_prob_diff']:.2e}; one image {speed['latency_ms_p50']:.2f} ms vs Keras "
        f"{keras_speed['latency_ms_p50']:.1f} ms")
    return entry, proba


def _versions() -> dict:
    versions = {"python": platform.python_version()}
    for package in KEY_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions
