"""The robustness benchmark (ml/evaluation/robustness.py, `python -m ml robustness`) on tiny artifacts."""

import json

import pytest

from ml.artifacts.folder import load_manifest
from ml.cli import main
from ml.data.corruptions import CLEAN
from ml.evaluation.robustness import RESULTS_FILE, summarise


def test_robustness001_every_model_kind_and_severity_recorded_and_validated(artifacts_copy):
    data, out = artifacts_copy
    assert main(["robustness", "--data", str(data), "--out", str(out), "--corruptions", "gaussian_blur",
                 "product_white"]) == 0
    manifest = load_manifest(out)
    rows = json.loads((out / RESULTS_FILE).read_text())["rows"]
    models = list(manifest.models)
    assert {(r["model"], r["corruption"]) for r in rows} == {(m, k) for m in models
                                                              for k in (CLEAN, "gaussian_blur", "product_white")}
    assert len(rows) == len(models) * (1 + 3 + 3)
    for model in models:
        clean = next(r for r in rows if r["model"] == model and r["corruption"] == CLEAN)
        assert clean["accuracy"] == pytest.approx(manifest.models[model].metrics.accuracy, abs=1e-9)
    assert set(manifest.robustness.models) == set(models)
    assert main(["validate", str(out)]) == 0


def test_robustness002_summary_finds_the_worst_corruption_at_middle_severity():
    rows = [{"model": "m", "corruption": CLEAN, "severity": 0.0, "accuracy": 0.9, "ece": 0.05},
            {"model": "m", "corruption": "jpeg", "severity": 30, "accuracy": 0.85},
            {"model": "m", "corruption": "jpeg", "severity": 15, "accuracy": 0.80},
            {"model": "m", "corruption": "jpeg", "severity": 8, "accuracy": 0.40},
            {"model": "m", "corruption": "gaussian_blur", "severity": 1.0, "accuracy": 0.6}]
    summary = summarise(rows)["m"]
    assert summary["clean_accuracy"] == 0.9 and summary["mean_accuracy"] == pytest.approx((0.85 + 0.8 + 0.4 + 0.6) / 4)
    assert summary["worst_middle"] == {"corruption": "gaussian_blur", "severity": 1.0, "accuracy": 0.6}
    assert summary["product_on_white"] is None  # not run: unknown, not zero
    framed = summarise(rows + [{"model": "m", "corruption": "product_white", "severity": s, "accuracy": a}
                               for s, a in ((0.75, 0.88), (0.5, 0.83), (0.33, 0.7))])["m"]
    assert framed["product_on_white"] == 0.83


def test_robustness003_unknown_models_are_named(artifacts_copy, capsys):
    data, out = artifacts_copy
    assert main(["robustness", "--data", str(data), "--out", str(out), "--models", "nope"]) != 0
    assert "--models" in capsys.readouterr().err


def test_robustness004_each_row_checks_the_calibrated_thresholds_under_the_corruption(artifacts_copy):
    from ml.evaluation.auto_sort import calibrated_thresholds

    data, out = artifacts_copy
    assert main(["robustness", "--data", str(data), "--out", str(out), "--corruptions", "gaussian_noise"]) == 0
    manifest = load_manifest(out)
    rows = json.loads((out / RESULTS_FILE).read_text())["rows"]
    for row in rows:
        targets = [t.target for t in calibrated_thresholds(manifest.models[row["model"]])]
        assert [a["target"] for a in row["auto_sort"]] == targets
        for check in row["auto_sort"]:
            assert 0 <= check["coverage"] <= 1 and (check["accuracy"] is None or 0 <= check["accuracy"] <= 1)


def test_robustness005_the_chart_hover_says_whether_the_target_still_holds():
    from dash_app.figures.performance import robustness_figure

    rows = [{"model": "cnn", "corruption": CLEAN, "severity": 0.0, "accuracy": 0.9, "ece": 0.02,
             "auto_sort": [{"target": 0.99, "coverage": 0.7, "accuracy": 0.991}]},
            {"model": "cnn", "corruption": "gaussian_blur", "severity": 1.0, "accuracy": 0.6, "ece": 0.2,
             "auto_sort": [{"target": 0.99, "coverage": 0.2, "accuracy": 0.93}]}]
    bar = robustness_figure(rows, ["cnn"], 1).data[0]
    assert bar.customdata[1][2] == "<br>at the 99.0% target: 20.0% sorted, 93.0% of them right"
    assert robustness_figure(rows, ["cnn"], 1, target=0.95).data[0].customdata[1][2] == ""


def test_robustness006_a_run_for_some_models_keeps_the_others_while_they_are_unchanged(artifacts_copy):
    data, out = artifacts_copy
    models = list(load_manifest(out).models)
    assert main(["robustness", "--data", str(data), "--out", str(out), "--corruptions", "gaussian_blur"]) == 0
    before = json.loads((out / RESULTS_FILE).read_text())["rows"]
    assert main(["robustness", "--data", str(data), "--out", str(out), "--models", "cnn",
                 "--corruptions", "gaussian_blur"]) == 0
    after = json.loads((out / RESULTS_FILE).read_text())["rows"]
    assert sorted(json.dumps(r, sort_keys=True) for r in after) == sorted(json.dumps(r, sort_keys=True) for r in before)
    assert set(load_manifest(out).robustness.models) == set(models)

    manifest = json.loads((out / "manifest.json").read_text())  # hog_logreg recalibrated: its rows are stale
    manifest["models"]["hog_logreg"]["calibration"]["temperature"] *= 2
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert main(["robustness", "--data", str(data), "--out", str(out), "--models", "cnn",
                 "--corruptions", "gaussian_blur"]) == 0
    assert {r["model"] for r in json.loads((out / RESULTS_FILE).read_text())["rows"]} == set(models) - {"hog_logreg"}
    assert main(["validate", str(out)]) == 0
