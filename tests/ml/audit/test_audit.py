"""ml/audit/audit.py and `python -m ml near-duplicates`: near-twins between and within splits, written into the
artifacts with each model's accuracy with and without them."""

import csv
import json
import shutil

import numpy as np
from PIL import Image

from ml.artifacts.folder import load_manifest
from ml.audit.audit import COLUMNS, NEAR_DUPLICATES_FILE, run_near_duplicates
from ml.audit.near_duplicates import Rule
from ml.audit.neighbours import NeighbourIndex
from ml.cli import main
from ml.data.loading import load_dataset
from ml.serving.embeddings import Embedder
from ml.serving.predictors import OnnxPredictor, onnx_session


def test_audit001_a_mirrored_copy_of_a_test_photo_in_training_is_found(artifacts_copy, tmp_path):
    data, out = artifacts_copy
    photos = tmp_path / "photos"
    shutil.copytree(data, photos)
    test_file = sorted((photos / "test" / "dog").iterdir())[0]
    twin = photos / "train" / "dog" / "twin-of-a-test-photo.png"
    Image.fromarray(np.asarray(Image.open(test_file).convert("RGB"))[:, ::-1]).save(twin)

    # every training photo a candidate: the synthetic photos of a class are so alike that the twin need not
    # be among the five nearest by embedding
    run_near_duplicates(photos, out, Rule(candidates=100), log=lambda *a: None)

    with (out / NEAR_DUPLICATES_FILE).open() as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == COLUMNS
    pairs = rows[1:]
    [planted] = [p for p in pairs if p[1:4] == [f"test/dog/{test_file.name}", "train",
                                                "train/dog/twin-of-a-test-photo.png"]]
    assert planted[0] == "test" and float(planted[4]) < 0.02  # (the synthetic photos of one class are alike too)
    assert [float(p[4]) for p in pairs] == sorted(float(p[4]) for p in pairs)
    assert all(p[0] <= p[2] for p in pairs) and {p[0] + "-" + p[2] for p in pairs} <= {"test-train", "test-test",
                                                                                       "train-train"}

    manifest = load_manifest(out)
    summary = manifest.near_duplicates
    assert NEAR_DUPLICATES_FILE in manifest.extra_files
    for kind, count in summary.counts.items():
        assert count.pairs == sum(p[0] + "-" + p[2] == kind for p in pairs)
    twinned = summary.test_with_train_twin
    assert twinned == len({p[1] for p in pairs if p[0] == "test" and p[2] == "train"}) >= 1
    n_test = summary.split_sizes["test"]
    for model, row in summary.accuracy.items():
        assert abs(row.all - manifest.models[model].metrics.accuracy) < 1e-9
        without = row.without_train_twin * (n_test - twinned)
        assert abs(row.with_train_twin * twinned + without - row.all * n_test) < 1e-6


def test_audit002_artifacts_without_a_cnn_are_refused_with_a_reason(artifacts_copy, capsys):
    data, out = artifacts_copy
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["models"]["cnn"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert main(["near-duplicates", "--data", str(data), "--out", str(out)]) != 0
    assert "holds no Neural network (cnn): its embeddings find the candidates" in capsys.readouterr().err


def test_audit003_the_neighbour_index_serves_features_without_changing_answers(tiny_artifacts, indexed_artifacts,
                                                                               synthetic_images):
    _, before = tiny_artifacts
    data, out = indexed_artifacts
    manifest = load_manifest(out)  # verifies every file against its digest, the rewritten model's included
    entry = manifest.neighbours
    assert entry.images == manifest.dataset.splits.train.size
    assert str(entry.dimensions) in entry.quality
    served = manifest.models["cnn"].files.onnx
    assert len(onnx_session(out / served).get_outputs()) == 2
    images, _ = synthetic_images(4, seed=9)
    assert np.allclose(OnnxPredictor(out / served).predict_proba(images),
                       OnnxPredictor(before / served).predict_proba(images), atol=1e-6)
    train = load_dataset(data, splits=("train",), progress=False)["train"]
    index = NeighbourIndex(out / entry.file)
    found = index.query(Embedder(out / served).embed(train.images[:3]), k=len(train))
    for name, rows in zip(train.files, found):  # itself, or a synthetic twin of it, is the nearest
        own = next(r["similarity"] for r in rows if r["file"] == name)
        assert own > 0.99 and own >= rows[0]["similarity"] - 1e-3


def test_audit004_the_test_splits_suspect_labels_come_from_every_seed_of_the_served_recipe(artifacts_copy, capsys):
    """Runs from scratch of the served CNN's recipe and schedule store their test probabilities; the test split's
    ranking is confident learning on their mean with the served CNN's, each calibrated with its temperature,
    and says so."""
    from bench.train_bench import main as bench_main
    from ml.artifacts.folder import read_predictions
    from ml.artifacts.seed_predictions import read_seed_predictions
    from ml.audit.label_issues import ranked_candidates
    from ml.serving.calibration import apply_temperature
    from ml.study.experiments import record_seeds
    from tests.conftest import TINY_CNN

    data, out = artifacts_copy
    assert main(["label-issues", "--out", str(out), "--rows", "4"]) == 0
    assert load_manifest(out).label_issues.splits["test"].source.startswith("the served CNN alone")

    recipe = ["--preset", "full", "--epochs", "2", "--cnn", json.dumps(TINY_CNN)]
    assert bench_main(["--data", str(data), "--out", str(out), "--seeds", "0", "1", *recipe]) == 0
    other = {**TINY_CNN, "corrupt_probability": 0.5}  # another recipe: not the served CNN's
    assert bench_main(["--data", str(data), "--out", str(out), "--seeds", "0", "--preset", "full", "--epochs", "2",
                       "--cnn", json.dumps(other)]) == 0
    runs = json.loads((out / "experiments/cnn_seeds.json").read_text())["runs"]
    assert len({r["test_probabilities"] for r in runs}) == 3  # one array per run
    manifest = load_manifest(out)
    served_cell = next(c for c in manifest.experiment_cells("cnn_seeds") if c.overrides == TINY_CNN)
    assert len(served_cell.test_probabilities) == 2

    assert main(["label-issues", "--out", str(out), "--rows", "4"]) == 0
    manifest = load_manifest(out)
    source = manifest.label_issues.splits["test"].source
    assert source.startswith("the mean of 3 runs of the served CNN's recipe (2 epochs)"), source
    assert source.endswith("each calibrated with the served CNN's temperature"), source
    temperature = manifest.models["cnn"].calibration.temperature
    seeds = [apply_temperature(p, temperature) for p in read_seed_predictions(out, served_cell.test_probabilities)]
    mean = np.mean([read_predictions(out, manifest)["proba_cnn"], *seeds], axis=0)
    labels = read_predictions(out, manifest)["y_true"].astype(int)
    expected = ranked_candidates(mean, labels, 4)
    files = json.loads((out / manifest.dataset.files.test_files).read_text())
    with open(out / manifest.label_issues.file) as handle:
        rows = [row for row in csv.DictReader(handle) if row["split"] == "test"]
    assert [row["file"] for row in rows] == [files[i] for i in expected["indices"]]

    # a seed recorded again without its probabilities drops its array, and the bench trains it once more
    seed_1 = next(r for r in runs if r["seed"] == 1 and "corrupt_probability" not in r["recipe"])
    record_seeds(out, [{k: v for k, v in seed_1.items() if k != "test_probabilities"}], "full")
    with np.load(out / "predictions/cnn_seeds.npz") as stored:
        assert len(stored.files) == 2
    capsys.readouterr()
    assert bench_main(["--data", str(data), "--out", str(out), "--seeds", "0", "1", *recipe]) == 0
    text = capsys.readouterr().out
    assert "seed 0: already recorded" in text and "seed 1: test accuracy" in text
