"""Uploads off the event loop: how long other requests wait while a worker classifies big photos.

    python -m bench.upload_bench [--artifacts artifacts] [--duration 30]

Two scenarios on real gunicorn processes on loopback (settings from gunicorn.conf.py):
- one worker: a client posts eight 12-megapixel photos with explanations and neighbours (the work
  of the Classifier page) again and again, while a probe asks for /api/health and a filter change
  every 50 ms; the issue's floor is that no probe waits more than 0.5 s;
- the default two workers: two clients post such batches without pause; a third client sends
  health probes, filter changes and pages; the floor is 95% of those answered within 0.5 s.
Results go to bench/results/upload.json. Timings are for this machine at this moment.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

import requests

from bench.gunicorn_server import ROOT, Server
from bench.results_file import save
from bench.serve_bench import filter_combinations, filter_request, page_request, percentiles, photo_jpeg
from ml.artifacts.folder import load_manifest

BATCH = 8  # photos per upload, as in the measurement
FLOOR_S = 0.5


def post_batch(session, url: str, photo: bytes) -> requests.Response:
    files = [("file", (f"photo-{i}.jpg", photo)) for i in range(BATCH)]
    return session.post(url + "/api/predict?explain=1&neighbours=6", files=files, timeout=120)


def uploaders(url: str, photo: bytes, count: int, stop: threading.Event, seconds: list[float]) -> list[threading.Thread]:
    def upload():
        session = requests.Session()
        while not stop.is_set():
            start = time.perf_counter()
            post_batch(session, url, photo).raise_for_status()
            seconds.append(time.perf_counter() - start)

    return [threading.Thread(target=upload, daemon=True) for _ in range(count)]


def probe(url: str, combos, stop: threading.Event, waits: dict[str, list[float]], pages: bool) -> None:
    """Other requests, one at a time every 50 ms: health, a filter change, and (with `pages`) a page."""
    session = requests.Session()
    i = 0
    while not stop.is_set():
        calls = {"health": lambda: session.get(url + "/api/health", timeout=30),
                 "filter": lambda: filter_request(session, url, *combos[i % len(combos)])}
        if pages:
            calls["page"] = lambda: page_request(session, url, "/performance")
        for name, call in calls.items():
            start = time.perf_counter()
            call().raise_for_status()
            waits[name].append(time.perf_counter() - start)
        i += 1
        time.sleep(0.05)


def scenario(artifacts: Path, workers: int, clients: int, duration: float, photo: bytes, pages: bool) -> dict:
    server = Server(artifacts, workers=workers)
    try:
        server.wait_ready()
        combos = filter_combinations(load_manifest(artifacts).class_names)
        warm = requests.Session()
        for _ in range(2 * workers):  # every worker loads its models before timing starts
            post_batch(warm, server.url, photo).raise_for_status()
            filter_request(warm, server.url, *combos[0]).raise_for_status()
        stop, uploads = threading.Event(), []
        waits = {"health": [], "filter": [], "page": []}
        threads = uploaders(server.url, photo, clients, stop, uploads)
        threads.append(threading.Thread(target=probe, args=(server.url, combos, stop, waits, pages), daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
        other = [s for name in waits for s in waits[name]]
        return {"workers": workers, "upload_clients": clients, "duration_s": duration,
                "uploads": percentiles(uploads) if uploads else None,
                "other_requests": {**percentiles(other), "over_floor": sum(s > FLOOR_S for s in other)},
                **{name: percentiles(s) for name, s in waits.items() if s}}
    finally:
        server.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per scenario")
    args = parser.parse_args(argv)
    photo = photo_jpeg()  # 4000 x 3000
    one = scenario(args.artifacts, workers=1, clients=1, duration=args.duration, photo=photo, pages=False)
    two = scenario(args.artifacts, workers=2, clients=2, duration=args.duration, photo=photo, pages=True)
    results = {"photo_bytes": len(photo), "photos_per_upload": BATCH, "floor_s": FLOOR_S,
               "one_worker": one, "two_workers": two,
               "one_worker_max_wait_s": round(one["other_requests"]["max_ms"] / 1000, 3),
               "two_workers_p95_wait_s": round(two["other_requests"]["p95_ms"] / 1000, 3)}
    save(ROOT / "bench" / "results" / "upload.json", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
