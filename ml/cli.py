"""Command line: `python -m ml {train,download,validate,report,ablate,learning-curve}`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ml.artifacts import MODEL_KEYS, ArtifactError, load_manifest
from ml.dataset import DatasetError
from ml.experiments import VARIANTS
from ml.loading import DATA_ENV, default_data_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml", description=(
        "Train and evaluate CIFAR-10 classifiers (Keras CNN, HOG + logistic regression, "
        "HOG + SVM) and write the artifacts the dashboard reads."))
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train, evaluate and export models into an artifacts folder")
    train.add_argument("--data", type=Path, default=None, help=(
        "an image folder or zip laid out as <split>/<class>/<image>, or the official "
        f"cifar-10-batches-py folder (default: ${DATA_ENV}, else {default_data_path()})"))
    train.add_argument("--out", type=Path, default=Path("artifacts"), help="artifacts folder to write (default: artifacts)")
    train.add_argument("--models", default=",".join(MODEL_KEYS), help=(
        "comma-separated models to train; models of an earlier run on the same data that are "
        f"not named here are kept (default: all of {', '.join(MODEL_KEYS)})"))
    train.add_argument("--subset", type=int, default=None,
                       help="train on a stratified subset of this many training images (5000 in the original study)")
    train.add_argument("--val-size", type=int, default=5000,
                       help="validation images carved (stratified) from training and only watched "
                            "(the basic CNN stops early on them); 0 trains on every image (default: 5000)")
    train.add_argument("--preset", choices=["full", "fast"], default="full",
                       help="CNN recipe: 'full' (the best in 30 minutes on 2 cores) or 'fast' (default: full)")
    train.add_argument("--epochs", type=int, default=None, help="CNN epochs (default: the preset's)")
    train.add_argument("--no-augment", dest="augment", action="store_false",
                       help="turn off the CNN's data augmentation (flip and shift)")
    train.add_argument("--seed", type=int, default=0, help="seed for subsets, splits and training (default: 0)")
    train.add_argument("--jobs", type=int, default=2, help="processes for decoding and HOG features (default: 2)")
    train.add_argument("--description", default=None, help="a one-line description of the dataset")
    train.add_argument("--cnn", default="{}", metavar="JSON",
                       help='CNN hyper-parameter overrides, e.g. \'{"dropout": 0, "batch_norm": false}\'')
    train.add_argument("--quiet", action="store_true", help="no progress bars")

    download = commands.add_parser("download", help="download the official CIFAR-10 python batches",
                                   formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    download.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "cifar10",
                          help="folder to download into; pass the printed path to `train --data`")
    download.add_argument("--url", default=None, help="mirror of cifar-10-python.tar.gz (default: the official source)")

    reexport = commands.add_parser("export", help="export the trained Keras models of an artifacts folder "
                                   "to ONNX again (float32 and int8), without retraining")
    reexport.add_argument("--data", type=Path, default=None, help="the dataset the artifacts were built from")
    reexport.add_argument("--out", type=Path, default=Path("artifacts"), help="artifacts folder")
    reexport.add_argument("--models", nargs="+", default=["cnn", "basic_cnn"], choices=["cnn", "basic_cnn"])

    validate = commands.add_parser("validate", help="check an artifacts folder against its manifest")
    validate.add_argument("folder", type=Path, nargs="?", default=Path("artifacts"))

    ablate = commands.add_parser("ablate", help="CNN recipe against variants (no augmentation, ...), "
                                 "per training-set size and seed", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ablate.add_argument("--variants", nargs="+", default=["recipe", "no_augmentation"],
                        help=f"variants to train, from: {', '.join(VARIANTS)}")
    curve = commands.add_parser("learning-curve", help="test accuracy and training time against training-set size",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    curve.add_argument("--models", nargs="+", default=["cnn", "hog_logreg", "hog_svm"], choices=MODEL_KEYS,
                       help="models to train at each size")
    for command, sizes in ((ablate, ["5000", "all"]), (curve, ["2500", "5000", "10000", "25000", "all"])):
        command.add_argument("--data", type=Path, default=None, help="the dataset the artifacts were built from")
        command.add_argument("--out", type=Path, default=Path("artifacts"), help="artifacts folder to add the results to")
        command.add_argument("--sizes", nargs="+", default=sizes, help="training-set sizes (stratified subsets) or 'all'")
        command.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="seeds to run at each size")
        command.add_argument("--preset", choices=["full", "fast"], default="full", help="CNN recipe preset")
        command.add_argument("--epochs", type=int, default=None, help="CNN epochs (default: the preset's)")
        command.add_argument("--cnn", default="{}", metavar="JSON", help="CNN hyper-parameter overrides")
        command.add_argument("--val-size", type=int, default=0, help=(
            "hold out this many training images and record the CNN's validation accuracy (with each "
            "test-time augmentation): how the recipe is chosen without looking at the test split"))

    report = commands.add_parser("report", help="print the results of an artifacts folder as Markdown")
    report.add_argument("folder", type=Path, nargs="?", default=Path("artifacts"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (DatasetError, ArtifactError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _train(args) -> int:
    from ml.pipeline import TrainOptions, run_training

    options = TrainOptions(
        data=args.data or default_data_path(), out=args.out,
        models=tuple(m.strip() for m in args.models.split(",") if m.strip()),
        subset=args.subset, val_size=args.val_size, epochs=args.epochs, preset=args.preset, augment=args.augment,
        seed=args.seed, n_jobs=args.jobs, description=args.description,
        cnn_overrides=json.loads(args.cnn), verbose=not args.quiet)
    manifest = run_training(options)
    print(f"artifacts written to {args.out.resolve()}")
    for key, entry in manifest["models"].items():
        print(f"  {key:11s} accuracy {entry['metrics']['accuracy']:.4f}  macro-F1 "
              f"{entry['metrics']['macro_f1']:.4f}  train {entry['train_seconds']:.0f} s  "
              f"one image {entry['inference']['latency_ms_p50']:.2f} ms  "
              f"batched {entry['inference']['throughput_ips']:.0f} img/s")
    return 0


def _download(args) -> int:
    from ml.cifar import CIFAR10_URL, download_cifar10

    folder = download_cifar10(args.cache_dir, url=args.url or CIFAR10_URL)
    print(f"CIFAR-10 batches ready at {folder}\ntrain with: python -m ml train --data {folder}")
    return 0


def _export(args) -> int:
    from ml.pipeline import reexport

    manifest = reexport(args.data or default_data_path(), args.out, tuple(args.models))
    for key in args.models:
        entry = manifest["models"][key]
        print(f"{key}: served in {entry['served_precision']}, accuracy {entry['metrics']['accuracy']:.4f}, "
              f"one image {entry['inference']['latency_ms_p50']:.2f} ms, "
              f"batched {entry['inference']['throughput_ips']:.0f} img/s")
    return 0


def _validate(args) -> int:
    manifest = load_manifest(args.folder)
    print(f"{args.folder}: valid (schema {manifest['schema_version']}, "
          f"{len(manifest['files'])} files, models: {', '.join(manifest['models'])})")
    return 0


def _ablate(args) -> int:
    from ml.experiments import parse_sizes, run_ablation

    result = run_ablation(args.data or default_data_path(), args.out, parse_sizes(args.sizes), args.seeds,
                          args.variants, preset=args.preset, epochs=args.epochs, overrides=json.loads(args.cnn),
                          val_size=args.val_size)
    for cell in result["cells"]:
        gain = cell["recipe_gain_points"]
        print(f"{cell['train_images']:>6} images, {cell['variant']:18s} accuracy {cell['accuracy']['mean']:.4f} "
              f"({cell['accuracy']['n']} seed(s))" + (f", recipe {gain:+.2f} points" if gain is not None else ""))
    return 0


def _learning_curve(args) -> int:
    from ml.experiments import parse_sizes, run_learning_curve

    result = run_learning_curve(args.data or default_data_path(), args.out, parse_sizes(args.sizes), args.seeds,
                                args.models, preset=args.preset, epochs=args.epochs,
                                overrides=json.loads(args.cnn), val_size=args.val_size)
    for cell in result["cells"]:
        print(f"{cell['model']:11s} {cell['train_images']:>6} images: accuracy {cell['accuracy']['mean']:.4f}, "
              f"train {cell['train_seconds']['mean']:.0f} s ({cell['accuracy']['n']} seed(s))")
    return 0


def _report(args) -> int:
    from ml.report import ablation_table, cnn_notes, learning_curve_table, results_table, seeds_table

    manifest = load_manifest(args.folder)
    print(f"{manifest['dataset']['description']}; test split of "
          f"{manifest['dataset']['splits']['test']['size']:,} images.\n")
    print(results_table(manifest))
    print("\n" + cnn_notes(manifest))
    for title, table in (("CNN trained from scratch with several seeds (bench/train_bench.py)", seeds_table),
                         ("CNN ablation (python -m ml ablate)", ablation_table),
                         ("Learning curve (python -m ml learning-curve)", learning_curve_table)):
        text = table(manifest)
        if text:
            print(f"\n{title}:\n\n{text}")
    return 0


COMMANDS = {"train": _train, "export": _export, "download": _download, "validate": _validate, "report": _report,
            "ablate": _ablate, "learning-curve": _learning_curve}
