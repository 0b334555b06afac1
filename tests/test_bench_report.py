"""The benchmarks' tables in the committed documents, made from bench/results (bench/report.py)."""

import json

from tests.paths import ROOT


def test_benchreport001_committed_documents_carry_the_committed_results():
    """A benchmark figure in docs/development.md cannot go stale: rerunning a benchmark and then
    `python -m bench.report --update docs/development.md` rewrites it; this fails until that has run."""
    from bench.report import TABLES, blocks
    from ml.study.report import BLOCK, fill_blocks

    document = (ROOT / "docs" / "development.md").read_text()
    assert {m["name"] for m in BLOCK.finditer(document)} == set(TABLES)
    assert fill_blocks(document, blocks()) == document, "run `python -m bench.report --update docs/development.md`"


def test_benchreport002_a_rerun_benchmark_rewrites_its_table_and_names_its_machine(tmp_path):
    from bench.report import RESULTS, blocks, main

    results = tmp_path / "results"
    results.mkdir()
    for name in ("serve.json", "interaction.json", "upload.json"):
        (results / name).write_text((RESULTS / name).read_text())
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
