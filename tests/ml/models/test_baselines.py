import numpy as np
import pytest

from ml.models import baselines
from ml.models.features import HOGTransformer, hog_features


def test_hog_feature_size_and_parallel_equals_serial(synthetic_images):
    images, _ = synthetic_images(8)
    serial = hog_features(images)
    assert serial.shape == (24, 7 * 7 * 4 * 9) and serial.dtype == np.float32
    parallel = HOGTransformer(n_jobs=2, chunk_size=5).transform(images)
    assert np.array_equal(parallel, serial)


def test_hog_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="expected"):
        HOGTransformer().transform(np.zeros((2, 32, 32), np.uint8))


@pytest.mark.parametrize("build", [baselines.hog_logreg, baselines.hog_svm])
def test_baseline_pipelines_learn_and_give_probabilities(build, synthetic_images):
    train_x, train_y = synthetic_images(40, seed=0)
    test_x, test_y = synthetic_images(10, seed=1)
    pipeline = build(n_jobs=1, n_samples=len(train_y))
    pipeline.fit(train_x, train_y)
    proba = pipeline.predict_proba(test_x)
    assert proba.shape == (30, 3)
    assert np.allclose(proba.sum(axis=1), 1, atol=1e-6)
    assert (proba.argmax(1) == test_y).mean() >= 0.9
    description = baselines.describe(pipeline)
    assert description["steps"]["hog"]["pixels_per_cell"] == 4
