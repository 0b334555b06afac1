"""Evaluation shared by every model: metrics from probabilities, and inference speed."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from ml.cpu import cpu_description


def predicted_classes(proba: np.ndarray) -> np.ndarray:
    """Each image's predicted class, with the one tie-break used everywhere: the highest float32
    probability, the lowest class index among equals. Stored with the probabilities, so that
    nothing downstream re-derives it from rounded values."""
    return np.asarray(proba, np.float32).argmax(axis=1).astype(np.int16)


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, class_names) -> dict:
    """Accuracy, macro and per-class precision / recall / F1 and the confusion matrix, from the
    predicted classes."""
    labels = np.arange(len(class_names))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    macro = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="macro",
                                            zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_precision": float(macro[0]),
        "macro_recall": float(macro[1]),
        "macro_f1": float(macro[2]),
        "n_test": int(len(y_true)),
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]),
                   "f1": float(f1[i]), "support": int(support[i])}
            for i, name in enumerate(class_names)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


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
