"""The Keras CNN: a compact residual-free convnet in the style of airbench / ResNet-9 recipes.

Layout: a frozen 2x2 patch-whitening convolution, three conv groups
(conv-pool-BN-ReLU-conv-BN-ReLU), global max pooling, dropout and a softmax head.
Trained with Nesterov SGD, a warm-up then linear-decay schedule, label smoothing, and
flip + 2-pixel translation augmentation; test-time augmentation averages the image and
its mirror. Importing this module imports TensorFlow: the app never does.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from ml.cpu import bf16_supported  # noqa: E402


@dataclass
class CNNConfig:
    """Hyper-parameters of the CNN recipe (defaults chosen on the validation split)."""

    widths: tuple[int, int, int] = (64, 256, 256)
    whitening_patches: int = 10_000
    dropout: float = 0.1
    batch_norm: bool = True
    bn_momentum: float = 0.4  # Keras convention: weight of the running value (PyTorch's 0.6)
    epochs: int = 16
    batch_size: int = 512
    peak_lr: float = 0.4
    warmup_fraction: float = 0.2
    momentum: float = 0.9
    weight_decay: float = 5e-3  # decoupled; ~5e-4 coupled L2 under momentum 0.9
    label_smoothing: float = 0.2
    logit_scale: float = 0.125  # shrinks the head's initial logits, as airbench does
    augment: bool = True
    translate_pixels: int = 2
    tta: bool = True
    early_stopping_patience: int = 4
    seed: int = 0
    mixed_precision: str = "auto"  # "auto" | "bfloat16" | "float32"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_precision(choice: str) -> str:
    """'auto' -> bfloat16 where the CPU has AMX / AVX512-BF16, float32 otherwise."""
    if choice == "auto":
        return "bfloat16" if bf16_supported() else "float32"
    if choice not in ("bfloat16", "float32"):
        raise ValueError(f"unknown precision {choice!r}")
    return choice


def whitening_kernel(images: np.ndarray, n_patches: int, seed: int, eps: float = 5e-4) -> np.ndarray:
    """2x2 patch-whitening filters (PCA of training patches), doubled with their negatives."""
    rng = np.random.default_rng(seed)
    x = images[rng.choice(len(images), size=min(len(images), n_patches), replace=False)]
    x = x.astype(np.float64) / 255.0
    patches = np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(1, 2))  # N,31,31,3,2,2
    patches = patches.transpose(0, 1, 2, 4, 5, 3).reshape(-1, 12)
    patches = patches - patches.mean(axis=0)
    eigval, eigvec = np.linalg.eigh(np.cov(patches, rowvar=False))
    filters = eigvec / np.sqrt(eigval + eps)  # columns are filters
    kernel = filters.reshape(2, 2, 3, 12)
    return np.concatenate([kernel, -kernel], axis=-1).astype(np.float32)


def build_model(num_classes: int, config: CNNConfig, train_images: np.ndarray) -> keras.Model:
    """The network; inputs are float32 NHWC pixels in 0..255 (see ml.preprocess.to_model_input)."""
    mean = train_images.reshape(-1, 3).mean(axis=0) / 255.0
    inputs = keras.Input((32, 32, 3), name="image")
    x = keras.layers.Rescaling(1 / 255.0, offset=(-mean).tolist(), name="center")(inputs)
    kernel = whitening_kernel(train_images, config.whitening_patches, config.seed)
    whiten = keras.layers.Conv2D(kernel.shape[-1], 2, padding="valid", use_bias=False,
                                 trainable=False, name="whiten")
    x = whiten(x)
    whiten.set_weights([kernel])
    x = keras.layers.ReLU()(x)
    for i, width in enumerate(config.widths):
        x = _conv_group(x, width, config, name=f"group{i + 1}")
    x = keras.layers.GlobalMaxPooling2D()(x)
    if config.dropout > 0:
        x = keras.layers.Dropout(config.dropout, seed=config.seed)(x)
    x = keras.layers.Dense(num_classes, use_bias=False, name="logits")(x)
    x = keras.layers.Rescaling(config.logit_scale, name="logit_scale")(x)
    outputs = keras.layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="cifar_cnn")


def _conv_group(x, width: int, config: CNNConfig, name: str):
    x = keras.layers.Conv2D(width, 3, padding="same", use_bias=not config.batch_norm,
                            name=f"{name}_conv1")(x)
    x = keras.layers.MaxPooling2D(2, name=f"{name}_pool")(x)
    x = _norm_act(x, config, f"{name}_bn1")
    x = keras.layers.Conv2D(width, 3, padding="same", use_bias=not config.batch_norm,
                            name=f"{name}_conv2")(x)
    return _norm_act(x, config, f"{name}_bn2")


def _norm_act(x, config: CNNConfig, name: str):
    if config.batch_norm:
        x = keras.layers.BatchNormalization(momentum=config.bn_momentum, scale=False, name=name)(x)
    return keras.layers.ReLU()(x)


@keras.saving.register_keras_serializable(package="ml")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to `peak`, then linear decay to 0 at `total_steps`."""

    def __init__(self, peak: float, total_steps: int, warmup_steps: int):
        self.peak, self.total_steps, self.warmup_steps = peak, total_steps, warmup_steps

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        warm = step / max(self.warmup_steps, 1)
        decay = (self.total_steps - step) / max(self.total_steps - self.warmup_steps, 1)
        return self.peak * keras.ops.maximum(0.0, keras.ops.minimum(warm, decay))

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps}


def augmenter(config: CNNConfig) -> keras.Sequential:
    """Random horizontal flip and a translation of up to `translate_pixels` (reflected border)."""
    shift = config.translate_pixels / 32
    return keras.Sequential([
        keras.layers.RandomFlip("horizontal", seed=config.seed),
        keras.layers.RandomTranslation(shift, shift, fill_mode="reflect", interpolation="nearest",
                                       seed=config.seed + 1),
    ], name="augment")


def make_dataset(images: np.ndarray, labels: np.ndarray, num_classes: int, config: CNNConfig,
                 *, training: bool) -> tf.data.Dataset:
    """Batches of (float32 pixels, one-hot labels); shuffled and augmented when training."""
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    if training:
        ds = ds.shuffle(len(images), seed=config.seed, reshuffle_each_iteration=True)
    ds = ds.batch(config.batch_size, drop_remainder=training)
    ds = ds.map(lambda x, y: (tf.cast(x, tf.float32), tf.one_hot(y, num_classes)),
                num_parallel_calls=tf.data.AUTOTUNE)
    if training and config.augment:
        augment = augmenter(config)
        ds = ds.map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def train_cnn(train_images, train_labels, val_images, val_labels, num_classes: int,
              config: CNNConfig, work_dir: Path, verbose: int | str = "auto"):
    """Train the CNN; returns (float32 model with the best weights, history dict, precision)."""
    keras.utils.set_random_seed(config.seed)
    config.batch_size = min(config.batch_size, len(train_images))
    precision = resolve_precision(config.mixed_precision)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        model = build_model(num_classes, config, train_images)
        steps = steps_per_epoch(len(train_images), config.batch_size)
        schedule = WarmupLinearDecay(config.peak_lr, steps * config.epochs,
                                     int(steps * config.epochs * config.warmup_fraction))
        model.compile(
            optimizer=keras.optimizers.SGD(schedule, momentum=config.momentum, nesterov=True,
                                           weight_decay=config.weight_decay),
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
            metrics=["accuracy"], jit_compile=False)
        work_dir.mkdir(parents=True, exist_ok=True)
        best_path = work_dir / "cnn_best.weights.h5"
        callbacks = [
            keras.callbacks.ModelCheckpoint(best_path, monitor="val_accuracy", mode="max",
                                            save_best_only=True, save_weights_only=True),
            keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max",
                                          patience=config.early_stopping_patience),
        ]
        history = model.fit(
            make_dataset(train_images, train_labels, num_classes, config, training=True),
            validation_data=make_dataset(val_images, val_labels, num_classes, config, training=False),
            epochs=config.epochs, callbacks=callbacks, verbose=verbose)
        model.load_weights(best_path)
        weights = model.get_weights()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    serving = build_model(num_classes, config, train_images)
    serving.set_weights(weights)
    return serving, {k: [float(v) for v in vals] for k, vals in history.history.items()}, precision


def serving_model(model: keras.Model, tta: bool) -> keras.Model:
    """The model as served: with test-time augmentation, the mean of image and mirror outputs."""
    if not tta:
        return model
    inputs = keras.Input((32, 32, 3), name="image")
    mirrored = keras.ops.flip(inputs, axis=2)
    outputs = keras.layers.Average(name="probabilities")([model(inputs), model(mirrored)])
    return keras.Model(inputs, outputs, name="cifar_cnn_tta")


def steps_per_epoch(n_images: int, batch_size: int) -> int:
    """Optimizer steps in one epoch (the last partial batch is dropped)."""
    return max(1, math.floor(n_images / batch_size))
