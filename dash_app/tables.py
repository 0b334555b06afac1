"""Tables and their CSV downloads (figures live in dash_app.figures)."""

from __future__ import annotations

import csv
import io

from ml.artifacts.schema import Manifest
from ml.models.registry import display_name, technical_name


def rows_csv(rows: list[dict]) -> str:
    """Table rows (dicts with the same keys) as CSV text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else [])
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def models_table_rows(manifest: Manifest, models) -> list[dict]:
    """One row per model of `models` for the comparison table and its CSV (accuracy and macro-F1 as
    fractions: the table shows them as percentages)."""
    rows = []
    for key in models:
        entry = manifest.models[key]
        speed = entry.inference
        rows.append({
            "model": display_name(key),
            "method": technical_name(key),
            "accuracy": round(entry.metrics.accuracy, 4),
            "macro_f1": round(entry.metrics.macro_f1, 4),
            "size_mb": round(entry.size_bytes / 1e6, 2),
            "train_minutes": round(entry.train_seconds / 60, 1),
            "latency_ms": round(speed.latency_ms_p50, 2),
            "throughput_ips": round(speed.throughput_ips),
            "runtime": speed.runtime,
        })
    return rows
