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
