"""Slow clients against the served app: do they stall everyone else?

    python -m bench.slow_clients_bench [--slow 10] [--seconds 20]

Starts gunicorn as the Procfile does (gevent workers, from gunicorn.conf.py) and, in the same run
for comparison, with the gthread workers the project used before (4 threads each). In each, `slow`
clients open connections to loopback and send their request headers one byte at a time, while a
prober sends GET /api/health every 50 ms with a 1-second timeout. Reports the share of probes
answered within 1 s and their latency; writes bench/results/slow_clients.json. Bounded: every
loop ends after `seconds`, and only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import requests

from bench.gunicorn_server import ROOT, Server
from bench.results_file import save

RESULTS = Path(__file__).parent / "results" / "slow_clients.json"
WORKER_CLASSES = {"gevent (gunicorn.conf.py)": (), "gthread, 4 threads (before)": ("--worker-class", "gthread",
                                                                                    "--threads", "4")}


@contextmanager
def slow_clients(port: int, count: int, byte_every_s: float = 0.5):
    """`count` connections that trickle a request's headers, one byte every `byte_every_s`, until
    the block ends."""
    stop = threading.Event()
    request = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 10_000

    def trickle():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for byte in request:
                if stop.wait(byte_every_s):
                    return
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    return

    threads = [threading.Thread(target=trickle, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(byte_every_s * 2)  # every slow connection is open and has started its request
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def probe(url: str, seconds: float, every_s: float = 0.05, timeout_s: float = 1.0) -> list[float | None]:
    """GET /api/health repeatedly for `seconds`; each probe's latency, None when it failed or took
    longer than `timeout_s`."""
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        try:
            ok = requests.get(url + "/api/health", timeout=timeout_s).status_code == 200
        except requests.RequestException:
            ok = False
        elapsed = time.perf_counter() - start
        latencies.append(elapsed if ok and elapsed <= timeout_s else None)
        time.sleep(every_s)
    return latencies


def summarise(latencies: list[float | None]) -> dict:
    answered = [t for t in latencies if t is not None]
    ms = np.array(answered) * 1000

    def percentile(q):
        return round(float(np.percentile(ms, q)), 2) if answered else None

    return {"probes": len(latencies), "answered_within_1s": len(answered),
            "share_within_1s": round(len(answered) / len(latencies), 4),
            "p50_ms_answered": percentile(50), "p95_ms_answered": percentile(95)}


def measure(artifacts: Path, extra: tuple[str, ...], slow: int, seconds: float) -> dict:
    server = Server(artifacts, workers=2, extra=extra)
    try:
        server.wait_listening()
        requests.get(server.url + "/api/health", timeout=30)  # both workers load their models
        requests.get(server.url + "/api/health", timeout=30)
        with slow_clients(server.port, slow):
            result = summarise(probe(server.url, seconds))
        result["exit_code"], _ = server.stop()
        return result
    finally:
        server.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--slow", type=int, default=10, help="slow clients")
    parser.add_argument("--seconds", type=float, default=20, help="probing time per server")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    save(args.out, {"slow_clients": args.slow, "seconds": args.seconds, "workers": 2,
                    "servers": {name: measure(args.artifacts, extra, args.slow, args.seconds)
                                for name, extra in WORKER_CLASSES.items()}})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
