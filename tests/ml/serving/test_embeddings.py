"""ml/serving/embeddings.py: the CNN's features from its ONNX graph."""

import json

import numpy as np
import pytest

from ml.data.preprocess import to_model_input
from ml.serving.embeddings import Embedder
from ml.serving.graph_features import embedder_for
from ml.serving.predictors import OnnxPredictor


def test_embeddings001_features_are_unit_vectors_that_match_for_equal_images(tiny_artifacts, synthetic_images):
    _, out = tiny_artifacts
    files = json.loads((out / "manifest.json").read_text())["models"]["cnn"]["files"]
    images, labels = synthetic_images(8, seed=3)
    embedder = embedder_for(out / files["onnx_float32"])
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



def test_embeddings002_a_graph_without_a_features_output_is_refused_with_the_fix(tiny_artifacts):
    _, out = tiny_artifacts
    files = json.loads((out / "manifest.json").read_text())["models"]["cnn"]["files"]
    with pytest.raises(ValueError, match="python -m ml neighbours"):
        Embedder(out / files["onnx"])
