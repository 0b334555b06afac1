"""The study's basic CNN (ml/models/basic_cnn.py): batch normalization and the study's augmentation as
options, augmentation only while training, and the trained weights served without it."""

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="the basic CNN needs the training dependencies")

from ml.models.basic_cnn import BasicCNNConfig, build_basic_cnn  # noqa: E402


def _layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


def test_basiccnn001_reference_model_is_the_classic_example():
    types = _layer_types(build_basic_cnn(10))
    assert "BatchNormalization" not in types and types.count("Conv2D") == 4 and types.count("Dropout") == 3
    assert not any(t.startswith("Random") for t in types)


def test_basiccnn002_batch_norm_follows_every_convolution_and_the_dense_layer():
    types = _layer_types(build_basic_cnn(10, BasicCNNConfig(batch_norm=True)))
    assert types.count("BatchNormalization") == 5 and types.count("ReLU") == 5


def test_basiccnn003_augmentation_trains_only_and_weights_serve_without_it():
    config = BasicCNNConfig(batch_norm=True, flip=True, rotation=0.1, zoom=0.2)
    training = build_basic_cnn(3, config, training=True)
    served = build_basic_cnn(3, config)
    assert [t for t in _layer_types(training) if t.startswith("Random")] == ["RandomFlip", "RandomRotation",
                                                                             "RandomZoom"]
    assert not any(t.startswith("Random") for t in _layer_types(served))
    served.set_weights(training.get_weights())
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3)).astype(np.float32)
    # in inference mode the augmentation layers pass images through: both give the same answer
    np.testing.assert_allclose(training.predict(images, verbose=0), served.predict(images, verbose=0), atol=1e-6)
