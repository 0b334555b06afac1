"""The served models' predictors (ml/serving/predictors.py) on tiny artifacts."""

import numpy as np

from ml.artifacts.folder import load_manifest
from ml.serving.predictors import OnnxPredictor


def test_predictors001_the_onnx_model_answers_in_bounded_batches_as_it_would_at_once(tiny_artifacts, monkeypatch):
    _, out = tiny_artifacts
    entry = load_manifest(out).models["cnn"]
    predictor = OnnxPredictor(out / entry.files.onnx)
    images = np.random.default_rng(0).integers(0, 256, (7, 32, 32, 3), dtype=np.uint8)
    at_once = predictor.predict_proba(images)
    runs = []
    original = predictor.session.run
    monkeypatch.setattr(predictor, "batch_size", 3)
    monkeypatch.setattr(predictor.session, "run", lambda outputs, feeds: runs.append(len(next(iter(feeds.values()))))
                        or original(outputs, feeds), raising=False)
    batched = predictor.predict_proba(images)
    assert runs == [3, 3, 1] and batched.shape == (7, len(load_manifest(out).dataset.class_names))
    np.testing.assert_allclose(batched, at_once, atol=1e-6)
    assert predictor.predict_proba(images[0]).shape == (1, batched.shape[1])  # one image alone
