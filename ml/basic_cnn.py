"""The original study's basic CNN, kept as a reference: what the better recipe buys.

The classic Keras CIFAR-10 example: two blocks of conv-ReLU-conv-ReLU-max-pool-dropout
(32 then 64 filters), a 512-unit dense layer with dropout, softmax; Adam, no augmentation.
It trains until its validation accuracy stops improving or the time budget (the main
recipe's) runs out, whichever comes first, and keeps its best weights.

The study names batch normalization and augmentation by rotation, flip and zoom too; both are
options here (`batch_norm`, `flip`, `rotation`, `zoom`) so that the study's own setup
(ml.study_setup) can be run as the study describes it. The augmentation layers are active only
while training and are left out of the served model.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import keras
import numpy as np

from ml.cnn import resolve_precision


@dataclass
class BasicCNNConfig:
    """Hyper-parameters of the reference CNN (the classic example's, with Adam)."""

    max_epochs: int = 100
    batch_size: int = 128
    learning_rate: float = 1e-3
    patience: int = 5
    time_budget_s: float = 30 * 60
    seed: int = 0
    mixed_precision: str = "auto"
    batch_norm: bool = False  # after every convolution and the dense layer, before the ReLU
    flip: bool = False  # random horizontal flips while training
    rotation: float = 0.0  # random rotation, as a fraction of a full turn (keras.layers.RandomRotation)
    zoom: float = 0.0  # random zoom in or out by up to this fraction (keras.layers.RandomZoom)

    def to_dict(self) -> dict:
        return asdict(self)


def build_basic_cnn(num_classes: int, config: BasicCNNConfig | None = None, training: bool = False) -> keras.Model:
    """conv32-conv32-pool-dropout, conv64-conv64-pool-dropout, dense512-dropout, softmax; with
    `training`, the configured augmentation layers first (they hold no weights, so the trained
    weights load into the model built without them)."""
    config = config or BasicCNNConfig()
    layers = [keras.Input((32, 32, 3), name="image")]
    if training:
        layers += augmentation_layers(config)
    layers.append(keras.layers.Rescaling(1 / 255.0))

    def unit(layer_class, *args, **kwargs):
        """A convolution or dense layer with its ReLU, batch-normalised in between if configured."""
        if not config.batch_norm:
            return [layer_class(*args, activation="relu", **kwargs)]
        return [layer_class(*args, use_bias=False, **kwargs), keras.layers.BatchNormalization(),
                keras.layers.ReLU()]

    for width in (32, 64):
        layers += [*unit(keras.layers.Conv2D, width, 3, padding="same"), *unit(keras.layers.Conv2D, width, 3),
                   keras.layers.MaxPooling2D(2), keras.layers.Dropout(0.25)]
    layers += [keras.layers.Flatten(), *unit(keras.layers.Dense, 512),
               keras.layers.Dropout(0.5), keras.layers.Dense(num_classes),
               keras.layers.Activation("softmax", dtype="float32", name="probabilities")]
    return keras.Sequential(layers, name="basic_cnn")


def augmentation_layers(config: BasicCNNConfig) -> list:
    """The study's augmentation (flip, rotation, zoom) as Keras layers, seeded from the config."""
    layers = []
    if config.flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=config.seed))
    if config.rotation:
        layers.append(keras.layers.RandomRotation(config.rotation, fill_mode="reflect", seed=config.seed + 1))
    if config.zoom:
        layers.append(keras.layers.RandomZoom(config.zoom, fill_mode="reflect", seed=config.seed + 2))
    return layers


class TimeBudget(keras.callbacks.Callback):
    """Stop training at the end of the epoch in which `seconds` of wall time have passed."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True


def train_basic_cnn(train_images, train_labels, val_images, val_labels, num_classes: int,
                    config: BasicCNNConfig, verbose: int | str = "auto"):
    """Train the reference CNN; returns (float32 model with the best weights, history, precision)."""
    keras.utils.set_random_seed(config.seed)
    precision = resolve_precision(config.mixed_precision)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        model = build_basic_cnn(num_classes, config, training=True)
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        callbacks = [TimeBudget(config.time_budget_s)]
        validation = None
        if val_images is not None and len(val_images):
            validation = (val_images.astype(np.float32), val_labels)
            callbacks.append(keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max",
                                                           patience=config.patience,
                                                           restore_best_weights=True))
        history = model.fit(train_images.astype(np.float32), train_labels, batch_size=config.batch_size,
                            epochs=config.max_epochs, validation_data=validation, shuffle=True,
                            callbacks=callbacks, verbose=verbose)
        weights = model.get_weights()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    serving = build_basic_cnn(num_classes, config)
    serving.set_weights(weights)
    return serving, {k: [float(v) for v in vals] for k, vals in history.history.items()}, precision
