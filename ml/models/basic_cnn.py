"""The original study's basic CNN, kept as a reference: what the better recipe buys.

The classic Keras CIFAR-10 example: two blocks of conv-ReLU-conv-ReLU-max-pool-dropout
(32 then 64 filters), a 512-unit dense layer with dropout, softmax; Adam, no augmentation.
It trains until its validation accuracy stops improving (the learning rate halved on each plateau,
ml.models.basic_cnn.PlateauRule), and keeps its best weights; the length is set by that rule and the
epochs, never by wall time.

The study names batch normalization and augmentation by rotation, flip and zoom too; both are
options here (`batch_norm`, `flip`, `rotation`, `zoom`) so that the study's own setup
(ml.study.setup) can be run as the study describes it. The augmentation layers are active only
while training and are left out of the served model.
"""

from __future__ import annotations

import keras
import numpy as np

from ml.models.cnn import resolve_precision
from ml.models.cnn_config import BasicCNNConfig
from ml.models.run_record import RunControl
from ml.models.training_loop import (
    EpochLog,
    StatefulCallback,
    restore_variables,
    resume_point,
    shuffled_batches,
    steps_in_epoch,
    stop_reason,
)


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


class PlateauRule(StatefulCallback):
    """The study's stopping rule on validation accuracy: the learning rate is multiplied by `lr_factor`
    after `lr_patience` epochs without a better validation accuracy (down to `min_lr`), training stops
    after `patience` such epochs, and the best epoch's weights are kept. Without a validation split it
    does nothing, and the run is a fixed schedule of `max_epochs`."""

    name = "plateau"

    def __init__(self, config: BasicCNNConfig):
        super().__init__()
        self.config = config
        self.best, self.best_epoch, self.wait, self.lr_wait, self.best_weights = -1.0, 0, 0, 0, []
        self.stopped = False

    def state(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait, "lr_wait": self.lr_wait,
                "best_weights": self.best_weights}

    def restore(self, state: dict) -> None:
        self.best, self.best_epoch, self.wait, self.lr_wait = (state["best"], state["best_epoch"], state["wait"],
                                                               state["lr_wait"])
        self.best_weights = list(state["best_weights"])

    def on_epoch_end(self, epoch, logs=None):
        accuracy = (logs or {}).get("val_accuracy")
        if accuracy is None:
            return
        if accuracy > self.best:
            self.best, self.best_epoch, self.wait, self.lr_wait = float(accuracy), epoch + 1, 0, 0
            self.best_weights = [np.array(w) for w in self.model.get_weights()]
            return
        self.wait, self.lr_wait = self.wait + 1, self.lr_wait + 1
        rate = self.model.optimizer.learning_rate
        if self.lr_wait >= self.config.lr_patience and float(rate.numpy()) > self.config.min_lr:
            rate.assign(max(self.config.min_lr, float(rate.numpy()) * self.config.lr_factor))
            self.lr_wait = 0
        if self.wait >= self.config.patience:
            self.stopped = self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights:
            self.model.set_weights(self.best_weights)


def train_basic_cnn(train_images, train_labels, val_images, val_labels, num_classes: int,
                    config: BasicCNNConfig, verbose: int | str = "auto", control: RunControl = RunControl(),
                    key: str | None = None, log=print):
    """Train the reference CNN; returns (float32 model with the kept weights, per-epoch curves, why it
    stopped, precision). `control` checkpoints, resumes or caps the run (ml.models.run_record)."""
    keras.utils.set_random_seed(config.seed)
    key = key or "basic_cnn"
    resumed = resume_point(control, key, log)
    precision = resolve_precision(config.mixed_precision)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        model = build_basic_cnn(num_classes, config, training=True)
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        if resumed:
            restore_variables(model, model.optimizer, model.trainable_variables, resumed)
        rule = PlateauRule(config)
        epoch_log = EpochLog(key, config.max_epochs, control, [rule], resumed)
        validation = None
        if val_images is not None and len(val_images):
            validation = (val_images.astype(np.float32), val_labels)
        start = resumed.epoch if resumed else 0
        batches = shuffled_batches((train_images, train_labels), config.batch_size, config.seed, start,
                                   config.max_epochs, drop_remainder=False)
        model.fit(batches, steps_per_epoch=steps_in_epoch(len(train_images), config.batch_size, False),
                  initial_epoch=start, epochs=config.max_epochs, validation_data=validation,
                  validation_batch_size=1000, callbacks=[rule, epoch_log], verbose=verbose, shuffle=False)
        weights = model.get_weights()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    stopped = stop_reason(epoch_log, patience_stopped=rule.stopped, best_epoch=rule.best_epoch or None)
    serving = build_basic_cnn(num_classes, config)
    serving.set_weights(weights)
    return serving, epoch_log.curves, stopped, precision
