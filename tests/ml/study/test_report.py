"""Markdown tables for the README (ml/study/report.py)."""

from ml.study.report import learning_curve_table, study_setup_table
from ml.study.setup import AUGMENTATIONS, NO_AUGMENTATION, summarise_study_setup
from tests.manifests import cell, manifest, summary
from tests.paths import ROOT

LIGHT, MEDIUM, _ = AUGMENTATIONS


def _run(variant, seed, test, val):
    return {"train_images": 5000, "variant": variant, "rule": "plateau", "seed": seed, "test_accuracy": test,
            "macro_f1": test - 0.01, "val_accuracy": val, "fit_accuracy": 0.9, "epochs_run": 30, "train_seconds": 240.0,
            "stopped": {"reason": "no_better_validation", "epochs_planned": 300, "epochs_run": 30, "best_epoch": 10,
                        "train_seconds": 240.0, "machine": "AMD EPYC"}}


def test_report001_study_setup_table_marks_the_amount_chosen_on_validation_not_on_test():
    runs = [_run(NO_AUGMENTATION, s, 0.60, 0.60) for s in (0, 1)]
    runs += [_run(LIGHT, s, 0.70, 0.64) for s in (0, 1)]  # better on test, worse on validation
    runs += [_run(MEDIUM, s, 0.66, 0.66) for s in (0, 1)]
    table = study_setup_table(manifest({}, {"study_setup": summarise_study_setup(runs)}))
    lines = table.splitlines()
    assert len(lines) == 2 + 3
    assert f"| 5,000 | plateau | {MEDIUM} (chosen on validation) | 2 | 66.00% (95% CI 66.00%–66.00%) |" in table
    assert f"| 5,000 | plateau | {LIGHT} | 2 | 70.00%" in table
    assert lines[2].endswith("| 60.00% | 90.00% | 30 (10) | 4.0 min |")
    assert study_setup_table(manifest({})) == ""


def test_report002_calibration_and_auto_sort_tables_come_from_the_models_entries(tiny_artifacts):
    from ml.artifacts.folder import load_manifest
    from ml.study.report import auto_sort_table, calibration_table

    _, out = tiny_artifacts
    manifest = load_manifest(out)
    table = calibration_table(manifest)
    cnn = manifest.models["cnn"].calibration
    assert (f"| CNN (Keras → ONNX) | {cnn.temperature:.3f} | {cnn.test_before.ece:.3f} → "
            f"{cnn.test_after.ece:.3f} |") in table
    assert "Fitted on 12 training images held out from every model" in table
    rows = [t for e in manifest.models.values() for t in e.auto_sort.thresholds]
    assert len(auto_sort_table(manifest).splitlines()) == (2 + len(rows) if rows else 0)
    bare = manifest.model_copy(update={"models": {k: e.model_copy(update={"calibration": None, "auto_sort": None})
                                                  for k, e in manifest.models.items()}})
    assert calibration_table(bare) == auto_sort_table(bare) == ""


def test_report003_robustness_and_near_duplicate_tables_or_nothing_when_not_run():
    from ml.study.report import near_duplicates_table, robustness_table

    assert robustness_table(manifest({}), []) == "" and near_duplicates_table(manifest({})) == ""
    rows = [{"model": "cnn", "corruption": c, "severity": s, "accuracy": a}
            for c, s, a in (("none", 0.0, 0.9), ("gaussian_blur", 1.0, 0.8), ("product_white", 0.5, 0.87),
                            ("product_white", 0.75, 0.88))]
    summary = {"clean_accuracy": 0.9, "clean_ece": 0.01, "mean_accuracy": 0.85, "product_on_white": 0.87,
               "worst_middle": {"corruption": "gaussian_blur", "severity": 1.0, "accuracy": 0.8}}
    table = robustness_table(manifest({}, robustness={"file": "experiments/robustness.json", "images": 100,
                                                      "models": {"cnn": summary}}), rows)
    assert "mean of 3 sets" in table
    assert table.splitlines()[-1] == "| CNN (Keras → ONNX) | 90.00% | 85.00% | gaussian_blur 1: 80.00% | 87.00% |"
    found = {"file": "dataset/near_duplicates.csv", "test_share_with_train_twin": 0.03, "test_with_train_twin": 300,
             "rule": {"grey": 0.9, "detail": 0.8, "detail_window": 5, "candidates": 10, "max_shift": 2},
             "split_sizes": {"train": 1000, "test": 100},
             "counts": {"test-train": {"pairs": 400, "images_a": 300, "images_b": 380}},
             "accuracy": {"cnn": {"all": 0.9, "with_train_twin": 0.97, "without_train_twin": 0.8978}}}
    text = near_duplicates_table(manifest({}, near_duplicates=found))
    assert text.startswith("3.0% of the test photos (300) have a near-twin")
    assert "| test-train | 400 | 300 | 380 |" in text and "| CNN (Keras → ONNX) | 90.00% | 89.78% | 97.00% |" in text


def test_report004_audit_tables_come_from_the_manifest(explored_artifacts):
    from ml.artifacts.folder import load_manifest
    from ml.models.cnn_config import overrides_of
    from ml.study.report import label_issues_table, map_and_index_table, overrides_text

    _, out = explored_artifacts
    found = load_manifest(out)
    issues = label_issues_table(found)
    for split, row in found.label_issues.splits.items():
        assert f"| {split} | {row.source} | {row.flagged:,} (" in issues
    folds = found.train_out_of_fold
    recipe = overrides_text(overrides_of(folds.overrides, "fast"))
    assert recipe != "none"  # the tiny artifacts' CNN is narrower than the recipe: the runs say so
    assert f"Out-of-fold runs (fast preset, recipe overrides: {recipe}; 2 folds)" in issues
    layout = map_and_index_table(found)
    assert f"| {found.data_map.method} (kept) |" in layout
    assert f"| {found.neighbours.dimensions} (kept) |" in layout
    assert label_issues_table(manifest({})) == map_and_index_table(manifest({})) == ""


def test_report010_committed_documents_carry_what_the_report_prints_from_the_committed_artifacts():
    """A figure in a generated block cannot go stale: `python -m ml report --update README.md docs/results.md`
    rewrites them, and this fails until it has run after the artifacts changed. docs/results.md shows
    every block the report makes; the README a selection."""

    from ml.artifacts.folder import load_manifest
    from ml.study.markdown import BLOCK, fill_blocks
    from ml.study.report import generated_blocks

    blocks = generated_blocks(ROOT / "artifacts", load_manifest(ROOT / "artifacts"))
    results, readme = (ROOT / "docs" / "results.md").read_text(), (ROOT / "README.md").read_text()
    assert {m["name"] for m in BLOCK.finditer(results)} == set(blocks)
    assert {"results", "verdicts", "trust"} <= {m["name"] for m in BLOCK.finditer(readme)} <= set(blocks)
    for document in (results, readme):
        assert fill_blocks(document, blocks) == document, "run `python -m ml report --update README.md docs/results.md`"
    assert len(readme.splitlines()) <= 400


def test_report012_the_clients_questions_are_answered_from_the_served_models_figures():
    from ml.study.report import client_answers
    from tests.manifests import calibration, model, threshold

    inference = {"runtime": "onnxruntime", "latency_ms_p50": 0.5, "latency_ms_p95": 1.0, "latency_runs": 10,
                 "throughput_ips": 1500.0, "batch_size": 64, "cpu": "a test CPU"}
    served = model(0.9, inference=inference, train_seconds=3000, calibration=calibration(0.2, 0.01),
                   auto_sort={"thresholds": [threshold(0.75, 0.991)]})
    text = client_answers(manifest({"cnn": served, "hog_svm": model(0.6)}))
    assert "classifies one photo in 0.50 ms and 1,500 photos a second" in text and "a test CPU" in text
    assert "sorts 75.0% of photos itself (99.1% of them right" in text and "falls from 0.200 to 0.010" in text
    assert "hold up" not in text and "trusted" not in text  # no robustness run, no audit: no answer claimed
    damaged = {"clean_accuracy": 0.9, "clean_ece": 0.01, "mean_accuracy": 0.86, "worst_middle": None,
               "product_on_white": 0.89}
    text = client_answers(manifest({"cnn": served}, robustness={"file": "experiments/robustness.json",
                                                               "images": 100, "models": {"cnn": damaged}}))
    assert "86.0% on average over the same photos damaged" in text and "half the picture's width, 89.0%" in text


def test_report005_learning_curve_rows_carry_the_schedule_and_the_cpu_of_their_times():
    cells = [cell(model="cnn", train_images=50000, schedule="20 epochs", machines=["not recorded"]),
             cell(model="hog_svm", machines=["AMD EPYC, 2 cores"])]
    lines = learning_curve_table(manifest({}, {"learning_curve": cells})).splitlines()
    assert lines[0].startswith("| Model | Training images | Schedule |") and lines[0].endswith("| Trained on |")
    assert lines[2] == "| CNN (Keras → ONNX) | 50,000 | 20 epochs | 1 | 80.00% | 1.0 min | not recorded |"
    assert lines[3] == "| HOG + SVM | 5,000 | — | 1 | 80.00% | 1.0 min | AMD EPYC, 2 cores |"
    assert learning_curve_table(manifest({})) == ""


def test_report013_schedule_lengths_show_time_an_epoch_and_say_when_the_machine_ran_at_other_speeds():
    from ml.study.report import schedule_length_table

    def length(epochs, seconds):
        return cell(variant=f"{epochs} epochs", recipe="", epochs_run=summary([float(epochs)]),
                    train_seconds=summary([seconds]), val_accuracy=summary([0.8]))

    even = schedule_length_table(manifest({}, {"schedule_length": [length(10, 600.0), length(20, 1300.0)]}))
    assert even.splitlines()[2].endswith("| 10.0 min (60 s an epoch) |")
    assert "different speeds" not in even
    uneven = schedule_length_table(manifest({}, {"schedule_length": [length(10, 600.0), length(20, 2400.0)]}))
    assert uneven.endswith("took 60–120 s across these runs: the machine ran at different speeds for them, so the "
                           "times say what each run cost, not how the schedules compare.")
    assert schedule_length_table(manifest({})) == ""
