"""Training speed of the CNN with Keras's BatchNormalization versus the fused kernel.

    python -m bench.batchnorm_bench            # about 4 minutes on 2 cores

Trains the recipe's network on the same random images with each BatchNorm layer in turn (the
arithmetic is the same; only the kernels differ), times every epoch after the first (which
traces the graph), and reports steady-state images per second and their ratio, measured in one
run so the machine's speed at the time cancels out. Results go to bench/results/batchnorm.json.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from bench.results_file import save
from ml.models import cnn

RESULTS = Path(__file__).parent / "results" / "batchnorm.json"
VARIANTS = {"keras": False, "fused": True}


def time_variant(fused: bool, images: np.ndarray, labels: np.ndarray, epochs: int) -> dict:
    """Images per second of each epoch after the first, and the last epoch's training loss."""
    config = cnn.CNNConfig(epochs=epochs, fused_batch_norm=fused)
    trained_run = cnn.train_cnn(images, labels, None, None, 10, config, verbose=0)
    trained = cnn.steps_per_epoch(len(images), config.batch_size) * config.batch_size  # batch set by train_cnn
    rates = [trained / row["seconds"] for row in trained_run.curves[1:]]
    return {"images_per_s": rates, "final_loss": trained_run.curves[-1]["loss"], "precision": trained_run.precision}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40_960, help="training images (random) per epoch (40 batches of 1,024)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run; the first is not timed")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each variant, alternating")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (args.images, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, args.images)
    runs = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, fused in VARIANTS.items():
            runs[name].append(time_variant(fused, images, labels, args.epochs))
            print(f"{name}: {statistics.median(runs[name][-1]['images_per_s']):,.0f} images/s", flush=True)
    speed = {name: statistics.median(r for run in runs[name] for r in run["images_per_s"]) for name in VARIANTS}
    result = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "images": args.images, "epochs": args.epochs, "rounds": args.rounds,
        "median_images_per_s": speed, "speed_up": speed["fused"] / speed["keras"], "runs": runs,
    }
    save(args.out, result, shown={k: result[k] for k in ("median_images_per_s", "speed_up")})
    print(f"fused BatchNorm: {result['speed_up']:.2f}x Keras's ({speed['fused']:,.0f} vs "
          f"{speed['keras']:,.0f} images/s); written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
