"""The serving benchmarks' committed results as markdown tables, for the documents that quote them.

    python -m bench.report                                          # print every table
    python -m bench.report --update docs/development.md docs/serving.md

Each table is read from what the benchmark's last run wrote under bench/results, with the machine it
ran on, so a document's figures change only when a benchmark is rerun and this is run after it; a test
fails when a committed document's tables differ from the results. Blocks are marked as `python -m ml
report` marks its own (`<!-- bench serve -->` ... `<!-- /bench serve -->`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.gunicorn_server import ROOT
from ml.study.report import fill_blocks

RESULTS = ROOT / "bench" / "results"
CONTROL_P95_FLOOR_MS = 300  # a filter change, as the dashboard issue sets it
FIRST_RENDER_FLOOR_S = 2.0


def machine(results: dict) -> str:
    described = results["machine"]
    return described.get("cpu") or f"{described['cpus']} cores (CPU model not recorded)"


def serve_table(results: dict) -> str:
    one, load = results["single_worker"], results["load"]
    growth = max(load["rss_growth_mb"].values())
    rows = [
        ("start to first page served (gunicorn, 1 worker)", f"{one['startup_to_first_page_content_s']:.2f} s", "≤ 5 s"),
        ("one worker's memory after warm-up: its own heap (resident, with the cached photos' shared pages)",
         f"{_private(one)} ({max(one['worker_rss_after_warmup_mb']):.0f} MB)", "≤ 400 MB its own"),
        ("filter change on the performance page, warm, over HTTP", f"p95 {one['filter_change']['p95_ms']:.1f} ms", "≤ 100 ms"),
        ("`POST /api/predict`, 12-megapixel JPEG (every model)", f"p95 {one['predict_12mp_jpeg']['p95_ms']:.1f} ms", "≤ 300 ms"),
        ("`POST /api/predict`, 32×32 PNG (every model)", f"p95 {one['predict_32px_png']['p95_ms']:.1f} ms", "≤ 30 ms"),
        (f"{load['clients']} concurrent clients for {load['duration_s']} s, {load['workers']} workers",
         f"{load['ok']:,} requests, {load['failed']} failed, memory growth ≤ {growth:.1f} MB per worker",
         "no failure, no growth"),
    ]
    return _table(rows, results)


def _private(single_worker: dict) -> str:
    private = single_worker.get("worker_private_after_warmup_mb")
    return f"{max(private):.0f} MB" if private else "not recorded"


def interaction_table(results: dict) -> str:
    summary, controls = results["summary"], results["warm_controls"]
    renders = results["first_render_new_worker"]
    slowest_page = max(renders, key=lambda page: renders[page]["seconds"])
    rows = [
        (f"slowest of {summary['controls']} controls, each set {controls[summary['slowest_control']]['n']} times, warm",
         f"p95 {summary['slowest_control_p95_ms']:.0f} ms (`{summary['slowest_control']}`)", f"≤ {CONTROL_P95_FLOOR_MS} ms"),
        ("slowest first render on a new worker, HTML to settled",
         f"{summary['slowest_first_render_s']:.2f} s (`{slowest_page}`)", f"≤ {FIRST_RENDER_FLOOR_S:g} s"),
    ]
    for page, render in results.get("first_render_fresh_deploy", {}).items():
        rows.append((f"a fresh deploy's first visit to `{page}` (the test split decoded for its photos, once per host)",
                     f"{render['seconds']:.2f} s", "reported"))
    rows.append(("errors", str(len(summary["errors"])), "none"))
    return _table(rows, results)


def upload_table(results: dict) -> str:
    one, two = results["one_worker"], results["two_workers"]
    floor = results["floor_s"]
    photos = f"{results['photos_per_upload']} photos of {results['photo_bytes'] / 1e6:.1f} MB"
    rows = [
        (f"1 worker, 1 client posting {photos} for {one['duration_s']:g} s: longest wait of {one['other_requests']['n']} "
         "other requests", f"{one['other_requests']['max_ms'] / 1000:.2f} s (uploads p50 {one['uploads']['p50_ms'] / 1000:.2f} s)",
         f"≤ {floor:g} s"),
        (f"2 workers, 2 clients posting without pause for {two['duration_s']:g} s: 95th percentile of "
         f"{two['other_requests']['n']} other requests", f"{two['other_requests']['p95_ms'] / 1000:.3f} s",
         f"≤ {floor:g} s"),
    ]
    return _table(rows, results)


TABLES = {"bench serve": ("serve.json", serve_table), "bench interaction": ("interaction.json", interaction_table),
          "bench upload": ("upload.json", upload_table)}


def blocks(results_dir: Path = RESULTS) -> dict[str, str]:
    """Each block's table, from the results in `results_dir`."""
    return {name: build(json.loads((results_dir / file).read_text())) for name, (file, build) in TABLES.items()}


def _table(rows: list[tuple[str, str, str]], results: dict) -> str:
    lines = ["| What | Measured | Floor |", "|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + f"\n\nMeasured on {machine(results)}."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--update", nargs="+", type=Path, metavar="DOCUMENT",
                        help="rewrite each `<!-- bench ... -->` block of these documents instead of printing")
    args = parser.parse_args(argv)
    tables = blocks(args.results)
    if not args.update:
        print("\n\n".join(f"## {name}\n\n{table}" for name, table in tables.items()))
    for document in args.update or ():
        document.write_text(fill_blocks(document.read_text(), tables, str(document)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
