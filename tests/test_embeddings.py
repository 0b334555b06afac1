"""ml/embeddings.py: the CNN's features from its ONNX graph, and the closest pairs between sets of them."""

import json

import numpy as np

from ml.embeddings import Embedder, closest_pairs
from ml.predictors import OnnxPredictor
from ml.preprocess import to_model_input


def test_embeddings001_features_are_unit_vectors_that_match_for_equal_images(tiny_artifacts, synthetic_images):
    _, out = tiny_artifacts
    files = json.loads((out / "manifest.json").read_text())["models"]["cnn"]["files"]
    images, labels = synthetic_images(8, seed=3)
    embedder = Embedder(out / files["onnx_float32"])
    features = embedder.embed(np.concatenate([images, images[:2]]), batch_size=7)
    assert features.shape[0] == len(images) + 2 and features.shape[1] >= 16
    assert np.allclose(np.linalg.norm(features, axis=1), 1, atol=1e-5)
    assert np.allclose(features[:2], features[-2:], atol=1e-6)
    # the probabilities the copied graph still gives are the exported model's own
    probabilities = embedder.session.run(None, {embedder.input_name: to_model_input(images)})[0]
    assert np.allclose(probabilities, OnnxPredictor(out / files["onnx_float32"]).predict_proba(images), atol=1e-6)
    # images of one class lie closer together than images of different classes
    same = labels[:, None] == labels[None, :]
    similarity = features[:len(images)] @ features[:len(images)].T
    assert similarity[same & ~np.eye(len(images), dtype=bool)].mean() > similarity[~same].mean()


def test_embeddings002_closest_pairs_within_and_between_sets():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 16)).astype(np.float32)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    a[200] = a[7]  # a duplicate within the set
    b = a[[5, 250]] + 0.01 * rng.normal(size=(2, 16)).astype(np.float32)  # near copies in another set
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    within = closest_pairs(a, None, 0.05, block=64)
    assert [(i, j) for i, j, _ in within] == [(7, 200)] and abs(within[0][2]) < 1e-5
    between = closest_pairs(b, a, 0.05, block=1)
    assert sorted((i, j) for i, j, _ in between) == [(0, 5), (1, 250)]
    assert [d for _, _, d in between] == sorted(d for _, _, d in between)
    assert closest_pairs(a, None, -1.0) == []
