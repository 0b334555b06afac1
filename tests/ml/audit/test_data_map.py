"""ml/audit/data_map.py and `python -m ml map`: the 2-D map of the embeddings, its layout chosen by measurement."""

import json

import numpy as np
import pytest

from ml.audit.data_map import compare_layouts, layout, separation, training_sample
from ml.cli import main


def clusters(n_per_class=60, classes=4, dims=32, spread=0.3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, dims))
    labels = np.repeat(np.arange(classes), n_per_class)
    return centres[labels] + spread * rng.normal(size=(len(labels), dims)), labels


def test_data_map001_separation_tells_a_clustered_map_from_a_shuffled_one():
    points, labels = clusters()
    coordinates = layout(points, "pca")
    assert coordinates.shape == (len(labels), 2)
    assert separation(coordinates, labels) > 0.95
    assert separation(coordinates, np.random.default_rng(1).permutation(labels)) < 0.5


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_data_map002_every_layout_keeps_well_separated_classes_apart(method):
    points, labels = clusters()
    assert separation(layout(points, method), labels) > 0.95


def test_data_map003_the_best_separating_layout_is_kept_and_scaled():
    # classes apart only along directions of small variance: a linear map to 2-D blurs them, t-SNE does not
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(4), 60)
    points = np.concatenate([10 * rng.normal(size=(240, 2)), np.eye(4)[labels] * 2 + 0.2 * rng.normal(size=(240, 4))],
                            axis=1)
    best, coordinates, results = compare_layouts(points, labels, ("pca", "tsne"), log=lambda *a: None)
    assert results["tsne"]["separation"] > results["pca"]["separation"] and best == "tsne"
    assert np.abs(coordinates).max() == pytest.approx(1.0) and coordinates.shape == (240, 2)


def test_data_map004_the_training_sample_is_stratified():
    labels = np.repeat(np.arange(5), [100, 200, 300, 50, 400])
    sample = training_sample(labels, 200, seed=3)
    assert list(np.bincount(labels[sample])) == [40] * 5 and list(sample) == sorted(set(sample))


def test_data_map005_the_map_command_writes_every_test_image_and_the_sample(artifacts_copy, capsys):
    data, out = artifacts_copy
    assert main(["map", "--data", str(data), "--out", str(out), "--train-images", "30", "--methods", "pca", "tsne"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["data_map"]
    assert set(entry["comparison"]) == {"pca", "tsne"} and entry["method"] in ("pca", "tsne")
    with np.load(out / entry["file"]) as stored:
        n_test = manifest["dataset"]["splits"]["test"]["size"]
        assert (stored["split"] == 0).sum() == n_test and (stored["split"] == 1).sum() == entry["points"]["train"] == 30
        assert list(stored["position"][:n_test]) == list(range(n_test))
        assert np.abs(stored["x"]).max() <= 1 and np.abs(stored["y"]).max() <= 1
    assert "map: " in capsys.readouterr().out
