"""The neighbour index as a small deploy serves it (`?neighbours=k`): its memory and the time a query
adds to an answer.

    python -m bench.neighbours_bench [--artifacts artifacts] [--repeats 200]

For one 32x32 image at a time, as the API answers a single upload: the served model's prediction
alone, the same model's features (the second output of the same run), and the search of the index
for the 6 nearest training images; each timed `--repeats` times on one thread, in the same run, so
the ratio of the index's time to the prediction's is what to read. Memory is the index's arrays as
loaded (the file on disk is compressed). Results go to bench/results/neighbours.json.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bench.results_file import save
from ml.artifacts.folder import load_manifest
from ml.audit.neighbours import NeighbourIndex
from ml.evaluation.robustness import model_fingerprint
from ml.models.registry import embedding_model
from ml.serving.embeddings import Embedder
from ml.serving.predictors import load_predictor

K = 6


def timed(function, repeats: int) -> dict:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return {"median_ms": round(float(np.median(times)) * 1000, 3), "p95_ms": round(float(np.percentile(times, 95)) * 1000, 3)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args(argv)
    manifest = load_manifest(args.artifacts)
    entry = manifest.neighbours
    index = NeighbourIndex(args.artifacts / entry.file)
    embedder = Embedder(args.artifacts / entry.model, threads=1)
    model = embedding_model()
    predictor = load_predictor(manifest.models[model], args.artifacts, threads=1)
    images = np.random.default_rng(0).integers(0, 256, (args.repeats, 32, 32, 3), dtype=np.uint8)
    features = embedder.embed(images)
    counter = iter(range(10**9))

    def one():
        return images[next(counter) % len(images)][None]

    results = {
        "model_fingerprints": {model: model_fingerprint(manifest, model)},  # the index is made of its features
        "index": {"images": len(index.files), "dimensions": entry.dimensions,
                  "memory_mb": round(index.nbytes / 2**20, 2),
                  "file_mb": round((args.artifacts / entry.file).stat().st_size / 2**20, 2)},
        "prediction": timed(lambda: predictor.predict_proba(one()), args.repeats),
        "features": timed(lambda: embedder.embed(one()), args.repeats),
        "search": timed(lambda: index.query(features[next(counter) % len(features)][None], K), args.repeats),
    }
    results["search_vs_prediction"] = round(results["search"]["median_ms"] / results["prediction"]["median_ms"], 3)
    save(Path(__file__).parent / "results" / "neighbours.json", results)
    return results


if __name__ == "__main__":
    main()
