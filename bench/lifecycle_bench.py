"""Start and stop, as a platform does them: the first requests to fresh workers, then SIGTERM.

    python -m bench.lifecycle_bench [--starts 10]

Each start launches gunicorn as the Procfile does (settings from gunicorn.conf.py, two workers)
and, as soon as the port accepts connections, sends 8 requests at once: the page and the scripts
it loads (what a browser does on a first visit). Then it classifies an image on each worker, so
that both hold onnxruntime sessions, and sends SIGTERM. Counts failed requests, aborted workers
and the exit code per start; writes bench/results/lifecycle.json.
"""

from __future__ import annotations

import argparse
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.gunicorn_server import ROOT, Server
from bench.results_file import save
from bench.serve_bench import small_png

RESULTS = Path(__file__).parent / "results" / "lifecycle.json"
PARALLEL = 8


def page_and_scripts(artifacts: Path) -> list[str]:
    """The dashboard's path and the script paths its page loads, read from an app made here."""
    from dash_app import AppConfig, create_app

    html = create_app(AppConfig(artifacts_dir=artifacts)).server.test_client().get("/").get_data(as_text=True)
    return ["/"] + re.findall(r'<script src="(/_dash-component-suites/[^"]+)"', html)


def one_start(artifacts: Path, paths: list[str]) -> dict:
    server = Server(artifacts, workers=2)
    try:
        ready_s = server.wait_listening()
        burst = (paths * PARALLEL)[:PARALLEL]
        with ThreadPoolExecutor(PARALLEL) as pool:
            codes = list(pool.map(lambda path: _status(server.url + path), burst))
        image = small_png()
        for _ in range(4):  # requests spread over both workers: each makes its sessions
            requests.post(server.url + "/api/predict", files={"file": ("a.png", image)}, timeout=30).raise_for_status()
        exit_code, stop_s = server.stop()
        return {"ready_s": round(ready_s, 2), "first_burst_status": codes,
                "first_burst_failed": sum(code != 200 for code in codes), "exit_code": exit_code,
                "stop_s": round(stop_s, 2), "aborted_worker_lines": server.aborts()}
    finally:
        server.close()


def _status(url: str) -> int:
    try:
        return requests.get(url, timeout=30).status_code
    except requests.RequestException:
        return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    paths = page_and_scripts(args.artifacts)
    starts = [one_start(args.artifacts, paths) for _ in range(args.starts)]
    summary = {"starts": len(starts), "parallel_first_requests": PARALLEL,
               "starts_with_a_failed_first_request": sum(s["first_burst_failed"] > 0 for s in starts),
               "starts_with_an_aborted_worker": sum(bool(s["aborted_worker_lines"]) for s in starts),
               "starts_with_a_nonzero_exit": sum(s["exit_code"] != 0 for s in starts),
               "max_stop_s": max(s["stop_s"] for s in starts)}
    save(args.out, {**summary, "runs": starts}, shown=summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
