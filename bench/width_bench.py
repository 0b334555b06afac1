"""What a wider CNN would cost to serve: the recipe's network at several widths, exported and quantized
exactly as `ml train` ships it, timed on one image and in batches.

    python -m bench.width_bench                       # about 2 minutes on 2 cores

Serving speed does not depend on the weights, so the networks are untrained (random images stand in
for the whitening statistics and the int8 calibration). Each width is timed with each test-time
augmentation that needs at most two passes. All widths run in one process, so the machine's speed at
the time cancels out of the ratios. Results go to bench/results/width.json.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from bench.results_file import save
from ml.evaluation.speed import measure_speed
from ml.models import cnn
from ml.models.export import export_onnx, quantize_onnx
from ml.serving.predictors import OnnxPredictor

RESULTS = Path(__file__).parent / "results" / "width.json"
WIDTHS = [(64, 256, 256), (96, 320, 320), (128, 384, 384)]  # the recipe's, between, airbench95's
TTAS = ("none", "mirror")


def multiply_adds(widths: tuple[int, int, int], whiten_channels: int = 24) -> int:
    """Multiply-adds of one forward pass through the convolutions (the head is negligible)."""
    total, channels, side = 0, whiten_channels, 31  # the 2x2 whitening leaves 31x31
    for width in widths:
        total += side * side * 9 * channels * width  # each group's first conv runs before its pool
        side //= 2
        total += side * side * 9 * width * width
        channels = width
    return total


def serving_speed(widths, tta: str, images: np.ndarray) -> dict:
    """Latency and throughput of the int8 ONNX model for `widths` with test-time augmentation `tta`."""
    net = cnn.build_model(10, cnn.CNNConfig(widths=tuple(widths)), images)
    with tempfile.TemporaryDirectory(prefix="width-bench-") as work:
        float_path = export_onnx(cnn.serving_model(net, tta), Path(work) / "model.float32.onnx")
        int8_path = quantize_onnx(float_path, Path(work) / "model.onnx", images)
        predictor = OnnxPredictor(int8_path)
        return measure_speed(predictor.predict_proba, images)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--widths", nargs="+", default=[",".join(map(str, w)) for w in WIDTHS],
                        help="the three conv groups' widths, comma-separated; the first is the reference")
    parser.add_argument("--images", type=int, default=1000, help="random images to time on")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    images = np.random.default_rng(0).integers(0, 256, (args.images, 32, 32, 3), dtype=np.uint8)
    candidates = [tuple(int(w) for w in text.split(",")) for text in args.widths]
    rows = []
    for widths in candidates:
        for tta in TTAS:
            speed = serving_speed(widths, tta, images)
            macs = multiply_adds(widths)
            # Training costs about three forward passes (forward, then the two halves of backward), 2 FLOP a MAC.
            rows.append({"widths": list(widths), "tta": tta, "mega_multiply_adds_per_pass": macs / 1e6,
                         "training_pflop_per_epoch": 6 * macs * 50_000 / 1e15, **speed})
            print(f"widths {widths} tta {tta:6s}: one image {speed['latency_ms_p50']:.2f} ms, "
                  f"batched {speed['throughput_ips']:.0f} img/s")
    reference = next(r for r in rows if r["widths"] == list(candidates[0]) and r["tta"] == "mirror")
    for row in rows:
        row["throughput_vs_recipe"] = row["throughput_ips"] / reference["throughput_ips"]
    save(args.out, {"floor_throughput_ips": 1500, "floor_latency_ms": 5.0, "rows": rows},
         shown={f"{row['widths']} {row['tta']}": round(row["throughput_vs_recipe"], 3) for row in rows})
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
