"""Catalogue benchmark: `ml classify` on 1-megapixel JPEGs, read as a fraction of this machine's limit.

    python -m bench.classify_bench [--data ZIP] [--images 10000] [--scale 10] [--no-ray]

The test split's images are upscaled to 1000x1000 and saved as JPEG (quality 90) in a temporary
folder at benchmark time (never committed). In one run, on the same files:
- decode only: the one preprocessing path over every photo, in one process per core;
- inference only: the served model over the decoded images in batches;
- the local engine end to end (`python -m ml classify`, a separate process), and the Ray engine,
  each timed whole and from its first rows on (the steady rate, without the start-up);
- the limit the two stages allow when they share the cores, 1 / (1/decode + 1/inference), and
  each engine's throughput as a fraction of it;
- peak memory of the command's process tree for the photos once and for a list naming them
  `--scale` times, and an interrupted-then-resumed run of that list: every row exactly once.
Results go to bench/results/classify.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

from bench.results_file import save
from ml.artifacts.folder import load_manifest
from ml.catalogue.rows import CHUNK, decode_chunk
from ml.data.loading import default_data_path
from ml.evaluation.robustness import model_fingerprint
from ml.models.registry import served_in
from ml.serving.predictors import load_predictor

ROOT = Path(__file__).resolve().parent.parent
SIDE = 1000


def _make_photo(args) -> None:
    data, path = args
    Image.open(io.BytesIO(data)).convert("RGB").resize((SIDE, SIDE), Image.Resampling.BICUBIC).save(
        path, "JPEG", quality=90)


def make_photos(zip_path: Path, folder: Path, n: int, workers: int) -> list[str]:
    """The first `n` test images of the dataset zip as 1-megapixel JPEGs in `folder`."""
    with zipfile.ZipFile(zip_path) as zf:
        names = sorted(name for name in zf.namelist() if "/test/" in name and not name.endswith("/"))[:n]
        jobs = [(zf.read(name), str(folder / f"{i:06d}.jpg")) for i, name in enumerate(names)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_make_photo, jobs, chunksize=64))
    return [path for _, path in jobs]


def decode_rate(paths: list[str], workers: int) -> tuple[float, np.ndarray]:
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        images = np.concatenate([images for images, _ in pool.map(decode_chunk, chunks)])
    return len(paths) / (time.perf_counter() - start), images


def inference_rate(images: np.ndarray, artifacts: Path, model: str) -> float:
    predictor = load_predictor(load_manifest(artifacts).models[model], artifacts)
    predictor.predict_proba(images[:CHUNK])  # warm-up
    start = time.perf_counter()
    for i in range(0, len(images), CHUNK):
        predictor.predict_proba(images[i:i + CHUNK])
    return len(images) / (time.perf_counter() - start)


def run_command(args: list[str], out: Path, stop_after_rows: int | None = None) -> dict:
    """Run `python -m ml classify ... --out OUT`, sampling the process tree's memory and noting when
    the first rows reach OUT (the start-up: imports, processes, the model); with `stop_after_rows`,
    interrupt it (SIGKILL) once OUT holds that many rows."""
    process = subprocess.Popen([sys.executable, "-m", "ml", "classify", *args, "--out", str(out), "--quiet"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    start = time.perf_counter()
    rows_before = _count_rows(out) if out.exists() else 0
    peak, killed, first_rows = [0], [False], [None]

    def sample():
        parent = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            if first_rows[0] is None and out.exists() and _count_rows(out) > rows_before:
                first_rows[0] = (time.perf_counter() - start, _count_rows(out))
            if stop_after_rows and out.exists() and _count_rows(out) >= stop_after_rows:
                for p in parent.children(recursive=True):
                    p.kill()
                process.send_signal(signal.SIGKILL)
                killed[0] = True
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output = process.communicate()[0]
    seconds = time.perf_counter() - start
    sampler.join()
    if process.returncode and not killed[0]:
        sys.exit(f"ml classify failed:\n{output}")
    rows = _count_rows(out) - rows_before
    startup, rows_at_start = first_rows[0] or (seconds, rows)
    steady = (rows - (rows_at_start - rows_before)) / (seconds - startup) if seconds > startup else None
    return {"seconds": seconds, "photos": rows, "ips": rows / seconds, "startup_seconds": startup,
            "steady_ips": steady, "peak_rss_mb": peak[0] / 2**20, "killed": killed[0],
            "output": output.strip().splitlines()[-12:]}


def _count_rows(path: Path) -> int:
    with open(path, "rb") as handle:
        return max(0, handle.read().count(b"\n") - 1)


def _sources(path: Path) -> list[str]:
    with open(path, newline="") as handle:
        return [row["source"] for row in csv.DictReader(handle)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=default_data_path())
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--scale", type=int, default=10, help="the list names every photo this many times")
    parser.add_argument("--no-ray", dest="ray", action="store_false")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "classify.json")
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    manifest = load_manifest(args.artifacts)
    model = served_in(manifest.models)
    with tempfile.TemporaryDirectory(prefix="classify-bench-") as tmp:
        tmp = Path(tmp)
        photos = tmp / "photos"
        photos.mkdir()
        paths = make_photos(args.data, photos, args.images, workers)
        megapixels = Image.open(paths[0]).size
        decode, images = decode_rate(paths, workers)
        inference = inference_rate(images, args.artifacts, model)
        limit = 1 / (1 / decode + 1 / inference)
        common = ["--artifacts", str(args.artifacts), "--model", model]
        local = run_command([str(photos), *common], tmp / "local.csv")
        results = {"model_fingerprints": {model: model_fingerprint(manifest, model)},
                   "photos": len(paths), "photo_size": list(megapixels), "model": model, "cores": workers,
                   "decode_only_ips": decode, "inference_only_ips": inference, "shared_core_limit_ips": limit,
                   "local": {**local, "fraction_of_limit": local["ips"] / limit,
                             "steady_fraction_of_limit": local["steady_ips"] / limit}}
        if args.ray:
            on_ray = run_command([str(photos), "--engine", "ray", *common], tmp / "ray.csv")
            same = (tmp / "ray.csv").read_bytes() == (tmp / "local.csv").read_bytes()
            results["ray"] = {**on_ray, "fraction_of_local": on_ray["ips"] / local["ips"],
                              "steady_fraction_of_local": on_ray["steady_ips"] / local["steady_ips"],
                              "identical_rows": same}
        listed = tmp / "catalogue.txt"
        listed.write_text("".join(f"{p}\n" for _ in range(args.scale) for p in paths))
        big_out = tmp / "big.csv"
        half = len(paths) * args.scale // 2
        first = run_command([str(listed), *common], big_out, stop_after_rows=half)
        rows_at_kill = _count_rows(big_out)
        resumed = run_command([str(listed), "--resume", *common], big_out)
        expected = [p for _ in range(args.scale) for p in paths]
        results["scaled"] = {
            "photos": len(expected), "killed_at_rows": rows_at_kill, "first_part": first, "resumed": resumed,
            "every_photo_once_in_order": _sources(big_out) == expected,
            "peak_rss_mb": max(first["peak_rss_mb"], resumed["peak_rss_mb"]),
            "peak_rss_vs_unscaled": max(first["peak_rss_mb"], resumed["peak_rss_mb"]) / local["peak_rss_mb"]}
    save(args.out, results)


if __name__ == "__main__":
    main()
