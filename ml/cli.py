"""Command line: `python -m ml {train,export,evaluate,download,validate,report,ablate,learning-curve,study-setup,robustness,near-duplicates,out-of-fold,label-issues,map,neighbours,classify}`.

Every option is checked where it is read, and an error names the option; errors a user can fix
(bad data, options or artifacts: ml.errors.UserError) print one line, anything else keeps its
traceback. Commands that write artifacts change the folder only when they complete.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from ml.artifacts.folder import load_manifest
from ml.audit.data_map import METHODS
from ml.data.corruptions import CORRUPTIONS
from ml.data.dataset import UnreadableImagesError
from ml.data.loading import DATA_ENV, default_data_path
from ml.errors import UserError
from ml.models.cnn_config import PRESETS
from ml.models.registry import model_keys, served_model, with_role
from ml.models.run_record import DEFAULT_CHECKPOINTS, CutShort, RunControl
from ml.study.experiments import ABLATION, ROBUST_RECIPE, VARIANTS
from ml.study.setup import CHOSEN, MAIN_RULE, STUDY_SIZE
from ml.study.setup import RULES as STUDY_RULES
from ml.study.setup import VARIANTS as STUDY_VARIANTS

UNREADABLE_REPORT = Path("unreadable-images.txt")
CUT_SHORT_EXIT = 75  # EX_TEMPFAIL: nothing is wrong, the same command continues the work


def positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text}")
    return value


def non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 0, got {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def size_spec(text: str) -> int | None:
    """A training-set size: a positive whole number, or 'all' (None: the whole training split)."""
    return None if text == "all" else positive_int(text)


def fraction(text: str) -> float:
    """A share between 0 and 1, written as 0.99, 99 or 99%."""
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number like 0.99 or 99%, got {text!r}") from None
    value = value / 100 if value > 1 or text.endswith("%") else value
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100%, got {text}")
    return value


def cnn_overrides(text: str) -> dict:
    """`--cnn` JSON, checked against the recipe's options."""
    from ml.models.cnn_config import check_overrides

    try:
        overrides = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg} at character {exc.pos}); "
                                         """write it like '{"cutout": 8, "widths": [64, 256, 256]}'""") from None
    try:
        return check_overrides(overrides, option="--cnn")
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--cnn: ")) from None


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Adds an option's default to its help, unless there is none or the help already states it."""

    def _get_help_string(self, action):
        if action.default is None or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml", description=(
        "Train and evaluate CIFAR-10 classifiers (Keras CNN, basic CNN, HOG + logistic regression, "
        "HOG + SVM) and write the artifacts the dashboard reads."))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data", type=Path, default=None, help=(
        "an image folder or zip laid out as <split>/<class>/<image>, or the official "
        f"cifar-10-batches-py folder (default: ${DATA_ENV}, else {default_data_path()})"))
    out = argparse.ArgumentParser(add_help=False)
    out.add_argument("--out", type=Path, default=Path("artifacts"), help="artifacts folder (default: artifacts)")
    cnn = argparse.ArgumentParser(add_help=False, parents=[run_control_options()])
    cnn.add_argument("--preset", choices=list(PRESETS), default="full", help=(
        "CNN recipe: " + ", ".join(f"'{name}' ({p['epochs']} epochs)" for name, p in PRESETS.items())
        + " (default: full)"))
    cnn.add_argument("--epochs", type=positive_int, default=None, help="CNN epochs (default: the preset's)")
    cnn.add_argument("--cnn", type=cnn_overrides, default={}, metavar="JSON",
                     help='CNN hyper-parameter overrides, e.g. \'{"cutout": 8, "widths": [64, 256, 256]}\'')

    train = commands.add_parser("train", parents=[data, out, cnn],
                                help="train, evaluate and export models into an artifacts folder")
    train.add_argument("--models", nargs="+", choices=model_keys(), default=list(model_keys()), metavar="MODEL",
                       help=f"models to train, from {' '.join(model_keys())}; models of an earlier run on the "
                            "same data that are not named here are kept (default: all)")
    train.add_argument("--subset", type=positive_int, default=None,
                       help="train on a stratified subset of this many training images (5000 in the original study)")
    train.add_argument("--val-size", type=non_negative_int, default=None,
                       help="validation images carved (stratified) from training and only watched "
                            "(the basic CNN stops early on them); 0 trains on every image "
                            "(default: a tenth of the training images, at most 5,000)")
    train.add_argument("--calibration-size", type=non_negative_int, default=None,
                       help="training images held out from every model (stratified) to calibrate its confidence "
                            "and choose the auto-sort thresholds; 0 holds none out and leaves the models "
                            "uncalibrated (default: a tenth of the training images, at most 5,000)")
    train.add_argument("--no-augment", dest="augment", action="store_false",
                       help="turn off the CNN's data augmentation (flip and shift)")
    train.add_argument("--seed", type=int, default=0, help="seed for subsets, splits and training (default: 0)")
    train.add_argument("--jobs", type=positive_int, default=2, help="processes for decoding and HOG features (default: 2)")
    train.add_argument("--description", default=None, help="a one-line description of the dataset")
    train.add_argument("--force", action="store_true",
                       help="replace the artifacts in --out even if they were built from other data")
    train.add_argument("--resume", action="store_true",
                       help="continue the Keras models' runs from their checkpoints (a killed or cut-short run)")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    train.set_defaults(func=_train)

    download = commands.add_parser("download", help="download the official CIFAR-10 python batches",
                                   formatter_class=DefaultsHelpFormatter)
    download.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "cifar10",
                          help="folder to download into; pass the printed path to `train --data`")
    download.add_argument("--url", default=None, help="mirror of cifar-10-python.tar.gz (default: the official source)")
    download.set_defaults(func=_download)

    reexport = commands.add_parser("export", parents=[data, out], help=(
        "export the trained Keras models of an artifacts folder to ONNX again (float32 and int8), without retraining"))
    reexport.add_argument("--models", nargs="+", choices=model_keys("keras"), default=list(model_keys("keras")),
                          metavar="MODEL", help=f"models to export, from {' '.join(model_keys('keras'))} "
                                                "(default: all of them)")
    reexport.set_defaults(func=_export)

    evaluate = commands.add_parser("evaluate", parents=[data, out], help=(
        "evaluate the served models of an artifacts folder on the test split again, on this machine, and "
        "rewrite their figures, speeds and stored predictions, without retraining"))
    evaluate.set_defaults(func=_evaluate)

    validate = commands.add_parser("validate", help=(
        "check an artifacts folder: every file against its sha256, every model figure against the stored "
        "predictions"))
    validate.add_argument("folder", type=Path, nargs="?", default=Path("artifacts"))
    validate.set_defaults(func=_validate)

    def experiment_options(val_size: int) -> argparse.ArgumentParser:
        experiment = argparse.ArgumentParser(add_help=False, parents=[data, out, cnn, plan_engine_options()])
        experiment.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="seeds to run at each size")
        experiment.add_argument("--rerun", action="store_true", help=(
            "train the runs already stored with the same settings again (default: keep them)"))
        experiment.add_argument("--val-size", type=non_negative_int, default=val_size, help=(
            "hold out this many training images and record the CNN's validation accuracy (with each "
            "test-time augmentation): how the recipe is chosen without looking at the test split"))
        return experiment

    experiment = experiment_options(val_size=0)
    ablate = commands.add_parser(
        "ablate", parents=[experiment], formatter_class=DefaultsHelpFormatter,
        help="CNN recipe against variants (no augmentation, ...), per training-set size and seed")
    ablate.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=["recipe", "no_augmentation"],
                        metavar="VARIANT", help=f"variants to train, from {' '.join(VARIANTS)}")
    ablate.add_argument("--sizes", nargs="+", type=size_spec, default=[5000, None], metavar="SIZE",
                        help="training-set sizes (stratified subsets), or 'all' (None below)")
    ablate.add_argument("--record", choices=[ABLATION, ROBUST_RECIPE], default=ABLATION, help=(
        f"the experiment the runs join: '{ABLATION}' (the study's hypotheses) or '{ROBUST_RECIPE}' (the "
        "choice of a recipe that holds up under damaged photos; pass --val-size, since it is judged on "
        "validation images)"))
    ablate.set_defaults(func=_ablate)
    curve = commands.add_parser("learning-curve", parents=[experiment],
                                formatter_class=DefaultsHelpFormatter,
                                help="test accuracy and training time against training-set size")
    curve.add_argument("--models", nargs="+", choices=model_keys(), default=[served_model(), *with_role("baseline")],
                       metavar="MODEL", help=f"models to train at each size, from {' '.join(model_keys())}")
    curve.add_argument("--sizes", nargs="+", type=size_spec, default=[2500, 5000, 10000, 25000, None],
                       metavar="SIZE", help="training-set sizes (stratified subsets), or 'all' (None below)")
    curve.set_defaults(func=_learning_curve)

    length = commands.add_parser(
        "schedule-length", parents=[experiment_options(val_size=5000)], formatter_class=DefaultsHelpFormatter,
        help="the CNN recipe's validation and test accuracy against the length of its schedule in epochs, on "
             "the whole training split less --val-size images: what the full preset's epochs are chosen from")
    length.add_argument("--lengths", nargs="+", type=positive_int, default=[10, 20, 40], metavar="EPOCHS",
                        help="schedule lengths to train, in epochs")
    length.set_defaults(func=_schedule_length)

    setup = commands.add_parser(
        "study-setup", parents=[data, out, run_control_options(), plan_engine_options()],
        formatter_class=DefaultsHelpFormatter,
        help="the study's hypotheses in its own setup: its basic CNN (with batch normalization) on small "
             "subsets, with and without rotation, flip and zoom, early stopping on validation")
    setup.add_argument("--sizes", nargs="+", type=size_spec, default=[STUDY_SIZE], metavar="SIZE",
                       help="training-set sizes (stratified subsets; a tenth of each is the validation "
                            "split), or 'all' (None below)")
    setup.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="seeds to run at each size")
    setup.add_argument("--variants", nargs="+", choices=[*STUDY_VARIANTS, CHOSEN], default=list(STUDY_VARIANTS),
                       metavar="VARIANT", help=f"from {' '.join(STUDY_VARIANTS)}, or '{CHOSEN}': the "
                                               "augmentation amount with the best validation accuracy so far")
    setup.add_argument("--epochs", type=positive_int, default=None,
                       help="at most this many epochs (default: until the stopping rule ends the run)")
    setup.add_argument("--rerun", action="store_true",
                       help="train the runs already stored with the same settings again (default: keep them)")
    setup.add_argument("--rule", choices=list(STUDY_RULES), default=MAIN_RULE, help=(
        "stopping rule: the basic CNN's own (the learning rate halved on a plateau, stopped after 20 epochs "
        "without a better validation accuracy) or a twice as patient one, to show a verdict does not hinge on it"))
    setup.set_defaults(func=_study_setup)

    robustness = commands.add_parser(
        "robustness", parents=[data, out], formatter_class=DefaultsHelpFormatter,
        help="every served model on corrupted copies of the test split (noise, blur, JPEG, brightness, "
             "contrast, downscaling, pixelation, rotation, translation, product framing)")
    robustness.add_argument("--models", nargs="+", default=None, metavar="MODEL",
                            help="models to score (default: every served model)")
    robustness.add_argument("--corruptions", nargs="+", choices=list(CORRUPTIONS), default=None,
                            metavar="KIND", help=f"from {' '.join(CORRUPTIONS)} (default: all)")
    robustness.add_argument("--per-class", type=positive_int, default=None,
                            help="only the first N test images of each class (default: the whole split)")
    robustness.set_defaults(func=_robustness)

    duplicates = commands.add_parser(
        "near-duplicates", parents=[data, out],
        help="find near-duplicate images within and between the splits (the served CNN's embeddings, confirmed "
             "pixel by pixel) and each model's test accuracy with and without them")
    duplicates.set_defaults(func=_near_duplicates)

    folds = commands.add_parser(
        "out-of-fold", parents=[data, out, run_control_options()], formatter_class=DefaultsHelpFormatter,
        help="train the served CNN's recipe on k-1 folds of the training split k times, storing each image's "
             "probabilities from the run that did not see it (for label issues in the training split)")
    folds.add_argument("--folds", type=positive_int, default=4, help="number of folds (at least 2)")
    folds.add_argument("--fold", type=non_negative_int, nargs="+", default=None, dest="only", metavar="N",
                       help="train only these folds, replacing them if stored (default: every fold not yet stored)")
    folds.add_argument("--preset", choices=list(PRESETS), default="fast", help="schedule of each run")
    folds.add_argument("--seed", type=int, default=0, help="seed of the fold assignment and of the runs")
    folds.set_defaults(func=_out_of_fold)

    issues = commands.add_parser(
        "label-issues", parents=[out], formatter_class=DefaultsHelpFormatter,
        help="rank likely label errors by confident learning: the test split from the served CNN, the training "
             "split from `ml out-of-fold` once every fold is stored")
    issues.add_argument("--rows", type=positive_int, default=500,
                        help="rows per split at least: the confident-learning issues, then the next by margin")
    issues.set_defaults(func=_label_issues)

    data_map = commands.add_parser(
        "map", parents=[data, out], formatter_class=DefaultsHelpFormatter,
        help="lay the test split and a training sample out in 2-D by the served CNN's embeddings, comparing "
             "PCA, t-SNE and UMAP by time and class separation and keeping the best")
    data_map.add_argument("--train-images", type=non_negative_int, default=5000,
                          help="training images on the map (a stratified sample)")
    data_map.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS), help="layouts to compare")
    data_map.set_defaults(func=_data_map)

    neighbours = commands.add_parser(
        "neighbours", parents=[data, out],
        help="index the training images by the served CNN's embeddings, for the nearest examples of an answer "
             "(the API's ?neighbours=k and the Classifier page)")
    neighbours.set_defaults(func=_neighbours)

    classify = commands.add_parser(
        "classify", help="classify every photo in folders, zips or lists of paths or URLs into a results table")
    classify.add_argument("sources", nargs="+", metavar="SOURCE", help=(
        "a folder (searched recursively), a zip, a .txt or .csv list of paths or URLs (s3://, gs://, https:// "
        "need fsspec's backend for them), or an image"))
    classify.add_argument("--out", type=Path, required=True, help="results file: .csv or .parquet")
    classify.add_argument("--artifacts", type=Path, default=Path("artifacts"),
                          help="artifacts folder (default: artifacts)")
    classify.add_argument("--model", default=None, help="model key (default: the served model, else the first trained)")
    decision = classify.add_mutually_exclusive_group()
    decision.add_argument("--target", type=fraction, default=None, help=(
        "target accuracy of the photos sorted automatically, e.g. 99%%: uses the calibrated threshold the "
        "artifacts hold for it"))
    decision.add_argument("--min-confidence", type=fraction, default=None,
                          help="sort automatically at this confidence or more (default: 0.5)")
    classify.add_argument("--engine", choices=["local", "ray"], default="local",
                          help="local (default): processes on this machine; ray: Ray Data (requirements-ray.txt)")
    classify.add_argument("--address", default=None,
                          help="Ray cluster address, e.g. ray://head:10001 (default: a local Ray instance)")
    classify.add_argument("--workers", type=positive_int, default=None,
                          help="local: decoding processes (default: one per CPU core); ray: actors that decode "
                               "and classify (default: one per CPU of the Ray instance or cluster)")
    classify.add_argument("--resume", action="store_true", help="continue an interrupted run into the same --out")
    classify.add_argument("--quiet", action="store_true", help="no progress bar")
    classify.set_defaults(func=_classify)

    summarise = commands.add_parser("summarise", parents=[out], help=(
        "recompute every experiment's cells from its stored runs, without training: after the rules for which "
        "runs count change"))
    summarise.set_defaults(func=_summarise)

    report = commands.add_parser("report", help="print the results of an artifacts folder as Markdown")
    report.add_argument("folder", type=Path, nargs="?", default=Path("artifacts"))
    report.add_argument("--update", type=Path, nargs="+", default=None, metavar="FILE", help=(
        "instead of printing, rewrite each generated block (between <!-- name --> and <!-- /name -->) of these "
        "documents, such as README.md, from the artifacts"))
    report.set_defaults(func=_report)
    return parser


def run_control_options() -> argparse.ArgumentParser:
    """--checkpoints and --max-minutes, for every command that trains a Keras model."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--checkpoints", type=Path, default=DEFAULT_CHECKPOINTS, help=(
        f"folder for the checkpoint written after each epoch, from which a killed run continues "
        f"(default: {DEFAULT_CHECKPOINTS})"))
    options.add_argument("--max-minutes", type=positive_float, default=None, help=(
        "stop training at the end of the first epoch after this many minutes; the run is recorded as cut "
        "short, never as a result, and the same command continues it (default: no cap)"))
    return options


def plan_engine_options() -> argparse.ArgumentParser:
    """--engine, --address and --cpus-per-run, for the commands that train a plan of independent runs."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--engine", choices=["local", "ray"], default="local", help=(
        "where the runs train: one after another in this process, or as Ray tasks, on this machine or on the "
        "cluster at --address (pip install -r requirements-ray.txt); the same records either way"))
    options.add_argument("--address", default=None, help="a Ray cluster's address (with --engine ray)")
    options.add_argument("--cpus-per-run", type=positive_int, default=2, help="CPUs each Ray task holds")
    return options


def check_engine(args) -> None:
    """A Ray cluster's --address only goes with --engine ray."""
    if args.address and args.engine != "ray":
        raise UserError("--address: a Ray cluster address needs --engine ray")


def plan_options(args) -> dict:
    """What run_plan takes from a plan command's options: control, rerun and engine."""
    check_engine(args)
    return {"control": run_control(args), "rerun": args.rerun, "engine": args.engine, "address": args.address,
            "cpus_per_run": args.cpus_per_run}


def run_control(args, resume: bool = True) -> RunControl:
    """The checkpoint folder, resuming and time cap that the command's options ask for."""
    return RunControl.capped(args.max_minutes, checkpoint_dir=args.checkpoints, resume=resume)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.INFO)
    try:
        return args.func(args)
    except CutShort as exc:
        print(f"stopped: {exc}", file=sys.stderr)
        return CUT_SHORT_EXIT
    except UnreadableImagesError as exc:
        UNREADABLE_REPORT.write_text("".join(f"{location}\t{reason}\n" for location, reason in exc.problems))
        print(f"error: {exc}; every one is listed in {UNREADABLE_REPORT.resolve()}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: no artifacts folder was changed", file=sys.stderr)
        return 130


def _train(args) -> int:
    from ml.train import TrainOptions, run_training

    options = TrainOptions(
        data=args.data or default_data_path(), out=args.out, models=tuple(args.models),
        subset=args.subset, val_size=args.val_size, calibration_size=args.calibration_size, epochs=args.epochs,
        preset=args.preset, augment=args.augment,
        seed=args.seed, n_jobs=args.jobs, description=args.description,
        cnn_overrides=args.cnn, verbose=not args.quiet, force=args.force, control=run_control(args, args.resume))
    manifest = run_training(options)
    print(f"artifacts written to {args.out.resolve()}")
    for key, entry in manifest.models.items():
        print(f"  {key:11s} accuracy {entry.metrics.accuracy:.4f}  macro-F1 "
              f"{entry.metrics.macro_f1:.4f}  train {entry.train_seconds:.0f} s  "
              f"one image {entry.inference.latency_ms_p50:.2f} ms  "
              f"batched {entry.inference.throughput_ips:.0f} img/s")
    return 0


def _download(args) -> int:
    from ml.data.cifar import CIFAR10_URL, download_cifar10

    folder = download_cifar10(args.cache_dir, url=args.url or CIFAR10_URL)
    print(f"CIFAR-10 batches ready at {folder}\ntrain with: python -m ml train --data {folder}")
    return 0


def _export(args) -> int:
    from ml.train import reexport

    manifest = reexport(args.data or default_data_path(), args.out, tuple(args.models))
    for key in args.models:
        entry = manifest.models[key]
        print(f"{key}: served in {entry.served_precision}, accuracy {entry.metrics.accuracy:.4f}, "
              f"one image {entry.inference.latency_ms_p50:.2f} ms, "
              f"batched {entry.inference.throughput_ips:.0f} img/s")
    return 0


def _evaluate(args) -> int:
    from ml.train import reevaluate

    manifest = reevaluate(args.data or default_data_path(), args.out)
    print(f"{args.out}: figures recomputed for {', '.join(manifest.models)}")
    return 0


def _validate(args) -> int:
    manifest = load_manifest(args.folder)
    print(f"{args.folder}: valid (schema {manifest.schema_version}, "
          f"{len(manifest.files)} files, models: {', '.join(manifest.models)})")
    return 0


def _ablate(args) -> int:
    from ml.study.experiments import run_ablation

    result = run_ablation(args.data or default_data_path(), args.out, args.sizes, args.seeds, args.variants,
                          preset=args.preset, epochs=args.epochs, overrides=args.cnn, val_size=args.val_size,
                          record=args.record, **plan_options(args))
    for cell in result.cells:
        gain = cell.recipe_gain_points
        print(f"{cell.train_images:>6} images, {cell.variant:18s} accuracy {cell.accuracy.mean:.4f} "
              f"({cell.accuracy.n} seed(s))" + (f", recipe {gain:+.2f} points" if gain is not None else ""))
    return 0


def _learning_curve(args) -> int:
    from ml.study.experiments import run_learning_curve

    result = run_learning_curve(args.data or default_data_path(), args.out, args.sizes, args.seeds, args.models,
                                preset=args.preset, epochs=args.epochs, overrides=args.cnn, val_size=args.val_size,
                                **plan_options(args))
    for cell in result.cells:
        print(f"{cell.model:11s} {cell.train_images:>6} images: accuracy {cell.accuracy.mean:.4f}, "
              f"train {cell.mean_train_seconds:.0f} s ({cell.accuracy.n} seed(s))")
    return 0


def _schedule_length(args) -> int:
    from ml.study.experiments import run_schedule_length

    result = run_schedule_length(args.data or default_data_path(), args.out, args.lengths, args.seeds,
                                 overrides=args.cnn, val_size=args.val_size, **plan_options(args))
    for cell in result.cells:
        print(f"{cell.variant:>10}: validation {cell.val_accuracy.mean:.4f}, test "
              f"{cell.accuracy.mean:.4f}, {cell.mean_train_seconds / 60:.1f} min "
              f"({cell.accuracy.n} seed(s))")
    return 0


def _summarise(args) -> int:
    from ml.study import experiments
    from ml.study.setup import STUDY_SETUP, summarise_study_setup

    done = experiments.resummarise(args.out, {
        experiments.ABLATION: experiments.summarise_ablation, experiments.ROBUST_RECIPE: experiments.summarise_ablation,
        experiments.LEARNING_CURVE: experiments.summarise_curve, experiments.SEEDS: experiments.summarise_seeds,
        experiments.SCHEDULE_LENGTH: experiments.summarise_schedule_length, STUDY_SETUP: summarise_study_setup})
    print(f"{args.out}: cells recomputed for {', '.join(done) or 'no experiment'}")
    return 0


def _study_setup(args) -> int:
    from ml.study.setup import STUDY_SETUP, resolve_variants, run_study_setup

    recorded = load_manifest(args.out).experiment_cells(STUDY_SETUP)
    result = run_study_setup(args.data or default_data_path(), args.out, args.sizes, args.seeds,
                             resolve_variants(args.variants, recorded), epochs=args.epochs, rule=args.rule,
                             **plan_options(args))
    for cell in result.cells:
        print(f"{cell.train_images:>6} images, {cell.rule:8s} {cell.variant:24s} accuracy {cell.accuracy.mean:.4f}, "
              f"validation {cell.val_accuracy.mean:.4f} ({cell.accuracy.n} seed(s))")
    return 0


def _robustness(args) -> int:
    from ml.evaluation.robustness import run_robustness

    summary = run_robustness(args.data or default_data_path(), args.out, args.models, args.corruptions,
                             args.per_class)
    for model, row in summary.models.items():
        worst = row.worst_middle
        print(f"{model:12s} clean {row.clean_accuracy:.2%}, corrupted {row.mean_accuracy:.2%} on average"
              + (f", worst at middle severity: {worst.corruption} {worst.accuracy:.2%}" if worst else ""))
    return 0


def _near_duplicates(args) -> int:
    from ml.audit.audit import run_near_duplicates

    summary = run_near_duplicates(args.data or default_data_path(), args.out)
    for pair, count in summary.counts.items():
        print(f"{pair:12s} {count.pairs:,} pairs")
    print(f"{summary.test_with_train_twin:,} test images ({summary.test_share_with_train_twin:.1%}) have a "
          "near-twin in the training split")
    for model, row in summary.accuracy.items():
        twin = row.with_train_twin
        print(f"{model:12s} test accuracy {row.all:.2%}; without the twinned images {row.without_train_twin:.2%}"
              + (f"; on them {twin:.2%}" if twin is not None else ""))
    return 0


def _out_of_fold(args) -> int:
    from ml.audit.out_of_fold import run_out_of_fold

    if args.folds < 2:
        raise UserError(f"--folds: needs at least 2 folds, got {args.folds}")
    entry = run_out_of_fold(args.data or default_data_path(), args.out, folds=args.folds, only=args.only,
                            preset=args.preset, seed=args.seed, control=run_control(args))
    runs = entry.runs if entry else {}
    missing = [fold for fold in range(args.folds) if str(fold) not in runs]
    print(f"{len(runs)} of {args.folds} folds stored" + (f"; still to run: {missing}" if missing else ""))
    return 0


def _label_issues(args) -> int:
    from ml.audit.audit import run_label_issues

    summary = run_label_issues(args.out, rows=args.rows)
    for split, row in summary.splits.items():
        print(f"{split:6s} {row.flagged:,} of {row.images:,} images flagged ({row.source}); "
              f"{row.rows:,} rows written")
    return 0


def _data_map(args) -> int:
    from ml.audit.audit import run_data_map

    entry = run_data_map(args.data or default_data_path(), args.out, args.train_images, args.methods)
    print(f"map: {entry.method} kept ({entry.points['test']:,} test and {entry.points['train']:,} training "
          "images)")
    return 0


def _neighbours(args) -> int:
    from ml.audit.audit import run_neighbour_index

    entry = run_neighbour_index(args.data or default_data_path(), args.out)
    quality = entry.quality[str(entry.dimensions)]
    print(f"{entry.images:,} training images indexed in {entry.dimensions} dimensions: their 10 nearest keep "
          f"{quality.similarity_kept:.2%} of the exact neighbours' similarity ({quality.recall:.0%} the same)")
    return 0


def _classify(args) -> int:
    from ml.catalogue.classify import classify_catalogue

    check_engine(args)
    classify_catalogue(args.sources, args.out, args.artifacts, model=args.model, target=args.target,
                       min_confidence=args.min_confidence, engine=args.engine, workers=args.workers,
                       resume=args.resume, address=args.address, progress=not args.quiet)
    return 0


def _report(args) -> int:
    from ml.study.hypotheses import hypotheses
    from ml.study.report import (
        ablation_table,
        artifacts_size,
        auto_sort_table,
        calibration_table,
        cnn_notes,
        label_issues_table,
        learning_curve_table,
        map_and_index_table,
        near_duplicates_table,
        results_table,
        robustness_rows,
        robustness_table,
        savings_table,
        schedule_length_table,
        seeds_table,
        study_setup_table,
        verdicts_list,
    )
    from ml.study.trust import trust_verdicts

    manifest = load_manifest(args.folder)
    if args.update:
        from ml.study.markdown import fill_blocks
        from ml.study.report import generated_blocks

        blocks = generated_blocks(args.folder, manifest)
        for document in args.update:
            text = document.read_text()
            filled = fill_blocks(text, blocks, str(document))
            document.write_text(filled)
            print(f"{document}: {'updated' if filled != text else 'already current'}")
        return 0
    print(f"{manifest.dataset.description}; test split of "
          f"{manifest.dataset.splits.test.size:,} images. Artifacts: {artifacts_size(manifest)}.\n")
    print(results_table(manifest))
    print("\n" + cnn_notes(manifest))
    for title, table in (("Calibration (fitted by python -m ml train)", calibration_table),
                         ("Sorting without a person: thresholds per target accuracy", auto_sort_table),
                         ("What machine sorting saves on a catalogue", savings_table),
                         ("The CNN recipe's accuracy against its schedule's length (python -m ml schedule-length)",
                          schedule_length_table),
                         ("CNN trained from scratch with several seeds (bench/train_bench.py)", seeds_table),
                         ("CNN ablation (python -m ml ablate)", ablation_table),
                         ("A recipe that holds up under damaged photos, chosen on validation images "
                          f"(python -m ml ablate --record {ROBUST_RECIPE})",
                          lambda m: ablation_table(m, ROBUST_RECIPE)),
                         ("Damaged and product-style photos (python -m ml robustness)",
                          lambda m: robustness_table(m, robustness_rows(args.folder, m))),
                         ("Near-duplicates (python -m ml near-duplicates)", near_duplicates_table),
                         ("Suspect labels (python -m ml out-of-fold, then label-issues)", label_issues_table),
                         ("Map and neighbour index (python -m ml map, python -m ml neighbours)", map_and_index_table),
                         ("Learning curve (python -m ml learning-curve)", learning_curve_table),
                         ("The study's own setup (python -m ml study-setup)", study_setup_table)):
        text = table(manifest)
        if text:
            print(f"\n{title}:\n\n{text}")
    stats = json.loads((args.folder / manifest.dataset.files.stats).read_text())
    print(f"\nHypotheses (as the dashboard's Hypotheses page judges them):\n\n{verdicts_list(hypotheses(manifest, stats))}")
    print(f"\nCan an answer be trusted? The client's targets (as the Hypotheses page judges them):\n\n"
          f"{verdicts_list(trust_verdicts(manifest))}")
    return 0
