"""Train the CNN from scratch, several seeds, and report wall time and test accuracy.

    python -m bench.train_bench --preset full --seeds 0 1 2     # the full preset (its hypothesis: 92% on average)
    python -m bench.train_bench --preset fast --seeds 0 1 2     # the fast preset (its hypothesis: 90% on average)
    python -m bench.train_bench --cnn '{"corrupt_probability": 0.3}'  # the served recipe (make bench-train CNN=...)

Each run trains on the whole training split with `ml`'s own code, as `ml train` does: the preset's
fixed schedule in epochs, the same steps on any machine; the wall time it took is measured and
recorded with the machine it ran on. It is scored on the test split with the test-time augmentation
the exported model carries. The runs (with their per-epoch curves and test probabilities), their mean,
standard deviation and 95% interval are added to the artifacts folder (experiments/cnn_seeds.json,
predictions/cnn_seeds.npz and the manifest), where the README, the dashboard and the test split's
suspect labels read them; runs with `--cnn` overrides form cells of their own.
Each run checkpoints after every epoch: the same command continues a killed one, and `--max-minutes`
stops one at an epoch's end, recorded as cut short until it is continued. Seeds the artifacts already
hold for the same preset, overrides and schedule, with their test probabilities, are skipped (`--rerun`
trains them again), so the command a verdict names finishes what is missing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ml.cli import CUT_SHORT_EXIT, cnn_overrides, positive_int, run_control, run_control_options
from ml.cpu import cpu_description
from ml.data.loading import default_data_path, load_dataset
from ml.models.cnn_config import PRESETS
from ml.models.registry import served_model
from ml.models.run_record import CutShort, curve_columns
from ml.study.experiments import finished_seeds, record_seeds, score_run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], parents=[run_control_options()])
    parser.add_argument("--data", type=Path, default=None, help="dataset (default: $CIFAR10_DATA or the shipped zip)")
    parser.add_argument("--out", type=Path, default=Path("artifacts"), help="artifacts folder to record into")
    parser.add_argument("--preset", choices=list(PRESETS), default="full")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=positive_int, default=None, help="override the preset's epochs")
    parser.add_argument("--cnn", type=cnn_overrides, default={}, metavar="JSON", help="CNN hyper-parameter overrides")
    parser.add_argument("--rerun", action="store_true", help="train seeds the artifacts already hold again")
    args = parser.parse_args(argv)

    dataset = load_dataset(args.data or default_data_path(), progress=False)
    control = run_control(args)
    done = set() if args.rerun else finished_seeds(args.out, args.preset, args.cnn,
                                                   args.epochs or PRESETS[args.preset]["epochs"])
    result = None
    for seed in args.seeds:
        if seed in done:
            print(f"preset {args.preset}, seed {seed}: already recorded in {args.out} (--rerun trains it again)", flush=True)
            continue
        try:
            run, checkpoint, test_proba = score_run(served_model(), dataset["train"], dataset["test"], dataset.class_names, seed=seed,
                                        preset=args.preset, epochs=args.epochs, overrides=args.cnn, control=control)
        except CutShort as cut:
            record_seeds(args.out, [{"train_images": len(dataset["train"]), "seed": seed, "overrides": args.cnn,
                                     "machine": cpu_description(), "stopped": cut.stopped,
                                     "curves": curve_columns(cut.curves)}], args.preset)
            print(f"stopped: {cut}", flush=True)
            return CUT_SHORT_EXIT
        run.update(overrides=args.cnn, machine=cpu_description())
        print(f"preset {args.preset}, seed {seed}: test accuracy {run['test_accuracy']:.4f}, "
              f"macro-F1 {run['macro_f1']:.4f}, {run['epochs_run']} epochs in {run['train_seconds'] / 60:.1f} min",
              flush=True)
        result = record_seeds(args.out, [run], args.preset, {seed: test_proba})
        if checkpoint is not None:
            checkpoint.unlink(missing_ok=True)
    for cell in result.cells if result else ():
        accuracy = cell.accuracy
        spread = f" ± {accuracy.std:.4f}" if accuracy.std is not None else ""
        print(f"preset {cell.preset}: {accuracy.n} run(s), test accuracy {accuracy.mean:.4f}{spread}, "
              f"training {cell.mean_train_seconds / 60:.1f} min on average")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
