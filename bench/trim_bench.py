"""Border trimming benchmark: what step 4 of the one preprocessing path (`ml.data.preprocess`) changes.

    python -m bench.trim_bench [--data ZIP] [--size 256] [--product-per-class 200]

Every served model, scored with the trimming step and without it, on:
- the test split as high-resolution photos: each image upscaled to `--size` pixels and saved as JPEG
  (quality 90), as a client's photo of a CIFAR-style scene would arrive; trimming should leave these
  alone (the issue's bar: accuracy unchanged within 0.1 point);
- product photos: the object at 50% and 33% of the width on white and on light grey (the
  robustness benchmark's framing, `ml.data.corruptions.product_framing`) for the first
  `--product-per-class` test images of each class; trimming is what should rescue these.
Photos are made in memory at benchmark time and never written. Results go to bench/results/trim.json.
"""

from __future__ import annotations

import argparse
import io
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from bench.results_file import save
from ml.artifacts.folder import load_manifest
from ml.artifacts.source_data import artifacts_dataset
from ml.data.corruptions import product_photo
from ml.data.loading import default_data_path
from ml.data.preprocess import decode_image
from ml.evaluation.robustness import model_fingerprint
from ml.serving.predictors import load_predictor

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_SETS = {"product_white": 255, "product_grey": 230}
PRODUCT_WIDTHS = (0.5, 0.33)


def upscaled_photo(image: np.ndarray, side: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).resize((side, side), Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _decode_both(photo: bytes) -> tuple[np.ndarray, np.ndarray]:
    return decode_image(photo), decode_image(photo, trim_border=False)


def decode_both(photos: list[bytes], pool: ProcessPoolExecutor) -> tuple[np.ndarray, np.ndarray]:
    """Every photo decoded with trimming and without, as two (N, 32, 32, 3) arrays."""
    pairs = list(pool.map(_decode_both, photos, chunksize=64))
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def score(predictors: dict, trimmed: np.ndarray, untrimmed: np.ndarray, labels: np.ndarray) -> dict:
    changed = np.any(trimmed != untrimmed, axis=(1, 2, 3))
    result = {"images": len(labels), "changed_by_trimming": int(changed.sum()), "models": {}}
    for key, predictor in predictors.items():
        with_trim = predictor.predict_proba(trimmed).argmax(axis=1) == labels
        without = predictor.predict_proba(untrimmed).argmax(axis=1) == labels
        result["models"][key] = {"accuracy_trimmed": float(with_trim.mean()),
                                 "accuracy_untrimmed": float(without.mean()),
                                 "difference_points": float(100 * (with_trim.mean() - without.mean()))}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=default_data_path())
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--size", type=int, default=256, help="side of the upscaled test photos, in pixels")
    parser.add_argument("--product-per-class", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "trim.json")
    args = parser.parse_args()
    manifest = load_manifest(args.artifacts)
    test = artifacts_dataset(args.data, args.artifacts, manifest, splits=("test",))["test"]
    predictors = {key: load_predictor(entry, args.artifacts) for key, entry in manifest.models.items()}
    # Which served models were measured: the README's figures hold only while these match the manifest.
    results = {"model_fingerprints": {key: model_fingerprint(manifest, key) for key in predictors},
               "photo_size": args.size}
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        photos = [upscaled_photo(image, args.size) for image in test.images]
        results["high_resolution_test"] = score(predictors, *decode_both(photos, pool), test.labels)
        keep = np.sort(np.concatenate([np.flatnonzero(test.labels == c)[:args.product_per_class]
                                       for c in np.unique(test.labels)]))
        for name, background in PRODUCT_SETS.items():
            for width in PRODUCT_WIDTHS:
                photos = [product_photo(test.images[i], background, width) for i in keep]
                results[f"{name}_{round(width * 100)}"] = score(predictors, *decode_both(photos, pool),
                                                                test.labels[keep])
    save(args.out, results)


if __name__ == "__main__":
    main()
