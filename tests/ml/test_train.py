"""End to end on tiny data: `python -m ml train` writes a valid artifacts folder."""

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="training needs the training dependencies")

from ml.artifacts.folder import load_manifest, read_predictions  # noqa: E402
from ml.cli import main  # noqa: E402
from ml.cpu import cpu_description  # noqa: E402
from ml.models.registry import model_keys  # noqa: E402
from ml.serving.predictors import load_predictor  # noqa: E402


@pytest.fixture
def trained(artifacts_copy):
    return artifacts_copy


def test_artifacts_folder_is_complete_and_valid(trained):
    _, out = trained
    manifest = load_manifest(out)
    assert set(manifest.models) == set(model_keys())
    assert manifest.dataset.class_names == ["cat", "dog", "ship"]
    assert manifest.dataset.splits.test.size == 18
    assert manifest.dataset.splits.train.size == 72  # every training image, held-out ones too
    assert manifest.dataset.splits.fit.size == 48
    assert manifest.dataset.splits.calibration.size == 12
    for entry in manifest.models.values():
        metrics = entry.metrics
        assert 0 <= metrics.accuracy <= 1
        assert set(metrics.per_class) == {"cat", "dog", "ship"}
        assert np.array(metrics.confusion_matrix).sum() == 18
        assert entry.train_seconds > 0 and entry.size_bytes > 0
        assert entry.inference.latency_ms_p50 > 0 and entry.inference.throughput_ips > 0
    assert set(manifest.files) >= {"models/cnn/model.onnx", "models/cnn/model.keras",
                                      "dataset/stats.json", "predictions/test_predictions.npz"}
    stats = json.loads((out / "dataset/stats.json").read_text())
    assert stats["splits"]["test"]["class_counts"] == {"cat": 6, "dog": 6, "ship": 6}


def test_onnx_parity_and_predictions_match_the_metrics(trained):
    _, out = trained
    manifest = load_manifest(out)
    cnn = manifest.models["cnn"]
    assert cnn.parity.passed and cnn.parity.top1_agreement >= 0.999
    assert cnn.parity.max_abs_prob_diff < 1e-3
    predictions = read_predictions(out, manifest)
    for key in model_keys():
        accuracy = (predictions[f"pred_{key}"] == predictions["y_true"]).mean()
        assert accuracy == manifest.models[key].metrics.accuracy


def test_served_predictors_reproduce_the_recorded_probabilities(trained):
    data, out = trained
    from ml.data.loading import load_dataset
    test = load_dataset(data, splits=("test",), progress=False)["test"]
    manifest = load_manifest(out)
    with np.load(out / "predictions/test_predictions.npz") as predictions:
        for key, entry in manifest.models.items():
            proba = load_predictor(entry, out).predict_proba(test.images)
            assert np.allclose(proba, predictions[f"proba_{key}"], atol=2e-3)


def test_retraining_one_model_keeps_the_others(trained, tmp_path):
    data, out = trained
    before = load_manifest(out)
    code = main(["train", "--data", str(data), "--out", str(out), "--val-size", "12",
                 "--models", "hog_logreg", "--jobs", "1", "--quiet"])
    assert code == 0
    after = load_manifest(out)
    assert set(after.models) == set(model_keys())
    assert after.models["cnn"] == before.models["cnn"]


def test_cli_reports_bad_data_clearly(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "a")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()  # a failed run leaves no folder behind
    (tmp_path / "a").mkdir()
    assert main(["validate", str(tmp_path / "a")]) == 2
    assert "manifest.json: missing" in capsys.readouterr().err


def test_report_prints_every_model(trained, capsys):
    _, out = trained
    assert main(["report", str(out)]) == 0
    text = capsys.readouterr().out
    results = text.split("\n\n")[1]  # the first table: one row per model
    assert results.count("| HOG + ") == 2 and "| CNN (Keras → ONNX) |" in results
    assert "top-1 agreement" in text
    assert "Calibration (fitted by python -m ml train):" in text


TINY = ["--epochs", "1", "--cnn", json.dumps({"widths": [8, 16, 16], "batch_size": 16})]


def test_ablation_runs_are_recorded_summarised_and_extended(trained):
    data, out = trained
    code = main(["ablate", "--data", str(data), "--out", str(out), "--sizes", "all", "--seeds", "0", "1",
                 "--variants", "recipe", "no_augmentation", *TINY])
    assert code == 0
    manifest = load_manifest(out)
    cells = {c.variant: c for c in manifest.experiments["ablation"].cells}
    assert set(cells) == {"recipe", "no_augmentation"}
    recipe, plain = cells["recipe"], cells["no_augmentation"]
    assert recipe.train_images == 72 and recipe.accuracy.n == 2
    assert recipe.accuracy.ci95[0] <= recipe.accuracy.mean <= recipe.accuracy.ci95[1]
    assert plain.recipe_gain_points == pytest.approx(
        100 * (recipe.accuracy.mean - plain.accuracy.mean), abs=0.01)
    assert "experiments/ablation.json" in manifest.files

    # A later sitting adds variants and re-runs a seed: nothing is lost or counted twice. With a
    # validation split, each run is also judged on damaged validation images.
    assert main(["ablate", "--data", str(data), "--out", str(out), "--sizes", "all", "--seeds", "1",
                 "--variants", "recipe", "no_regularization", "--val-size", "12", *TINY]) == 0
    runs = json.loads((out / "experiments/ablation.json").read_text())["runs"]
    assert sorted((r["variant"], r["seed"]) for r in runs) == [
        ("no_augmentation", 0), ("no_augmentation", 1), ("no_regularization", 1), ("recipe", 0), ("recipe", 1)]
    cells = {c.variant: c for c in load_manifest(out).experiments["ablation"].cells}
    assert cells["recipe"].val_corrupted_accuracy is None  # seed 0 ran without a validation split
    assert 0 <= cells["no_regularization"].val_corrupted_accuracy.mean <= 1
    assert next(r for r in runs if r["variant"] == "no_regularization")["overrides"]["batch_norm"] is False

    # The robust recipe's choice is its own record: its runs never mix into the study's cells.
    assert main(["ablate", "--data", str(data), "--out", str(out), "--sizes", "all", "--seeds", "1",
                 "--variants", "recipe", "corruptions", "--val-size", "12", "--record", "robust_recipe",
                 *TINY]) == 0
    manifest = load_manifest(out)  # every file still matches its hash
    assert len(json.loads((out / "experiments/ablation.json").read_text())["runs"]) == 5
    robust_runs = json.loads((out / "experiments/robust_recipe.json").read_text())["runs"]
    robust = next(r for r in robust_runs if r["variant"] == "corruptions")
    assert robust["overrides"]["corrupt_probability"] == 0.5 and 0 <= robust["val_corrupted_accuracy"] <= 1
    cells = {c.variant: c for c in manifest.experiments["robust_recipe"].cells}
    assert set(cells) == {"recipe", "corruptions"}
    assert cells["corruptions"].val_corrupted_accuracy.values == [robust["val_corrupted_accuracy"]]
    from ml.study.report import ablation_table
    table = ablation_table(manifest)
    assert "| 72 | recipe | 2 |" in table and "| 72 | no_regularization | 1 |" in table
    assert "| 72 | corruptions | 1 |" in ablation_table(manifest, "robust_recipe")

    # Runs on another schedule form cells of their own (what a variant buys grows with training length),
    # and `ml summarise` recomputes the same cells from the stored runs.
    assert main(["ablate", "--data", str(data), "--out", str(out), "--sizes", "all", "--seeds", "0",
                 "--variants", "recipe", "--epochs", "2", *TINY[2:]]) == 0
    cells = load_manifest(out).experiments["ablation"].cells
    assert sorted((c.schedule, c.variant, c.accuracy.n) for c in cells) == [
        ("1 epochs", "no_augmentation", 2), ("1 epochs", "no_regularization", 1), ("1 epochs", "recipe", 2),
        ("2 epochs", "recipe", 1)]
    assert main(["summarise", "--out", str(out)]) == 0
    assert load_manifest(out).experiments["ablation"].cells == cells


def test_ablation_takes_its_recipe_arm_from_the_bench_seed_of_the_same_training(trained, capsys):
    data, out = trained
    from bench.train_bench import main as bench_main
    assert bench_main(["--data", str(data), "--out", str(out), "--seeds", "0", *TINY]) == 0
    bench = next(r for r in json.loads((out / "experiments/cnn_seeds.json").read_text())["runs"]
                 if r["seed"] == 0 and r.get("schedule") == "1 epochs")
    assert main(["ablate", "--data", str(data), "--out", str(out), "--sizes", "all", "--seeds", "0",
                 "--variants", "recipe", "no_augmentation", *TINY]) == 0
    assert "took the run" in capsys.readouterr().out
    runs = {r["variant"]: r for r in json.loads((out / "experiments/ablation.json").read_text())["runs"]}
    recipe = runs["recipe"]
    assert recipe["from"] == "cnn_seeds" and recipe["schedule"] == "1 epochs" and recipe["preset"] == "full"
    assert (recipe["test_accuracy"], recipe["curves"]) == (bench["test_accuracy"], bench["curves"])
    assert "from" not in runs["no_augmentation"]  # trained here: the bench holds no such run
    cell = next(c for c in load_manifest(out).experiments["ablation"].cells if c.variant == "recipe")
    assert cell.accuracy.values == [bench["test_accuracy"]]


def test_learning_curve_covers_every_model_and_size(trained):
    data, out = trained
    assert main(["learning-curve", "--data", str(data), "--out", str(out), "--sizes", "30", "all",
                 "--seeds", "0", "--models", "cnn", "hog_logreg", *TINY]) == 0
    cells = load_manifest(out).experiments["learning_curve"].cells
    assert sorted((c.model, c.train_images) for c in cells) == [
        ("cnn", 30), ("cnn", 72), ("hog_logreg", 30), ("hog_logreg", 72)]
    assert all(c.train_seconds.mean > 0 and 0 <= c.accuracy.mean <= 1 for c in cells)
    # the synthetic classes are easy: logistic regression on all 72 images beats chance clearly
    full = next(c for c in cells if c.model == "hog_logreg" and c.train_images == 72)
    assert full.accuracy.mean > 0.6


def test_training_benchmark_records_each_seed(trained, capsys):
    data, out = trained
    from bench.train_bench import main as bench_main
    assert bench_main(["--data", str(data), "--out", str(out), "--preset", "fast", "--seeds", "0", "1", *TINY]) == 0
    text = capsys.readouterr().out
    assert "preset fast, seed 1: test accuracy" in text and "2 run(s)" in text
    cell = load_manifest(out).experiments["cnn_seeds"].cells[0]
    assert cell.preset == "fast" and cell.accuracy.n == 2 and cell.accuracy.std is not None
    assert cell.overrides == json.loads(TINY[-1])
    assert bench_main(["--data", str(data), "--out", str(out), "--preset", "fast", "--seeds", "0", "1", "2", *TINY]) == 0
    text = capsys.readouterr().out  # the same command again trains only the seed it lacks
    assert "seed 0: already recorded" in text and "seed 1: already recorded" in text and "seed 2: test accuracy" in text
    assert load_manifest(out).experiments["cnn_seeds"].cells[0].accuracy.n == 3

    damaged = {**json.loads(TINY[-1]), "corrupt_probability": 0.5}  # another recipe: a cell of its own
    assert bench_main(["--data", str(data), "--out", str(out), "--preset", "fast", "--seeds", "0",
                       *TINY[:2], "--cnn", json.dumps(damaged)]) == 0
    cells = load_manifest(out).experiments["cnn_seeds"].cells
    shares = sorted((c.overrides.get("corrupt_probability", 0), c.accuracy.n) for c in cells)
    assert shares == [(0, 3), (0.5, 1)]
    runs = json.loads((out / "experiments/cnn_seeds.json").read_text())["runs"]
    assert {r["machine"] for r in runs} == {cpu_description()}  # the budget buys epochs by the machine


def test_unknown_variant_is_refused_before_training(trained, capsys):
    data, out = trained
    with pytest.raises(SystemExit) as exit_info:
        main(["ablate", "--data", str(data), "--out", str(out), "--variants", "no_such_thing"])
    assert exit_info.value.code == 2
    assert "--variants: invalid choice: 'no_such_thing'" in capsys.readouterr().err


def test_keras_models_are_served_in_int8_only_where_it_agrees_with_float32(trained):
    _, out = trained
    for key in ("cnn", "basic_cnn"):
        entry = load_manifest(out).models[key]
        report = entry.quantization
        assert report.n_images == 18 and report.passed == (report.top1_agreement >= report.floor)
        served, exact = out / entry.files.onnx, out / entry.files.onnx_float32
        if report.passed:
            import onnx
            ops = {node.op_type for node in onnx.load(served).graph.node}
            assert entry.served_precision == "int8" and served != exact
            assert {"QuantizeLinear", "DequantizeLinear"} <= ops
        else:
            assert entry.served_precision == "float32" and served == exact


def test_export_again_keeps_the_model_and_its_scores(trained):
    data, out = trained
    before = load_manifest(out).models["cnn"]
    assert main(["export", "--data", str(data), "--out", str(out), "--models", "cnn"]) == 0
    after = load_manifest(out).models["cnn"]
    assert after.train_seconds == before.train_seconds and after.config == before.config
    assert after.metrics.accuracy == pytest.approx(before.metrics.accuracy)
    assert (out / after.files.onnx).is_file()


def test_evaluate_again_upgrades_predictions_without_classes(trained, capsys):
    from ml.artifacts.folder import PREDICTIONS, sha256_file

    data, copy = trained  # a private copy
    before = load_manifest(copy)
    with np.load(copy / PREDICTIONS) as stored:
        old_format = {k: stored[k] for k in stored.files if not k.startswith("pred_")}
    np.savez_compressed(copy / PREDICTIONS, **old_format)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"][PREDICTIONS]["sha256"] = sha256_file(copy / PREDICTIONS)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert main(["validate", str(copy)]) == 2
    assert "python -m ml evaluate" in capsys.readouterr().err
    assert main(["evaluate", "--data", str(data), "--out", str(copy)]) == 0
    after = load_manifest(copy)
    for key, entry in before.models.items():
        assert after.models[key].metrics == entry.metrics
    assert main(["validate", str(copy)]) == 0


def test_pipeline020_every_model_is_calibrated_on_held_out_images_and_serves_calibrated(trained):
    data, out = trained
    from ml.data.loading import load_dataset
    from ml.serving.calibration import apply_temperature

    manifest = load_manifest(out)
    test = load_dataset(data, splits=("test",), progress=False)["test"]
    predictions = read_predictions(out, manifest)
    for key, entry in manifest.models.items():
        calibration = entry.calibration
        assert calibration.held_out_images == 12 and calibration.temperature > 0
        raw = load_predictor(entry, out, calibrated=False).predict_proba(test.images)
        served = load_predictor(entry, out).predict_proba(test.images)
        assert np.allclose(served, apply_temperature(raw, calibration.temperature), atol=1e-6)
        assert np.allclose(predictions[f"proba_{key}"], served, atol=2e-3)  # what every reader gets
        assert calibration.test_before.accuracy == calibration.test_after.accuracy
        for row in entry.auto_sort.thresholds:
            assert row.held_out_accuracy >= row.target
