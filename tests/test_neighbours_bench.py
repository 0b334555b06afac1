"""bench/neighbours_bench.py runs on indexed artifacts and reports memory and each step's time."""

from bench import neighbours_bench


def test_neighbours_bench001_reports_the_index_and_each_steps_time(indexed_artifacts, monkeypatch, tmp_path):
    _, out = indexed_artifacts
    saved = {}
    monkeypatch.setattr(neighbours_bench, "save", lambda path, results: saved.update(results))
    results = neighbours_bench.main(["--artifacts", str(out), "--repeats", "5"])
    assert results == saved
    assert results["index"]["images"] > 0 and results["index"]["memory_mb"] > 0
    for step in ("prediction", "features", "search"):
        assert 0 < results[step]["median_ms"] <= results[step]["p95_ms"]
    assert results["search_vs_prediction"] > 0
