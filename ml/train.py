"""`ml train`: dataset -> statistics -> three models -> evaluation -> artifacts folder."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

import joblib
import numpy as np

from ml.artifacts.folder import (
    ArtifactError,
    file_problems,
    load_manifest,
    read_predictions,
    write_json,
    write_manifest,
    write_predictions,
)
from ml.artifacts.metrics import classification_metrics, predicted_classes
from ml.artifacts.schema import AutoSort, Calibration, DatasetEntry, Inference, Manifest, Metrics, Model
from ml.artifacts.staging import previous_artifacts, prune_unlisted, staged_folder
from ml.audit.out_of_fold import OUT_OF_FOLD
from ml.data.dataset import Dataset, DatasetError, fingerprint, training_splits
from ml.data.loading import load_dataset
from ml.data.stats import dataset_statistics
from ml.evaluation.speed import measure_speed
from ml.models import baselines
from ml.models.registry import (
    MODELS,
    ModelSpec,
    TrainSettings,
    display_name,
    model_keys,
    served_model,
    technical_name,
)
from ml.models.run_record import DEFAULT_CHECKPOINTS, RunControl
from ml.serving.calibration import calibrate
from ml.serving.predictors import OnnxPredictor, SklearnPredictor, load_predictor
from ml.study.experiments import add_seed_runs

KEY_PACKAGES = ("numpy", "scikit-learn", "scikit-image", "pillow", "tensorflow", "keras", "onnx",
                "onnxruntime", "tf2onnx")


@dataclass
class TrainOptions:
    """What `python -m ml train` was asked to do."""

    data: Path
    out: Path
    models: tuple[str, ...] | None = None  # None: every registered model
    subset: int | None = None
    val_size: int | None = None  # None: a tenth of the training images, at most 5,000
    calibration_size: int | None = None  # held out from every model for calibration; None: as val_size
    epochs: int | None = None
    preset: str = "full"
    augment: bool = True
    seed: int = 0
    n_jobs: int = 2
    description: str | None = None
    cnn_overrides: dict = field(default_factory=dict)
    verbose: bool = True
    force: bool = False  # replace artifacts of other data in `out`
    control: RunControl = RunControl(DEFAULT_CHECKPOINTS)  # the Keras models' checkpoints, resuming, time cap


def run_training(options: TrainOptions, log=print) -> Manifest:
    """Run the whole pipeline and write the artifacts folder; returns the manifest. The folder is
    replaced only when the run completes (see ml.artifacts.staging)."""
    options = replace(options, models=tuple(options.models or model_keys()))
    unknown = set(options.models) - set(MODELS)
    if unknown:
        raise ValueError(f"unknown model(s) {sorted(unknown)}; choose from {list(MODELS)}")
    log(f"reading {options.data}")
    dataset = load_dataset(options.data, n_jobs=options.n_jobs, progress=options.verbose)
    names = dataset.class_names
    made = training_splits(dataset["train"], subset=options.subset, val_size=options.val_size, seed=options.seed,
                           calibration_size=options.calibration_size)
    test = dataset["test"]
    # "train" is every training image of the run, the calibration split too: the data's identity
    splits = {"train": made.whole, "fit": made.fit, "val": made.val, "calibration": made.calibration, "test": test}
    dataset_entry = _dataset_entry(dataset, splits, options, made)
    log(f"{len(names)} classes; train {len(made.whole)} (fit {len(made.fit)} + validation "
        f"{len(made.val) if made.val else 0} + calibration {made.calibration_size}), test {len(test)}")
    previous = previous_artifacts(options.out, dataset_entry.splits, options.force)
    checkpoints = []
    with staged_folder(options.out, start_from_existing=previous is not None) as out:
        _train_into(out, dataset, made, dataset_entry, previous, options, checkpoints, log)
    for checkpoint in checkpoints:  # their runs are stored: nothing left to resume
        checkpoint.unlink(missing_ok=True)
    log(f"wrote {Path(options.out) / 'manifest.json'}")
    return load_manifest(options.out)


def _train_into(out: Path, dataset: Dataset, made, dataset_entry: DatasetEntry, previous: Manifest | None,
                options: TrainOptions, checkpoints: list, log) -> None:
    train, fit, val, calibration, test = made.train, made.fit, made.val, made.calibration, dataset["test"]
    names = dataset.class_names
    stats, arrays = dataset_statistics(Dataset(dataset.name, dataset.source, names,
                                               {"train": made.whole, "test": test}, dataset.file_summary))
    write_json(out / "dataset/stats.json", stats)
    np.savez_compressed(out / "dataset/stats.npz", **arrays)
    write_json(out / "dataset/test_files.json", list(test.files))
    log("computed the dataset statistics")

    models, probas, classes = _previous_models(out, previous, keep=set(MODELS) - set(options.models))
    settings = TrainSettings(seed=options.seed, preset=options.preset, epochs=options.epochs,
                             augment=options.augment, overrides={served_model(): options.cnn_overrides},
                             control=options.control, n_jobs=options.n_jobs, verbose=options.verbose)
    for key in model_keys():
        if key not in options.models:
            continue
        log(f"training {technical_name(key)}")
        if MODELS[key].kind == "keras":
            models[key], probas[key], checkpoint = _train_keras(MODELS[key], made, test, names, out, settings, log)
            checkpoints.append(checkpoint)
        else:
            models[key], probas[key] = _train_sklearn(MODELS[key], fit, val, train, test, names, out, settings, log)
        if calibration is not None:
            models[key], probas[key] = calibrated(models[key], probas[key], calibration, test, out, log)
        classes[key] = predicted_classes(probas[key])
        entry = models[key]
        log(f"{technical_name(key)}: test accuracy {entry.metrics.accuracy:.4f}, macro-F1 "
            f"{entry.metrics.macro_f1:.4f}, trained in {entry.train_seconds:.0f} s, "
            f"{entry.inference.latency_ms_p50:.2f} ms/image")

    manifest = {"versions": _versions(), "dataset": dataset_entry.to_json()}
    if previous:  # experiments and out-of-fold runs train their own models on the same data: they stay valid
        manifest.update(_kept_sections(previous, ("experiments", OUT_OF_FOLD, "extra_files")))
    _write_results(out, manifest, models, probas, classes, test.labels)
    prune_unlisted(out, load_manifest(out, verify=False))  # verified once, when the run returns
    if served_model() in options.models and _is_recipe_run(options, made):
        entry = models[served_model()]
        add_seed_runs(out, [{"source": "ml train", "train_images": len(train), "fit_images": entry.train_images,
                             "seed": options.seed, "test_accuracy": entry.metrics.accuracy,
                             "macro_f1": entry.metrics.macro_f1, "train_seconds": round(entry.train_seconds, 1),
                             "stopped": entry.training.to_json(), "epochs_run": entry.epochs_run}], options.preset)


def _kept_sections(manifest: Manifest, names: tuple[str, ...]) -> dict:
    data = manifest.to_json()
    return {name: data[name] for name in names if name in data}


def _write_results(out: Path, manifest: dict, models: dict[str, Model], probas: dict, classes: dict,
                   labels: np.ndarray) -> Path:
    predictions = write_predictions(out, labels, probas, classes)
    order = [*model_keys(), *sorted(set(models) - set(MODELS))]  # registered first, in registry order
    return write_manifest(out, {**manifest, "models": {k: models[k].to_json() for k in order if k in models},
                                "predictions": {"files": {"test": predictions}}})


def reexport(data: Path, out: Path, keys: tuple[str, ...], log=print) -> Manifest:
    """Export the trained Keras models of an artifacts folder again (after a change to the export or
    quantization), re-evaluating them on the same test split, without retraining."""
    manifest = load_manifest(out)
    test, names = _recorded_test_split(data, manifest)
    recorded = manifest.dataset
    made = training_splits(load_dataset(data, splits=("train",), progress=False)["train"],
                           subset=recorded.subset, val_size=recorded.val_size, seed=recorded.seed,
                           calibration_size=recorded.calibration_size)
    with staged_folder(out, start_from_existing=True) as stage:
        _reexport_into(stage, manifest, keys, made, test, names, log)
    return load_manifest(out)


def reevaluate(data: Path, out: Path, log=print) -> Manifest:
    """Evaluate the served models of an artifacts folder on the test split again, on this machine, and
    rewrite their figures, speeds and stored predictions, without retraining: after a change to the
    evaluation, to measure every model on one machine, or to upgrade artifacts made before predicted
    classes were stored."""
    manifest = load_manifest(out, verify=False)
    problems = file_problems(out, manifest)
    if problems:
        raise ArtifactError("; ".join(problems))
    test, names = _recorded_test_split(data, manifest)
    with staged_folder(out, start_from_existing=True) as stage:
        models, probas, classes = dict(manifest.models), {}, {}
        for key, entry in models.items():
            predictor = load_predictor(entry, stage)
            probas[key] = predictor.predict_proba(test.images)
            classes[key] = predicted_classes(probas[key])
            speed = measure_speed(predictor.predict_proba, test.images)
            update = {"metrics": Metrics.model_validate(classification_metrics(test.labels, classes[key], names)),
                      "inference": Inference(runtime=predictor.runtime, **speed)}
            if entry.keras_inference is not None:
                update["onnx_speedup_one_image"] = entry.keras_inference.latency_ms_p50 / speed["latency_ms_p50"]
            models[key] = entry.model_copy(update=update)
            log(f"{key}: test accuracy {entry.metrics.accuracy:.4%} recorded, "
                f"{models[key].metrics.accuracy:.4%} now")
        _write_results(stage, _without_models(manifest), models, probas, classes, test.labels)
    return load_manifest(out)


def _without_models(manifest: Manifest) -> dict:
    """What a re-evaluation or re-export keeps of a manifest: all but the models and their predictions."""
    return {k: v for k, v in manifest.to_json().items() if k not in ("models", "predictions")}


def _recorded_test_split(data: Path, manifest: Manifest):
    """(test split, class names) of `data`, refused unless it is the split the artifacts recorded."""
    dataset = load_dataset(data, splits=("test",), progress=False)
    test, names = dataset["test"], dataset.class_names
    if fingerprint(test, names) != manifest.dataset.splits.test.fingerprint:
        raise DatasetError(f"{data}: not the dataset these artifacts were built from (test split differs); "
                           "pass the dataset they were built from with --data")
    return test, names


def _reexport_into(out: Path, manifest: Manifest, keys, made, test, names, log) -> None:
    import keras

    from ml.models import cnn  # registers the custom layers that model.keras refers to

    stored = read_predictions(out, manifest)
    probas = {k: stored[f"proba_{k}"] for k in manifest.models}
    classes = {k: stored[f"pred_{k}"] for k in manifest.models}
    models = dict(manifest.models)
    for key in keys:
        old = models[key]
        network = keras.models.load_model(out / old.files.keras)
        served = cnn.serving_model(network, old.config["tta"]) if MODELS[key].tta else network
        exported, probas[key] = export_served(key, served, made.fit, made.val, test, out, log)
        files = {"keras": old.files.keras, "history": old.files.history, **exported.pop("files")}
        kept = {"training": old.training.to_json()} if old.training else {}
        models[key] = _model_entry(
            key, classification_metrics(test.labels, predicted_classes(probas[key]), names), old.train_seconds,
            old.train_images, files, out, exported.pop("speed"), "onnxruntime", config=old.config,
            precision=old.precision, epochs_run=old.epochs_run, **kept, **exported)
        if made.calibration is not None:
            models[key], probas[key] = calibrated(models[key], probas[key], made.calibration, test, out, log)
        classes[key] = predicted_classes(probas[key])
    _write_results(out, _without_models(manifest), models, probas, classes, test.labels)
    prune_unlisted(out, load_manifest(out, verify=False))  # verified once, when the run returns


def _is_recipe_run(options: TrainOptions, made) -> bool:
    """A preset trained unchanged on the whole training split: one more sample of the recipe."""
    return (options.subset is None and not made.val_size and not made.calibration_size
            and options.epochs is None and options.augment and not options.cnn_overrides)


def calibrated(entry: Model, test_proba: np.ndarray, calibration, test, out: Path, log=print):
    """A model's manifest entry with its calibration and auto-sort thresholds, fitted on the held-out
    calibration split and checked on the test split, and the calibrated test probabilities it serves."""
    raw = load_predictor(entry, out, calibrated=False).predict_proba(calibration.images)
    fitted, auto_sort, served = calibrate(raw, calibration.labels, test_proba, test.labels)
    fitted, auto_sort = Calibration.model_validate(fitted), AutoSort.model_validate(auto_sort)
    log(f"calibration: temperature {fitted.temperature:.3f}, test ECE {fitted.test_before.ece:.3f} -> "
        f"{fitted.test_after.ece:.3f}; "
        + ", ".join(f"{t.target:.1%}: {t.test_coverage:.0%} sorted" for t in auto_sort.thresholds))
    return entry.model_copy(update={"calibration": fitted, "auto_sort": auto_sort}), served


def _dataset_entry(dataset: Dataset, splits: dict, options: TrainOptions, made) -> DatasetEntry:
    n_images = sum(len(s) for s in dataset.splits.values())
    return DatasetEntry.model_validate({
        "name": dataset.name,
        "source": Path(dataset.source).name,
        "description": options.description or
        f"{dataset.name}: {n_images:,} images in {len(dataset.class_names)} classes",
        "class_names": list(dataset.class_names),
        "splits": {name: {"size": len(s), "fingerprint": fingerprint(s, dataset.class_names)}
                   for name, s in splits.items() if s is not None},
        "subset": options.subset,
        "val_size": made.val_size,
        "calibration_size": made.calibration_size,
        "seed": options.seed,
        "files": {"stats": "dataset/stats.json", "stats_arrays": "dataset/stats.npz",
                  "test_files": "dataset/test_files.json"},
    })


def _previous_models(out: Path, previous: Manifest | None, keep: set[str]):
    """Models of an earlier run on the same data that this run does not retrain."""
    if not keep or previous is None:
        return {}, {}, {}
    stored = read_predictions(out, previous)
    kept = [k for k in keep if k in previous.models and f"pred_{k}" in stored]
    return ({k: previous.models[k] for k in kept}, {k: stored[f"proba_{k}"] for k in kept},
            {k: stored[f"pred_{k}"] for k in kept})


def _model_entry(key, metrics, seconds, n_train, files, out, speed, runtime, **extra) -> Model:
    return Model.model_validate({
        "name": display_name(key), "metrics": metrics, "train_seconds": round(seconds, 2),
        "train_images": n_train, "files": files,
        "size_bytes": sum((out / f).stat().st_size for f in _model_files(files)),
        "inference": {"runtime": runtime, **speed}, **extra})


def _model_files(files: dict) -> set[str]:
    """The distinct model files of an entry (two keys may name one file)."""
    return {f for k, f in files.items() if k != "history"}


def _train_sklearn(spec: ModelSpec, fit, val, train, test, names, out, settings: TrainSettings, log):
    key = spec.key
    pipeline = spec.build(n_jobs=settings.n_jobs, progress=settings.verbose, seed=settings.seed,
                          n_samples=len(train))
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
    entry = _model_entry(key, classification_metrics(test.labels, predicted_classes(proba), names), seconds,
                         len(train), files, out, speed, predictor.runtime,
                         config=spec.describe(pipeline) if spec.describe else {})
    return entry, proba


def _train_keras(spec: ModelSpec, made, test, names, out, settings: TrainSettings, log):
    """Train, save and export a Keras model; returns its entry, its test probabilities and its checkpoint.
    A model that only watches a validation split watches the calibration split when there is none:
    its curves then show how it generalises, and nothing is decided on them."""
    key, fit, val = spec.key, made.fit, made.val
    watched = val if val is not None or spec.stops_early else made.calibration
    trained = spec.train(fit, watched, len(names), settings)
    files = {"keras": f"models/{key}/model.keras", "history": f"models/{key}/history.json"}
    (out / f"models/{key}").mkdir(parents=True, exist_ok=True)
    trained.network.save(out / files["keras"])
    write_json(out / files["history"], trained.history)
    exported, proba = export_served(key, trained.served, fit, val, test, out, log)
    entry = _model_entry(
        key, classification_metrics(test.labels, predicted_classes(proba), names), trained.stopped["train_seconds"],
        trained.fit_images, {**files, **exported.pop("files")}, out, exported.pop("speed"), "onnxruntime",
        config=trained.config.to_dict(), precision=trained.precision,
        epochs_run=trained.stopped["epochs_run"], training=trained.stopped, **exported)
    return entry, proba, trained.checkpoint


def export_served(key: str, served, fit, val, test, out: Path, log=print) -> tuple[dict, np.ndarray]:
    """Export a Keras model's served form to ONNX (float32, checked against Keras) and int8, pick
    the one to serve, and measure it; returns (manifest fields, its test probabilities)."""
    from ml.models import export

    files = {"onnx_float32": f"models/{key}/model.float32.onnx", "onnx": f"models/{key}/model.onnx"}
    export.export_onnx(served, out / files["onnx_float32"])
    float_proba = OnnxPredictor(out / files["onnx_float32"]).predict_proba(test.images)
    parity = export.parity_report(export.keras_predict(served, test.images), float_proba)
    if not parity["passed"]:
        raise RuntimeError(f"ONNX export disagrees with Keras: {parity}")
    export.quantize_onnx(out / files["onnx_float32"], out / files["onnx"], fit.images)
    proba = OnnxPredictor(out / files["onnx"]).predict_proba(test.images)
    quantization = export.quantization_report(float_proba, proba, test.labels)
    if not quantization["passed"]:  # serve the float32 model rather than a damaged int8 one
        (out / files["onnx"]).unlink()
        files["onnx"], proba = files["onnx_float32"], float_proba
    predictor = OnnxPredictor(out / files["onnx"])
    speed = measure_speed(predictor.predict_proba, test.images)
    keras_speed = measure_speed(lambda x: export.keras_predict(served, x), test.images,
                                single_runs=50, batch_runs=1)
    val_accuracy = None
    if val is not None:
        val_accuracy = float((predictor.predict_proba(val.images).argmax(1) == val.labels).mean())
    log(f"ONNX parity: {parity['top1_agreement']:.4%} top-1 agreement, max |dp| {parity['max_abs_prob_diff']:.2e}; "
        f"int8 agrees on {quantization['top1_agreement']:.2%} ({'served' if quantization['passed'] else 'not served'}); "
        f"one image {speed['latency_ms_p50']:.2f} ms vs Keras {keras_speed['latency_ms_p50']:.1f} ms")
    return {"files": files, "speed": speed, "parity": parity, "quantization": quantization,
            "served_precision": "int8" if quantization["passed"] else "float32", "val_accuracy": val_accuracy,
            "keras_inference": keras_speed,
            "onnx_speedup_one_image": keras_speed["latency_ms_p50"] / speed["latency_ms_p50"]}, proba


def _versions() -> dict:
    versions = {"python": platform.python_version()}
    for package in KEY_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions
