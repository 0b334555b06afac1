"""Serving benchmark: start-up, memory, filter latency, /api/predict latency, and a load test.

    python -m bench.serve_bench [--artifacts artifacts] [--duration 60] [--clients 16]

Everything runs on loopback against real gunicorn processes, started as the Procfile starts
them (settings from gunicorn.conf.py); results are printed and
written to bench/results/serve.json. Timings are for this machine at this moment: compare
them as ratios within one run.
"""

from __future__ import annotations

import argparse
import io
import itertools
import threading
import time
from pathlib import Path

import numpy as np
import requests
from PIL import Image

from bench.gunicorn_server import ROOT, Server
from bench.results_file import save
from callbacks.pages import PAGES as REGISTERED_PAGES
from layouts.common import CONTAINER_PAGE, LOCATION_PAGE
from layouts.performance import (
    CHECKLIST_PERFORMANCE_CLASSES,
    CHECKLIST_PERFORMANCE_MODELS,
    GRAPH_PERCLASS_SCORES,
    RADIO_PERCLASS_METRIC,
    SELECT_PERCLASS_SORT,
)
from ml.artifacts.folder import load_manifest
from ml.models.registry import model_keys, served_model

PAGES = [page.path for page in REGISTERED_PAGES]


def dash_update(session, url, output, outputs, inputs) -> requests.Response:
    return session.post(url + "/_dash-update-component", timeout=30, json={
        "output": output, "outputs": outputs, "inputs": inputs, "changedPropIds": [], "state": []})


def page_request(session, url, path):
    return dash_update(session, url, f"{CONTAINER_PAGE}.children",
                       {"id": CONTAINER_PAGE, "property": "children"},
                       [{"id": LOCATION_PAGE, "property": "pathname", "value": path}])


def filter_request(session, url, classes, metric):
    return dash_update(session, url, f"{GRAPH_PERCLASS_SCORES}.figure",
                       {"id": GRAPH_PERCLASS_SCORES, "property": "figure"},
                       [{"id": CHECKLIST_PERFORMANCE_MODELS, "property": "value", "value": list(model_keys())},
                        {"id": CHECKLIST_PERFORMANCE_CLASSES, "property": "value", "value": classes},
                        {"id": RADIO_PERCLASS_METRIC, "property": "value", "value": metric},
                        {"id": SELECT_PERCLASS_SORT, "property": "value", "value": served_model()}])


def filter_combinations(class_names):
    """Distinct class filters a user might choose: drop one class, then keep pairs."""
    combos = [[c for c in class_names if c != drop] for drop in class_names]
    combos += [list(pair) for pair in itertools.combinations(class_names, 2)][:10]
    return [(combo, metric) for combo in combos for metric in ("f1", "recall")]


def photo_jpeg(width=4000, height=3000) -> bytes:
    """A 12-megapixel JPEG made from a photograph that ships with scikit-image."""
    from skimage import data
    buffer = io.BytesIO()
    Image.fromarray(data.chelsea()).resize((width, height), Image.Resampling.BICUBIC).save(
        buffer, "JPEG", quality=90)
    return buffer.getvalue()


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def percentiles(seconds: list[float]) -> dict:
    ms = np.array(seconds) * 1000
    return {"n": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2), "max_ms": round(float(ms.max()), 2)}


def timed(call, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - start)
        response.raise_for_status()
    return times


def predict(session, url, name, payload):
    return session.post(url + "/api/predict", files={"file": (name, payload)}, timeout=30)


def single_worker_checks(artifacts: Path, class_names) -> dict:
    server = Server(artifacts, workers=1)
    try:
        startup = server.wait_ready()
        session = requests.Session()
        page_request(session, server.url, "/").raise_for_status()
        first_page = time.perf_counter() - server.started
        for path in PAGES:  # warm-up: every page, every filter, both uploads
            page_request(session, server.url, path).raise_for_status()
        combos = filter_combinations(class_names)
        for classes, metric in combos:
            filter_request(session, server.url, classes, metric).raise_for_status()
        big, small = photo_jpeg(), small_png()
        for _ in range(3):
            predict(session, server.url, "photo.jpg", big).raise_for_status()
            predict(session, server.url, "tiny.png", small).raise_for_status()
        rss, private = server.worker_rss_mb(), server.worker_private_mb()
        cycle = itertools.cycle(combos)
        filter_times = timed(lambda: filter_request(session, server.url, *next(cycle)), 200)
        return {
            "startup_to_first_html_s": round(startup, 3),
            "startup_to_first_page_content_s": round(first_page, 3),
            "worker_rss_after_warmup_mb": list(rss.values()),
            "worker_private_after_warmup_mb": list(private.values()),
            "filter_change": percentiles(filter_times),
            "predict_12mp_jpeg": {**percentiles(timed(lambda: predict(session, server.url, "photo.jpg", big), 30)),
                                  "bytes": len(big)},
            "predict_32px_png": percentiles(timed(lambda: predict(session, server.url, "tiny.png", small), 200)),
        }
    finally:
        server.close()


def run_clients(url, clients: int, duration: float, combos, big: bytes, small: bytes) -> dict:
    """`clients` threads sending a mix of page, filter and predict requests for `duration` seconds."""
    counts = {"ok": 0, "failed": 0}
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def client(seed: int):
        session = requests.Session()
        rng = np.random.default_rng(seed)
        while time.perf_counter() < stop_at:
            kind = rng.integers(0, 4)
            try:
                if kind == 0:
                    response = page_request(session, url, PAGES[rng.integers(len(PAGES))])
                elif kind == 1:
                    response = filter_request(session, url, *combos[rng.integers(len(combos))])
                elif kind == 2:
                    response = predict(session, url, "t.png", small)
                else:
                    response = predict(session, url, "p.jpg", big)
                ok, detail = response.status_code == 200, f"HTTP {response.status_code}"
            except requests.RequestException as exc:
                ok, detail = False, repr(exc)
            with lock:
                counts["ok" if ok else "failed"] += 1
                if not ok and len(errors) < 10:
                    errors.append(detail)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {**counts, "requests_per_s": round((counts["ok"] + counts["failed"]) / duration, 1),
            "errors": errors}


def load_test(artifacts: Path, class_names, clients: int, duration: float, warmup: float) -> dict:
    """Warm both workers under the same load, then measure failures and memory over `duration`."""
    server = Server(artifacts, workers=2)
    try:
        server.wait_ready()
        big, small = photo_jpeg(1600, 1200), small_png()
        combos = filter_combinations(class_names)
        run_clients(server.url, clients, warmup, combos, big, small)
        rss_warm = server.worker_rss_mb()
        result = run_clients(server.url, clients, duration, combos, big, small)
        rss_end = server.worker_rss_mb()
        return {"clients": clients, "duration_s": duration, "warmup_s": warmup, "workers": 2, **result,
                "worker_rss_after_warmup_mb": rss_warm, "worker_rss_at_end_mb": rss_end,
                "rss_growth_mb": {pid: round(rss_end[pid] - rss_warm[pid], 1) for pid in rss_warm}}
    finally:
        server.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=20, help="seconds of load before memory is read")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "serve.json")
    args = parser.parse_args(argv)
    class_names = load_manifest(args.artifacts, verify=False).class_names
    save(args.out, {"single_worker": single_worker_checks(args.artifacts, class_names),
                    "load": load_test(args.artifacts, class_names, args.clients, args.duration, args.warmup)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
