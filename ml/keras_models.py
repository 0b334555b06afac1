"""One way to configure and train either Keras model, shared by `ml train`, the experiments and
the training benchmark. Importing this module imports TensorFlow."""

from __future__ import annotations

from ml import basic_cnn, cnn
from ml.dataset import Split


def keras_config(key: str, *, seed: int = 0, preset: str = "full", epochs: int | None = None,
                 augment: bool = True, overrides: dict | None = None):
    """The configuration of model `key` ("cnn" or "basic_cnn") for one run."""
    if key == "basic_cnn":
        return basic_cnn.BasicCNNConfig(seed=seed, **(overrides or {}))
    if key != "cnn":
        raise ValueError(f"{key!r} is not a Keras model")
    config = cnn.preset_config(preset, **{"seed": seed, "augment": augment, **(overrides or {})})
    if epochs:
        config.epochs = epochs
    return config


def train_keras_model(key: str, fit: Split, val: Split | None, num_classes: int, *, verbose=0, **options):
    """Train model `key`; returns (network, served model, history, precision, config).

    The served model outputs probabilities and includes the CNN's test-time augmentation; it
    is what is exported to ONNX and evaluated.
    """
    config = keras_config(key, **options)
    val_images, val_labels = (val.images, val.labels) if val is not None else (None, None)
    if key == "basic_cnn":
        model, history, precision = basic_cnn.train_basic_cnn(
            fit.images, fit.labels, val_images, val_labels, num_classes, config, verbose=verbose)
        return model, model, history, precision, config
    model, history, precision = cnn.train_cnn(fit.images, fit.labels, val_images, val_labels, num_classes,
                                              config, verbose=verbose)
    return model, cnn.serving_model(model, config.tta), history, precision, config
