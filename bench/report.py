"""The benchmarks' committed results as markdown tables, for the documents that quote them.

    python -m bench.report                                          # print every table
    python -m bench.report --update docs/development.md docs/serving.md

Each table is read from what the benchmark's last run wrote under bench/results, with the machine it
ran on, so a document's figures change only when a benchmark is rerun and this is run after it; a test
fails when a committed document's tables differ from the results. Blocks are marked as `python -m ml
report` marks its own (`<!-- bench serve -->` ... `<!-- /bench serve -->`). A benchmark that measured
the served models says whether they are still the ones in artifacts/.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.gunicorn_server import ROOT
from ml.artifacts.folder import load_manifest
from ml.evaluation.robustness import model_fingerprint
from ml.models.registry import technical_name
from ml.study.markdown import fill_blocks, table

RESULTS = ROOT / "bench" / "results"
ARTIFACTS = ROOT / "artifacts"
CONTROL_P95_FLOOR_MS = 300  # a filter change, as the dashboard issue sets it
FIRST_RENDER_FLOOR_S = 2.0


def machine(results: dict) -> str:
    described = results["machine"]
    if isinstance(described, str):  # written before benchmarks recorded the CPU model
        return f"{described} (CPU model not recorded)"
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


def neighbours_table(results: dict) -> str:
    index, search = results["index"], results["search"]
    rows = [
        (f"the index of {index['images']:,} training photos ({index['dimensions']} dimensions), in memory",
         f"{index['memory_mb']:.1f} MB (a {index['file_mb']:.1f} MB file)"),
        ("one search for the nearest training photos", f"median {search['median_ms']:.2f} ms (p95 {search['p95_ms']:.2f} ms)"),
        ("one prediction of the served model", f"median {results['prediction']['median_ms']:.2f} ms"),
        ("its features (one more run of the model)", f"median {results['features']['median_ms']:.2f} ms"),
        ("a search against a prediction", f"{results['search_vs_prediction']:.2f}×"),
    ]
    return _table(rows, results, note=served_note(results))


def lifecycle_table(results: dict) -> str:
    starts = results["starts"]
    rows = [(f"starts with a failed request among {results['parallel_first_requests']} sent as the port opens",
             f"{results['starts_with_a_failed_first_request']} of {starts}", "none"),
            ("starts with a worker aborted at SIGTERM", f"{results['starts_with_an_aborted_worker']} of {starts}", "none"),
            ("starts that exited non-zero", f"{results['starts_with_a_nonzero_exit']} of {starts}", "none"),
            ("slowest stop after SIGTERM", f"{results['max_stop_s']:.1f} s", "reported")]
    return _table(rows, results)


def slow_clients_table(results: dict) -> str:
    rows = []
    for server, seen in results["servers"].items():
        p95 = seen["p95_ms_answered"]
        rows.append((f"{server}: health probes answered within 1 s while {results['slow_clients']} clients send "
                     "their headers a byte every half second",
                     f"{seen['answered_within_1s']} of {seen['probes']}" + (f" (p95 {p95:.1f} ms)" if p95 else "")))
    return _table(rows, results)


def batchnorm_table(results: dict) -> str:
    speed = results["median_images_per_s"]
    rows = [("Keras's BatchNormalization", f"{speed['keras']:,.0f} images/s"),
            ("the fused kernel (`FusedBatchNorm`)", f"{speed['fused']:,.0f} images/s ({results['speed_up']:.1f}×)")]
    return _table(rows, results, what="BatchNorm layer", note=(
        f"Training speed on {results['images']:,} random images: the median of every epoch after the first, "
        f"{results['rounds']} run{'s' if results['rounds'] > 1 else ''} of {results['epochs']} epochs of each layer, "
        "one after the other."))


def width_table(results: dict) -> str:
    rows = [("/".join(map(str, row["widths"])), str(row["tta"]), f"{row['latency_ms_p50']:.2f} ms",
             f"{row['throughput_ips']:,.0f} img/s", f"{row['throughput_vs_recipe']:.2f}×") for row in results["rows"]]
    return table(["Widths", "Test-time augmentation", "One image (p50)", "Batched",
                  "Against the recipe with the mirror"], rows) + f"\n\nServing floors: {results['floor_latency_ms']:g} ms for one image, " \
        f"{results['floor_throughput_ips']:,} images/s batched. Measured on {machine(results)}."


TRIM_SETS = {"high_resolution_test": "test split, upscaled to {size} px", "product_white_50": "product on white, half the width",
             "product_white_33": "product on white, a third of the width",
             "product_grey_50": "product on light grey, half the width",
             "product_grey_33": "product on light grey, a third of the width"}


def trim_table(results: dict, artifacts: Path = ARTIFACTS) -> str:
    models = list(results["model_fingerprints"])
    rows = [(label.format(size=results["photo_size"]),
             f"{results[name]['changed_by_trimming']:,} of {results[name]['images']:,}",
             *(f"{results[name]['models'][key]['accuracy_trimmed']:.2%} "
               f"({results[name]['models'][key]['accuracy_untrimmed']:.2%})" for key in models))
            for name, label in TRIM_SETS.items()]
    return table(["Photos", "Changed by trimming", *(technical_name(key) for key in models)], rows) + "\n\nAccuracy with trimming (without it in brackets). " + served_note(results, artifacts) \
        + f" Measured on {machine(results)}."


def served_note(results: dict, artifacts: Path = ARTIFACTS) -> str:
    """Whether the models a benchmark measured (by the fingerprints it recorded) are those served now."""
    measured = results.get("model_fingerprints")
    if not measured:
        return "Which models were measured was not recorded."
    manifest = load_manifest(artifacts, verify=False)  # the digests it records are what the fingerprints compare
    changed = [technical_name(key) for key, digest in measured.items()
               if key not in manifest.models or model_fingerprint(manifest, key) != digest]
    return ("The models measured are the ones served now." if not changed else
            "Measured on earlier versions of models served now (" + ", ".join(changed) +
            "): rerun the benchmark for today's.")


def classify_table(results: dict) -> str:
    local, ray, scaled = results["local"], results["ray"], results["scaled"]
    limit = results["shared_core_limit_ips"]
    first = scaled["first_part"]
    rows = [
        (f"decoding only ({results['photo_size'][0] * results['photo_size'][1] / 1e6:g} MP JPEG → 32×32, "
         f"{results['cores']} cores)", f"{results['decode_only_ips']:,.0f}", ""),
        (f"classifying only (decoded images, {results['cores']} cores)", f"{results['inference_only_ips']:,.0f}", ""),
        (f"both sharing the cores: the machine's limit, 1 / (1/{results['decode_only_ips']:,.0f} + "
         f"1/{results['inference_only_ips']:,.0f})", f"{limit:,.0f}", ""),
        (f"local engine, {local['photos']:,} photos, steady rate after its {local['startup_seconds']:.1f} s start-up",
         f"{local['steady_ips']:,.0f}", f"{local['steady_fraction_of_limit']:.0%} of the limit"),
        (f"local engine, {local['photos']:,} photos, whole run", f"{local['ips']:,.0f}",
         f"{local['fraction_of_limit']:.0%} of the limit"),
        (f"local engine, {first['photos']:,} photos, whole run (start-up included)", f"{first['ips']:,.0f}", ""),
        (f"Ray engine, {ray['photos']:,} photos, steady rate after its {ray['startup_seconds']:.1f} s start-up",
         f"{ray['steady_ips']:,.0f}", f"{ray['steady_fraction_of_local']:.0%} of the local engine's"),
        (f"Ray engine, {ray['photos']:,} photos, whole run", f"{ray['ips']:,.0f}",
         f"{ray['fraction_of_local']:.0%} of the local engine's"),
    ]
    same = "wrote identical results" if ray["identical_rows"] else "wrote different results"
    once = "every photo exactly once, in order" if scaled["every_photo_once_in_order"] else "photos lost or repeated"
    return table(["What", "Photos/s", ""], rows) + (
        f"\n\nBoth engines {same}. A list of {scaled['photos']:,} photos was killed at {scaled['killed_at_rows']:,} "
        f"rows and resumed: {once}, with a peak memory of {scaled['peak_rss_mb']:.0f} MB for the command and its "
        f"processes against {local['peak_rss_mb']:.0f} MB for {local['photos']:,} photos "
        f"({scaled['peak_rss_vs_unscaled']:.2f}×). {served_note(results)} Measured on {machine(results)}.")


TABLES = {"bench serve": ("serve.json", serve_table), "bench interaction": ("interaction.json", interaction_table),
          "bench upload": ("upload.json", upload_table), "bench neighbours": ("neighbours.json", neighbours_table),
          "bench lifecycle": ("lifecycle.json", lifecycle_table),
          "bench slow clients": ("slow_clients.json", slow_clients_table),
          "bench batchnorm": ("batchnorm.json", batchnorm_table), "bench width": ("width.json", width_table),
          "bench trim": ("trim.json", trim_table), "bench classify": ("classify.json", classify_table)}


def blocks(results_dir: Path = RESULTS) -> dict[str, str]:
    """Each block's table, from the results in `results_dir`."""
    return {name: build(json.loads((results_dir / file).read_text())) for name, (file, build) in TABLES.items()}


def _table(rows: list[tuple[str, ...]], results: dict, what: str = "What", note: str = "") -> str:
    """Rows of (what, measured) or (what, measured, floor), a note, and the machine that measured them."""
    header = [what, "Measured", "Floor"][:len(rows[0])]
    return table(header, rows) + "\n\n" + (f"{note} " if note else "") + f"Measured on {machine(results)}."


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
