"""The benchmarks' tables in the committed documents, made from bench/results (bench/report.py)."""

import json

from tests.paths import ROOT


DOCUMENTS = ("development.md", "serving.md")


def test_benchreport001_committed_documents_carry_the_committed_results():
    """A benchmark figure in docs/development.md or docs/serving.md cannot go stale: rerunning a benchmark
    and then `python -m bench.report --update docs/development.md docs/serving.md` rewrites it; this fails
    until that has run. Every benchmark's table is in one of them."""
    from bench.report import TABLES, blocks
    from ml.study.markdown import BLOCK, fill_blocks

    tables, shown = blocks(), []
    for name in DOCUMENTS:
        document = (ROOT / "docs" / name).read_text()
        shown += [m["name"] for m in BLOCK.finditer(document)]
        assert fill_blocks(document, tables) == document, \
            "run `python -m bench.report --update docs/development.md docs/serving.md`"
    assert sorted(shown) == sorted(TABLES)


def test_benchreport002_a_rerun_benchmark_rewrites_its_table_and_names_its_machine(tmp_path):
    from bench.report import RESULTS, blocks, main

    results = tmp_path / "results"
    results.mkdir()
    for path in RESULTS.glob("*.json"):
        (results / path.name).write_text(path.read_text())
    upload = json.loads((results / "upload.json").read_text())
    upload["machine"]["cpu"] = "Test CPU, 64 cores, amx"
    upload["two_workers"]["other_requests"]["p95_ms"] = 412.0
    (results / "upload.json").write_text(json.dumps(upload))

    table = blocks(results)["bench upload"]
    assert "| 0.412 s | ≤ 0.5 s |" in table and table.endswith("Measured on Test CPU, 64 cores, amx.")
    document = tmp_path / "doc.md"
    document.write_text("intro\n<!-- bench upload -->\nold\n<!-- /bench upload -->\nend\n")
    assert main(["--results", str(results), "--update", str(document)]) == 0
    assert document.read_text() == f"intro\n<!-- bench upload -->\n{table}\n<!-- /bench upload -->\nend\n"


def test_benchreport003_a_benchmark_of_the_served_models_says_whether_they_are_still_served(tmp_path):
    from bench.report import RESULTS, trim_table
    from ml.artifacts.folder import load_manifest
    from ml.evaluation.robustness import model_fingerprint

    manifest = load_manifest(ROOT / "artifacts")
    results = json.loads((RESULTS / "trim.json").read_text())
    results["model_fingerprints"] = {key: model_fingerprint(manifest, key) for key in manifest.models}
    for found in (v for v in results.values() if isinstance(v, dict) and "models" in v):
        found["models"] = {key: found["models"]["cnn"] for key in manifest.models}
    assert "The models measured are the ones served now." in trim_table(results)

    results["model_fingerprints"]["hog_svm"] = "0" * 64
    table = trim_table(results)
    assert "Measured on earlier versions of models served now (HOG + SVM): rerun" in table
    assert "| 157 of 10,000 |" in table
