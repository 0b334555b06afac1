"""Inference speed, measured the same way for every model: one-image latency and batched throughput."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from ml.cpu import cpu_description


def measure_speed(predict: Callable[[np.ndarray], np.ndarray], images: np.ndarray, *,
                  single_runs: int = 200, batch_size: int = 1000, batch_runs: int = 3,
                  max_seconds: float = 30.0) -> dict:
    """One-image latency (p50 / p95, ms) and batched throughput (images/s) of `predict`."""
    predict(images[:1])  # warm-up: graph optimisation, thread pools
    latencies = []
    deadline = time.perf_counter() + max_seconds / 2
    for i in range(single_runs):
        image = images[i % len(images)][None]
        start = time.perf_counter()
        predict(image)
        latencies.append(time.perf_counter() - start)
        if time.perf_counter() > deadline and len(latencies) >= 10:
            break
    batch = images[:batch_size]
    rates = []
    deadline = time.perf_counter() + max_seconds / 2
    for _ in range(batch_runs):
        start = time.perf_counter()
        predict(batch)
        rates.append(len(batch) / (time.perf_counter() - start))
        if time.perf_counter() > deadline:
            break
    ms = np.array(latencies) * 1000
    return {"latency_ms_p50": float(np.percentile(ms, 50)), "latency_ms_p95": float(np.percentile(ms, 95)),
            "latency_runs": len(ms), "throughput_ips": float(max(rates)), "batch_size": len(batch),
            "cpu": cpu_description()}
