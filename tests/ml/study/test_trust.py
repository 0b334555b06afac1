"""The client's trust targets judged from the artifacts' evidence (ml/study/trust.py), on the page and in the report."""

import json
from dataclasses import asdict

from ml.artifacts.folder import load_manifest
from ml.artifacts.schema import Manifest
from ml.cli import main
from ml.models.cnn_config import overrides_of, preset_config
from ml.study import trust
from tests.manifests import calibration, cell, manifest, model, summary, threshold
from tests.paths import ROOT


def _manifest(cnn_ece=0.013, svm_ece=0.04, coverage=0.72, accuracy=0.9875, mean=0.86, worst=0.76, product=0.89):
    """The manifest's JSON, for a test to change before it is read (_verdicts)."""
    config = {**asdict(preset_config("full", corrupt_probability=0.3)), "seed": 4}
    config["widths"] = list(config["widths"])  # as JSON gives it back
    return manifest({
        "cnn": model(config=config, calibration=calibration(0.19, cnn_ece, 0.5),
                     training={"reason": "schedule_finished", "epochs_planned": 40, "epochs_run": 40,
                               "best_epoch": 40, "train_seconds": 4000, "machine": "AMD EPYC"},
                     auto_sort={"thresholds": [threshold(0.9, 0.96, 0.95), threshold(coverage, accuracy)]}),
        "hog_svm": model(calibration=calibration(0.08, svm_ece, 0.5), auto_sort={"thresholds": []})},
        robustness={"file": "experiments/robustness.json", "images": 10000, "models": {"cnn": {
            "clean_accuracy": 0.9, "clean_ece": 0.01, "mean_accuracy": mean, "product_on_white": product,
            "worst_middle": {"corruption": "pixelate", "severity": 12, "accuracy": worst}}}}).to_json()


def _verdicts(data):
    return trust.trust_verdicts(Manifest.model_validate(data))


def _status(data, title_start):
    return next(v for v in _verdicts(data) if v["title"].startswith(title_start))["status"]


def _seeds(data, recipe_values, recipe_overrides, schedule="40 epochs"):
    def seeds_cell(overrides, values):
        return cell(preset="full", overrides=overrides, schedule=schedule, train_images=50000,
                    accuracy=summary(values), train_seconds=summary([1650.0] * len(values)))
    data["experiments"] = {"cnn_seeds": {"file": "experiments/cnn_seeds.json", "cells": [
        seeds_cell({}, [0.92, 0.92, 0.92]), seeds_cell(recipe_overrides, recipe_values)]}}
    return data


def test_trust001_calibration_target_holds_for_the_cnn_and_every_model():
    assert _status(_manifest(), "Confidence means") == "supported"
    assert _status(_manifest(cnn_ece=0.031), "Confidence means") == "refuted"
    assert _status(_manifest(svm_ece=0.051), "Confidence means") == "refuted"
    uncalibrated = _manifest()
    del uncalibrated["models"]["hog_svm"]["calibration"]
    assert _status(uncalibrated, "Confidence means") == "open"


def test_trust002_auto_sort_target_needs_coverage_and_the_measured_accuracy_near_the_target():
    assert _status(_manifest(), "At 99% accuracy") == "supported"
    assert _status(_manifest(coverage=0.672, accuracy=0.9883), "At 99% accuracy") == "refuted"
    assert _status(_manifest(accuracy=0.984), "At 99% accuracy") == "refuted"  # 0.6 points short
    assert _status(_manifest(accuracy=0.996), "At 99% accuracy") == "refuted"  # a threshold far too strict
    unreachable = _manifest()
    unreachable["models"]["cnn"]["auto_sort"]["thresholds"].pop()  # 99% never reached on held-out photos
    assert _status(unreachable, "At 99% accuracy") == "refuted"
    unreachable["models"]["cnn"]["auto_sort"]["thresholds"] = []
    assert _status(unreachable, "At 99% accuracy") == "open"


def test_trust003_damaged_and_product_photos_judged_from_the_robustness_summary():
    assert _status(_manifest(), "The CNN holds up") == "supported"
    assert _status(_manifest(mean=0.8266), "The CNN holds up") == "refuted"
    assert _status(_manifest(worst=0.749), "The CNN holds up") == "refuted"
    assert _status(_manifest(), "A product photographed") == "supported"
    assert _status(_manifest(product=0.87), "A product photographed") == "refuted"
    assert _status(_manifest(product=None), "A product photographed") == "open"  # summarised before it existed
    never_run = _manifest()
    del never_run["robustness"]
    assert {_status(never_run, t) for t in ("The CNN holds up", "A product photographed")} == {"open"}


def test_trust004_the_served_recipe_is_judged_on_its_own_runs_from_scratch():
    title = "The served CNN's recipe"
    verdicts = {v["title"]: v for v in _verdicts(_manifest())}
    untested = next(v for t, v in verdicts.items() if t.startswith(title))
    assert untested["status"] == "open" and "--cnn '{\"corrupt_probability\": 0.3}'" in untested["evidence"][0]
    assert _status(_seeds(_manifest(), [0.91, 0.906, 0.90], {"corrupt_probability": 0.3}), title) == "supported"
    assert _status(_seeds(_manifest(), [0.90, 0.895, 0.90], {"corrupt_probability": 0.3}), title) == "refuted"
    assert _status(_seeds(_manifest(), [0.91], {"corrupt_probability": 0.3}), title) == "open"  # 1 of 3 seeds
    # the plain recipe's 92% says nothing of the served one, nor do runs of another damage rate or schedule
    assert _status(_seeds(_manifest(), [0.91, 0.91, 0.91], {"corrupt_probability": 0.5}), title) == "open"
    assert _status(_seeds(_manifest(), [0.91] * 3, {"corrupt_probability": 0.3}, "20 epochs"), title) == "open"
    budgeted = _manifest()  # trained on a wall-time budget: there is no schedule to repeat
    del budgeted["models"]["cnn"]["training"]
    assert _status(_seeds(budgeted, [0.91] * 3, {"corrupt_probability": 0.3}), title) == "open"


def test_trust005_without_a_cnn_every_target_is_open():
    data = _manifest()
    del data["models"]["cnn"]
    data["robustness"]["models"] = {}
    assert {v["status"] for v in _verdicts(data)} == {"open"}


def test_trust006_report_and_page_state_the_verdicts_of_the_artifacts(tiny_artifacts, capsys, make_app, text_of,
                                                                       services_of):
    from callbacks.navigation import page_for

    _, out = tiny_artifacts
    verdicts = trust.trust_verdicts(load_manifest(out))
    assert main(["report", str(out)]) == 0
    printed = capsys.readouterr().out
    app = make_app(out)
    with app.server.app_context():
        page = text_of(page_for("/hypotheses", services_of(app)))
    for item in verdicts:
        assert f"- **{item['title']}.** {item['verdict']}" in printed
        assert item["title"] in page and item["verdict"] in page


def test_trust007_committed_artifacts_are_judged_without_gaps():
    """Every target is judged from the committed artifacts. The one gap allowed is the served recipe's seeds
    when the served CNN was retrained after them, and then the evidence names the bench run that fills it,
    with the served CNN's own settings."""
    committed = load_manifest(ROOT / "artifacts")
    served = committed.models["cnn"]
    for item in trust.trust_verdicts(committed):
        if item["status"] == "open":
            assert item["title"].startswith("The served CNN's recipe"), item
            assert served.training, "the served CNN must be trained on a fixed schedule"
            command = next(line for line in item["evidence"] if "`python -m bench.train_bench" in line)
            assert "python -m bench.train_bench --preset full --seeds 0 1 2" in command
            for key, value in overrides_of(served.config, "full").items():
                assert key == "epochs" or f'"{key}": {json.dumps(value)}' in command, (key, command)
        else:
            assert item["status"] in ("supported", "refuted"), item
