"""ml/audit.py and `python -m ml near-duplicates`: near-twins between and within splits, written into the
artifacts with each model's accuracy with and without them."""

import csv
import json
import shutil

import numpy as np
from PIL import Image

from ml.audit import COLUMNS, NEAR_DUPLICATES_FILE, run_near_duplicates
from ml.cli import main
from ml.near_duplicates import Rule


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

    manifest = json.loads((out / "manifest.json").read_text())
    summary = manifest["near_duplicates"]
    assert NEAR_DUPLICATES_FILE in manifest["extra_files"]
    for kind, count in summary["counts"].items():
        assert count["pairs"] == sum(p[0] + "-" + p[2] == kind for p in pairs)
    twinned = summary["test_with_train_twin"]
    assert twinned == len({p[1] for p in pairs if p[0] == "test" and p[2] == "train"}) >= 1
    n_test = summary["split_sizes"]["test"]
    for model, row in summary["accuracy"].items():
        assert abs(row["all"] - manifest["models"][model]["metrics"]["accuracy"]) < 1e-9
        without = row["without_train_twin"] * (n_test - twinned)
        assert abs(row["with_train_twin"] * twinned + without - row["all"] * n_test) < 1e-6


def test_audit002_artifacts_without_a_cnn_are_refused_with_a_reason(artifacts_copy, capsys):
    data, out = artifacts_copy
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["models"]["cnn"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert main(["near-duplicates", "--data", str(data), "--out", str(out)]) != 0
    assert "holds no CNN" in capsys.readouterr().err
