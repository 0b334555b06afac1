"""Benchmark results: written as JSON under bench/results with the machine they were measured on."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ml.cpu import cpu_description


def save(out: Path, results: dict, shown: dict | None = None) -> None:
    """Write `results` (with this machine's description) to `out`, and print `shown` (default: all)."""
    results = {"machine": {"cpu": cpu_description(), "cpus": os.cpu_count(), "python": sys.version.split()[0]}, **results}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results if shown is None else shown, indent=1))
