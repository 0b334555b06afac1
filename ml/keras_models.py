"""One way to configure and train either Keras model, shared by `ml train`, the experiments and
the training benchmark. Importing this module imports TensorFlow."""

from __future__ import annotations

from typing import NamedTuple

import keras

from ml import basic_cnn, cnn
from ml.dataset import Split, default_val_size, validation_split


class TrainedModel(NamedTuple):
    """A trained Keras model and what is needed to export and describe it."""

    network: keras.Model
    served: keras.Model  # outputs probabilities, with the CNN's test-time augmentation
    history: dict
    precision: str
    config: object
    fit_images: int


def keras_config(key: str, *, seed: int = 0, preset: str = "full", epochs: int | None = None,
                 augment: bool = True, overrides: dict | None = None):
    """The configuration of model `key` ("cnn" or "basic_cnn") for one run."""
    if key == "basic_cnn":
        return basic_cnn.BasicCNNConfig(seed=seed, **(overrides or {}))
    if key != "cnn":
        raise ValueError(f"{key!r} is not a Keras model")
    config = cnn.preset_config(preset, **{"seed": seed, "augment": augment, **(overrides or {})})
    if epochs:  # a fixed number of epochs replaces the preset's time budget
        config.epochs, config.time_budget_s = epochs, None
    return config


def train_keras_model(key: str, fit: Split, val: Split | None, num_classes: int, *, verbose=0,
                      use_budget: bool = True, **options) -> TrainedModel:
    """Train model `key` on `fit`, watching `val` if given; the CNN runs for its preset's time budget
    unless `use_budget` is false (then for the preset's epochs, the same schedule on any machine).

    The basic CNN stops early on its validation accuracy, so without `val` it carves one out of `fit`
    (a tenth, at most 5,000 images; none when that cannot hold every class).
    """
    config = keras_config(key, **options)
    if key == "basic_cnn" and val is None and (size := default_val_size(len(fit), num_classes)):
        fit, val = validation_split(fit, size, config.seed)
    val_images, val_labels = (val.images, val.labels) if val is not None else (None, None)
    if key == "basic_cnn":
        model, history, precision = basic_cnn.train_basic_cnn(
            fit.images, fit.labels, val_images, val_labels, num_classes, config, verbose=verbose)
        return TrainedModel(model, model, history, precision, config, len(fit))
    model, history, precision, ran = cnn.train_cnn(fit.images, fit.labels, val_images, val_labels, num_classes,
                                                   config, verbose=verbose, use_budget=use_budget)
    return TrainedModel(model, cnn.serving_model(model, ran.tta), history, precision, ran, len(fit))
