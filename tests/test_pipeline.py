"""End to end on tiny data: `python -m ml train` writes a valid artifacts folder."""

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="training needs the training dependencies")

from ml.artifacts import MODEL_KEYS, load_manifest  # noqa: E402
from ml.cli import main  # noqa: E402
from ml.predictors import load_predictor  # noqa: E402


@pytest.fixture
def trained(artifacts_copy):
    return artifacts_copy


def test_artifacts_folder_is_complete_and_valid(trained):
    _, out = trained
    manifest = load_manifest(out)
    assert set(manifest["models"]) == set(MODEL_KEYS)
    assert manifest["dataset"]["class_names"] == ["cat", "dog", "ship"]
    assert manifest["dataset"]["splits"]["test"]["size"] == 18
    assert manifest["dataset"]["splits"]["fit"]["size"] == 60
    for entry in manifest["models"].values():
        metrics = entry["metrics"]
        assert 0 <= metrics["accuracy"] <= 1
        assert set(metrics["per_class"]) == {"cat", "dog", "ship"}
        assert np.array(metrics["confusion_matrix"]).sum() == 18
        assert entry["train_seconds"] > 0 and entry["size_bytes"] > 0
        assert entry["inference"]["latency_ms_p50"] > 0 and entry["inference"]["throughput_ips"] > 0
    assert set(manifest["files"]) >= {"models/cnn/model.onnx", "models/cnn/model.keras",
                                      "dataset/stats.json", "predictions/test_predictions.npz"}
    stats = json.loads((out / "dataset/stats.json").read_text())
    assert stats["splits"]["test"]["class_counts"] == {"cat": 6, "dog": 6, "ship": 6}


def test_onnx_parity_and_predictions_match_the_metrics(trained):
    _, out = trained
    manifest = load_manifest(out)
    cnn = manifest["models"]["cnn"]
    assert cnn["parity"]["passed"] and cnn["parity"]["top1_agreement"] >= 0.999
    assert cnn["parity"]["max_abs_prob_diff"] < 1e-3
    with np.load(out / "predictions/test_predictions.npz") as predictions:
        for key in MODEL_KEYS:
            proba = predictions[f"proba_{key}"].astype(np.float32)
            accuracy = (proba.argmax(1) == predictions["y_true"]).mean()
            assert accuracy == pytest.approx(manifest["models"][key]["metrics"]["accuracy"], abs=1e-9)


def test_served_predictors_reproduce_the_recorded_probabilities(trained):
    data, out = trained
    from ml.loading import load_dataset
    test = load_dataset(data, splits=("test",), progress=False)["test"]
    manifest = load_manifest(out)
    with np.load(out / "predictions/test_predictions.npz") as predictions:
        for key, entry in manifest["models"].items():
            proba = load_predictor(entry, out).predict_proba(test.images)
            assert np.allclose(proba, predictions[f"proba_{key}"], atol=2e-3)


def test_retraining_one_model_keeps_the_others(trained, tmp_path):
    data, out = trained
    before = load_manifest(out)
    code = main(["train", "--data", str(data), "--out", str(out), "--val-size", "12",
                 "--models", "hog_logreg", "--jobs", "1", "--quiet"])
    assert code == 0
    after = load_manifest(out)
    assert set(after["models"]) == set(MODEL_KEYS)
    assert after["models"]["cnn"] == before["models"]["cnn"]


def test_cli_reports_bad_data_clearly(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "a")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "a")]) == 2
    assert "manifest.json: missing" in capsys.readouterr().err


def test_report_prints_every_model(trained, capsys):
    _, out = trained
    assert main(["report", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.count("| HOG + ") == 2 and "| CNN (Keras → ONNX) |" in text
    assert "top-1 agreement" in text


def test_augmentation_ablation_is_recorded_in_the_manifest(trained):
    data, out = trained
    code = main(["ablate", "--data", str(data), "--out", str(out), "--cells", "all:0,1", "--epochs", "1",
                 "--cnn", json.dumps({"widths": [8, 16, 16], "batch_size": 16})])
    assert code == 0
    manifest = load_manifest(out)
    cell = manifest["experiments"]["augmentation"]["cells"][0]
    assert cell["train_images"] == 72 and len(cell["with"]) == len(cell["without"]) == 2
    assert cell["with_ci95"][0] <= sum(cell["with"]) / 2 <= cell["with_ci95"][1]
    assert "experiments/augmentation.json" in manifest["files"]
    from ml.report import ablation_table
    assert ablation_table(manifest).splitlines()[2].startswith("| 72 | 2 |")


def test_ablation_cells_are_parsed():
    from ml.ablation import parse_cells
    assert parse_cells(["5000:0,1,2", "all:3"]) == [(5000, [0, 1, 2]), (None, [3])]
    with pytest.raises(ValueError, match="SIZE:SEED"):
        parse_cells(["5000"])
