"""One way to configure and train either Keras model, shared by `ml train`, the experiments and
the training benchmark. Importing this module imports TensorFlow."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import keras

from ml.cpu import cpu_description
from ml.data.dataset import Split, default_val_size, validation_split
from ml.models import basic_cnn, cnn
from ml.models.registry import MODELS
from ml.models.run_record import RunControl, curve_columns
from ml.models.training_loop import run_key


class TrainedModel(NamedTuple):
    """A trained Keras model and what is needed to export and describe it."""

    network: keras.Model
    served: keras.Model  # outputs probabilities, with the CNN's test-time augmentation
    history: dict  # the per-epoch curves, one list per quantity (ml.models.run_record.curve_columns)
    stopped: dict  # why training ended, epochs planned and run, seconds, the machine (ml.models.training_loop.stop_reason)
    precision: str
    config: object
    fit_images: int
    checkpoint: Path | None  # the run's checkpoint file: remove it once the result is stored


def keras_config(key: str, *, seed: int = 0, preset: str = "full", epochs: int | None = None,
                 augment: bool = True, overrides: dict | None = None):
    """The configuration of Keras model `key` for one run: the basic CNN's (the model that stops early on
    validation) or the CNN recipe's."""
    spec = MODELS.get(key)
    if spec is None or spec.kind != "keras":
        raise ValueError(f"{key!r} is not a Keras model")
    if spec.stops_early:  # `epochs` caps its stopping rule; `preset` and `augment` are the CNN's
        config = basic_cnn.BasicCNNConfig(seed=seed, **(overrides or {}))
        if epochs:
            config.max_epochs = epochs
        return config
    config = cnn.preset_config(preset, **{"seed": seed, "augment": augment, **(overrides or {})})
    if epochs:
        config.epochs = epochs
    return config


def train_keras_model(key: str, fit: Split, val: Split | None, num_classes: int, *, verbose=0,
                      control: RunControl = RunControl(), log=print, **options) -> TrainedModel:
    """Train model `key` on `fit`, watching `val` if given, for its configuration's schedule;
    `control` checkpoints, resumes or caps the run (ml.models.run_record).

    The basic CNN stops early on its validation accuracy, so without `val` it carves one out of `fit`
    (a tenth, at most 5,000 images; none when that cannot hold every class).
    """
    config = keras_config(key, **options)
    stops_early = MODELS[key].stops_early
    if stops_early and val is None and (size := default_val_size(len(fit), num_classes)):
        fit, val = validation_split(fit, size, config.seed)
    val_images, val_labels = (val.images, val.labels) if val is not None else (None, None)
    run = run_key(key, config.to_dict(), fit, val)
    if stops_early:
        model, curves, stopped, precision = basic_cnn.train_basic_cnn(
            fit.images, fit.labels, val_images, val_labels, num_classes, config, verbose=verbose,
            control=control, key=run, log=log)
        served, ran = model, config
    else:
        trained = cnn.train_cnn(fit.images, fit.labels, val_images, val_labels, num_classes, config,
                                verbose=verbose, control=control, key=run, log=log)
        model, curves, stopped, precision, ran = (trained.network, trained.curves, trained.stopped,
                                                  trained.precision, trained.config)
        served = cnn.serving_model(model, ran.tta)
    return TrainedModel(model, served, curve_columns(curves), {**stopped, "machine": cpu_description()},
                        precision, ran, len(fit), control.checkpoint(run))
