"""The Keras CNN, after the airbench94 recipe (Jordan, 2024) adapted to Keras 3 on a CPU.

Network: per-channel standardisation, a 2x2 patch-whitening convolution (its filters fixed
from the training data, its bias trained for the first epochs only), three conv groups
(conv-pool-BN-ReLU-conv-BN-ReLU; widths 64/256/256) whose convolutions start as identity
maps, global max pooling and a scaled linear head. BatchNorm has high momentum and no
learnable scale.

Training: Nesterov SGD on label-smoothed cross-entropy with coupled weight decay, BatchNorm
biases at 64x the learning rate, a short warm-up then linear decay, lookahead weight
averaging every 5 steps, and augmentation by 2-pixel translation and an alternating flip
(each image is mirrored on every other epoch, starting at random). Test-time augmentation
averages the logits of the image and its mirror; it is part of the exported model.

ReLU rather than GELU, and the mirror alone at test time rather than with 1-pixel shifts,
were chosen in exploratory runs on a validation split (GELU trained at about half the speed
on this CPU; the shifts tied with the mirror alone at three times the serving cost).
Cutout (`cutout`, off in both presets) and wider groups (`widths`) are there to be tried: at the
full preset's earlier 27-minute budget each gained at most a quarter of a point on the validation
split (docs/results.md, "Why the full preset stops near 91%").
Importing this module imports TensorFlow: the app never does.
"""

from __future__ import annotations

import dataclasses
import math
import os
from typing import NamedTuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from ml.cpu import bf16_supported  # noqa: E402
from ml.models.cnn_config import PRESETS, TTA_CHOICES, CNNConfig, preset_config  # noqa: E402,F401
from ml.models.run_record import RunControl  # noqa: E402
from ml.models.training_loop import (  # noqa: E402
    EpochLog,
    StatefulCallback,
    restore_variables,
    resume_point,
    shuffled_batches,
    stop_reason,
)

LOOKAHEAD_EVERY = 5
REFERENCE_BATCH = 1024  # the batch size the learning rate and weight decay are stated for
MIN_STEPS_PER_EPOCH = 40


def resolve_precision(choice: str) -> str:
    """'auto' -> bfloat16 where the CPU has AMX / AVX512-BF16, float32 otherwise."""
    if choice == "auto":
        return "bfloat16" if bf16_supported() else "float32"
    if choice not in ("bfloat16", "float32"):
        raise ValueError(f"unknown precision {choice!r}")
    return choice


def whitening_kernel(images: np.ndarray, n_patches: int, seed: int, eps: float = 5e-4) -> np.ndarray:
    """2x2 patch-whitening filters (PCA of standardised training patches), with their negatives."""
    rng = np.random.default_rng(seed)
    x = images[rng.choice(len(images), size=min(len(images), n_patches), replace=False)]
    mean, std = channel_stats(images)
    x = (x.astype(np.float64) / 255.0 - mean) / std
    patches = np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(1, 2))  # N,31,31,3,2,2
    patches = patches.transpose(0, 1, 2, 4, 5, 3).reshape(-1, 12)
    patches = patches - patches.mean(axis=0)
    eigval, eigvec = np.linalg.eigh(np.cov(patches, rowvar=False))
    filters = eigvec / np.sqrt(eigval + eps)  # columns are filters
    kernel = filters.reshape(2, 2, 3, 12)
    return np.concatenate([kernel, -kernel], axis=-1).astype(np.float32)


def channel_stats(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of uint8 images, on the 0..1 scale."""
    pixels = images.reshape(-1, 3).astype(np.float64) / 255.0
    return pixels.mean(axis=0), pixels.std(axis=0)


def build_model(num_classes: int, config: CNNConfig, train_images: np.ndarray) -> keras.Model:
    """The network; inputs are float32 NHWC pixels in 0..255 (see ml.data.preprocess.to_model_input).

    Outputs are logits: training adds the loss, serving (:func:`serving_model`) the softmax.
    """
    mean, std = channel_stats(train_images)
    inputs = keras.Input((32, 32, 3), name="image")
    x = keras.layers.Rescaling(1 / (255.0 * std), offset=(-mean / std).tolist(), name="standardise")(inputs)
    kernel = whitening_kernel(train_images, config.whitening_patches, config.seed)
    whiten = keras.layers.Conv2D(kernel.shape[-1], 2, padding="valid", name="whiten")
    x = whiten(x)
    whiten.set_weights([kernel, np.zeros(kernel.shape[-1], np.float32)])
    x = _activation(config.activation)(x)
    for i, width in enumerate(config.widths):
        x = _conv_group(x, width, config, name=f"group{i + 1}")
    x = keras.layers.GlobalMaxPooling2D()(x)
    if config.dropout > 0:
        x = keras.layers.Dropout(config.dropout, seed=config.seed)(x)
    x = keras.layers.Dense(num_classes, use_bias=False, kernel_initializer=_torch_default(),
                           name="head")(x)
    outputs = keras.layers.Rescaling(config.logit_scale, dtype="float32", name="logits")(x)
    return keras.Model(inputs, outputs, name="cifar_cnn")


@keras.saving.register_keras_serializable(package="ml")
def gelu_tanh(x):
    """GELU in its tanh form: the exact form's erfc has no ONNX converter."""
    return keras.activations.gelu(x, approximate=True)


def _activation(name: str):
    return keras.layers.Activation(gelu_tanh if name == "gelu" else name)


def _torch_default():
    # PyTorch's default conv / linear initialisation, which the recipe was tuned with.
    return keras.initializers.VarianceScaling(1 / 3, mode="fan_in", distribution="uniform")


@keras.saving.register_keras_serializable(package="ml")
class PartialDirac(keras.initializers.Initializer):
    """PyTorch-default weights whose first `in_channels` filters are identity maps (dirac)."""

    def __init__(self, seed: int | None = None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        kh, kw, cin, cout = shape
        kernel = keras.ops.convert_to_numpy(_torch_default()(shape, dtype="float32"))
        n = min(cin, cout)
        kernel[:, :, :, :n] = 0.0
        kernel[kh // 2, kw // 2, np.arange(n), np.arange(n)] = 1.0
        return keras.ops.cast(kernel, dtype or "float32")

    def get_config(self):
        return {"seed": self.seed}


@keras.saving.register_keras_serializable(package="ml")
class FusedBatchNorm(keras.layers.BatchNormalization):
    """BatchNormalization whose training pass is TensorFlow's fused kernel (oneDNN on x86).

    Keras 3 upcasts bfloat16 activations to float32 and normalises them in separate element-wise
    ops, which made BatchNorm about a third of the training step on two cores; the fused kernel
    takes bfloat16 as it is and computes its statistics in float32. Same arithmetic, same weights:
    inference is the parent's code, so exported models do not change.
    """

    def call(self, inputs, training=None, mask=None):
        if not (training and self.trainable) or mask is not None or self._reduction_axes != [0, 1, 2]:
            return super().call(inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        scale = tf.cast(self.gamma, tf.float32) if self.scale else tf.ones(channels, tf.float32)
        offset = tf.cast(self.beta, tf.float32) if self.center else tf.zeros(channels, tf.float32)
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs, scale, offset, epsilon=self.epsilon, is_training=True)
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            moving.assign(moving * self.momentum + tf.cast(batch, moving.dtype) * (1.0 - self.momentum))
        return tf.cast(outputs, self.compute_dtype)


def _conv_group(x, width: int, config: CNNConfig, name: str):
    for i in (1, 2):
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=not config.batch_norm,
                                kernel_initializer=PartialDirac(), name=f"{name}_conv{i}")(x)
        if i == 1:
            x = keras.layers.MaxPooling2D(2, name=f"{name}_pool")(x)
        if config.batch_norm:
            layer = FusedBatchNorm if config.fused_batch_norm else keras.layers.BatchNormalization
            x = layer(momentum=config.bn_momentum, epsilon=1e-5, scale=False, name=f"{name}_bn{i}")(x)
        x = _activation(config.activation)(x)
    return x


def lr_factor(progress: float, warmup: float, start: float = 0.2) -> float:
    """The learning rate as a fraction of its peak at `progress` (0..1) through training: linear
    from `start` to 1 over the warm-up, then linearly down to 0."""
    if progress < warmup:
        return start + (1 - start) * progress / warmup
    return max(0.0, (1 - progress) / (1 - warmup))


def translate_batch(images, max_shift: int, seed):
    """Shift each image by its own random (dy, dx) in [-max_shift, max_shift], reflecting the border."""
    n = tf.shape(images)[0]
    padded = tf.pad(images, [[0, 0], [max_shift, max_shift], [max_shift, max_shift], [0, 0]], "REFLECT")
    offsets = tf.random.stateless_uniform((n, 2), seed, 0, 2 * max_shift + 1, dtype=tf.int32)
    grid = tf.range(32)[None, :]
    rows = tf.gather(padded, grid + offsets[:, :1], batch_dims=1)
    return tf.gather(rows, grid + offsets[:, 1:], axis=2, batch_dims=1)


def cutout_batch(images, size: int, fill, seed):
    """Blank one size x size square, wholly inside each image at a random place, to `fill`."""
    n = tf.shape(images)[0]
    corners = tf.random.stateless_uniform((n, 2), seed, 0, 32 - size + 1, dtype=tf.int32)
    grid = tf.range(32)[None, :]
    rows = (grid >= corners[:, :1]) & (grid < corners[:, :1] + size)
    cols = (grid >= corners[:, 1:]) & (grid < corners[:, 1:] + size)
    square = (rows[:, :, None] & cols[:, None, :])[..., None]
    return tf.where(square, tf.cast(fill, images.dtype), images)


def _gaussian_kernel(sigma: float, radius: int = 3):
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    k1 = np.exp(-x ** 2 / (2 * sigma ** 2))
    k2 = np.outer(k1, k1) / np.outer(k1, k1).sum()
    return tf.constant(np.tile(k2[:, :, None, None], (1, 1, 3, 1)))  # depthwise: one per channel


def _blur(images, sigma: float):
    padded = tf.pad(images, [[0, 0], [3, 3], [3, 3], [0, 0]], "REFLECT")
    return tf.nn.depthwise_conv2d(padded, _gaussian_kernel(sigma), [1, 1, 1, 1], "VALID")


def _resample(images, side: int, down: str = "bilinear", up: str = "bilinear"):
    return tf.image.resize(tf.image.resize(images, (side, side), down), (32, 32), up)


def _rotate(images, radians):
    """Turn each image by its own angle about its centre, corners filled by reflection (as
    ml.data.corruptions.rotation)."""
    cos, sin, centre = tf.cos(radians), tf.sin(radians), 15.5
    zero = tf.zeros_like(cos)
    # Each row maps an output pixel (x, y) to the input pixel it reads: x' = a0 x + a1 y + a2, ...
    transforms = tf.stack([cos, -sin, centre - cos * centre + sin * centre,
                           sin, cos, centre - sin * centre - cos * centre, zero, zero], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.constant([32, 32]), fill_value=0.0,
        interpolation="BILINEAR", fill_mode="REFLECT")


def _jpeg_recompressed(images, severity):
    """Each image saved as a JPEG and read back, at quality 30 (severity 0) down to 8 (severity 1), the
    span of the robustness benchmark's JPEG kind (ml.data.corruptions.jpeg)."""
    quality = tf.cast(tf.round(30.0 - 22.0 * tf.reshape(severity, [-1])), tf.int32)
    return tf.map_fn(lambda pair: tf.image.adjust_jpeg_quality(pair[0] / 255.0, pair[1]) * 255.0,
                     (tf.clip_by_value(images, 0.0, 255.0), quality), fn_output_signature=images.dtype)


def _corruptions(seed, jpeg: bool = False):
    """The training corruptions, each a function of a part of the batch and of each image's severity
    (0..1, shaped to broadcast over its pixels); JPEG re-compression too when `jpeg`."""
    def by_severity(mild, hard):
        return lambda x, s: tf.where(s >= 0.5, hard(x), mild(x))

    def low_contrast(x, s):
        mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
        return mean + (1.0 - 0.7 * s) * (x - mean)

    def rotated(x, s):  # severities 0..1 span -30° to +30°
        signed = tf.reshape(s, [-1]) * 2.0 - 1.0
        return _rotate(x, signed * (30.0 * np.pi / 180.0))

    return [
        by_severity(lambda x: _blur(x, 0.7), lambda x: _blur(x, 1.5)),
        lambda x, s: x + tf.random.stateless_normal(tf.shape(x), seed + 1) * (0.12 * 255.0) * s,
        by_severity(lambda x: _resample(x, 24), lambda x: _resample(x, 16)),
        by_severity(lambda x: _resample(x, 16, "area", "nearest"), lambda x: _resample(x, 10, "area", "nearest")),
        low_contrast,
        lambda x, s: x + 0.4 * 255.0 * s,
        rotated,
    ] + ([_jpeg_recompressed] if jpeg else [])


def corrupt_batch(images, probability: float, seed, jpeg: bool = False):
    """Give each float image (0..255) of the batch, with `probability`, one corruption of the kinds
    the robustness benchmark (ml.data.corruptions) measures, at a random severity up to about its hardest:
    Gaussian blur (σ 0.7 or 1.5 px), Gaussian noise (σ up to 12% of the range), a lower resolution
    (16 or 24 px and back), pixelation (10 or 16 blocks), low contrast (down to ×0.3), over-exposure
    (up to +40% of the range), rotation (up to ±30°), and JPEG re-compression when `jpeg`. Translation
    and product framing (and JPEG, without `jpeg`) are left out, so the benchmark still has kinds the
    network never trained on. The batch is split by kind so that each image costs one corruption, not
    all of them."""
    damages = _corruptions(seed, jpeg)
    n = tf.shape(images)[0]
    draws = tf.random.stateless_uniform((n, 3), seed)
    untouched = len(damages)
    kind = tf.where(draws[:, 2] < probability, tf.cast(draws[:, 0] * untouched, tf.int32), untouched)
    positions = tf.dynamic_partition(tf.range(n), kind, untouched + 1)
    parts = tf.dynamic_partition(images, kind, untouched + 1)
    severities = tf.dynamic_partition(draws[:, 1], kind, untouched + 1)
    def damaged(damage, part, severity):  # some ops refuse an empty batch, which a small one can give
        return tf.cond(tf.shape(part)[0] > 0, lambda: damage(part, severity[:, None, None, None]), lambda: part)

    corrupted = [damaged(*args) for args in zip(damages, parts, severities)]
    return tf.clip_by_value(tf.dynamic_stitch(positions, corrupted + [parts[untouched]]), 0.0, 255.0)


class Trainer(keras.Model):
    """Wraps the network for `fit`: in-graph augmentation and the recipe's gradient scaling."""

    def __init__(self, net: keras.Model, config: CNNConfig, steps_per_epoch: int):
        super().__init__()
        self.net, self.config, self.steps_per_epoch = net, config, steps_per_epoch
        standardise = net.get_layer("standardise")  # the pixel that standardises to 0 fills cutouts
        self.mean_pixel = tf.constant(-np.asarray(standardise.offset) / standardise.scale, tf.float32)
        self.flip_parity = tf.Variable(0, dtype=tf.int32, trainable=False)
        # The variables are found by what they are, not by their names, so renaming a layer cannot
        # silently turn their treatment off: BatchNorm biases learn faster, the whitening bias only early.
        bn_biases = [layer.beta for layer in net.layers
                     if isinstance(layer, keras.layers.BatchNormalization) and layer.center]
        whiten_bias = net.get_layer("whiten").bias  # fails loudly if build_model stops making it
        variables = net.trainable_variables
        self.grad_scales = [config.bias_lr_scale if any(v is b for b in bn_biases) else 1.0 for v in variables]
        self.whiten_bias_index = next(i for i, v in enumerate(variables) if v is whiten_bias)
        self.l2 = config.weight_decay / config.lr  # decay per step = lr * l2, both scaled by the batch

    def call(self, inputs, training=False):
        return self.net(inputs, training=training)

    def augment(self, images, flip_bits):
        flip = tf.math.not_equal(flip_bits, self.flip_parity)[:, None, None, None]
        images = tf.where(flip, tf.reverse(images, axis=[2]), images)
        step = tf.cast(self.optimizer.iterations, tf.int32)
        if self.config.translate_pixels:
            images = translate_batch(images, self.config.translate_pixels, tf.stack([step, self.config.seed]))
        if self.config.cutout:
            seed = tf.stack([step, self.config.seed + 1])
            images = cutout_batch(images, self.config.cutout, self.mean_pixel, seed)
        if self.config.corrupt_probability:
            images = corrupt_batch(images, self.config.corrupt_probability, tf.stack([step, self.config.seed + 2]),
                                   jpeg=self.config.corrupt_jpeg)
        return images

    def train_step(self, data):
        images, labels, flip_bits = data
        images = tf.cast(images, tf.float32)
        if self.config.augment:
            images = self.augment(images, flip_bits)
        with tf.GradientTape() as tape:
            logits = self.net(images, training=True)
            loss = self.compute_loss(x=images, y=labels, y_pred=logits)
        variables = self.net.trainable_variables
        grads = tape.gradient(loss, variables)
        epoch = tf.cast(self.optimizer.iterations, tf.float32) / self.steps_per_epoch
        bias_on = tf.cast(epoch < self.config.whiten_bias_epochs, tf.float32)
        scaled = []
        for i, (grad, var, scale) in enumerate(zip(grads, variables, self.grad_scales)):
            grad = scale * grad + self.l2 * tf.cast(var, grad.dtype)
            scaled.append(grad * bias_on if i == self.whiten_bias_index else grad)
        self.optimizer.apply_gradients(zip(scaled, variables))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(labels, logits)
        return {m.name: m.result() for m in self.metrics}


class AlternatingFlip(keras.callbacks.Callback):
    """Flip the images whose bit is set on even epochs and the others on odd epochs."""

    def on_epoch_begin(self, epoch, logs=None):
        self.model.flip_parity.assign(epoch % 2)


class Schedule(StatefulCallback):
    """Drives training by its progress from 0 to 1 in optimizer steps over the fixed number of epochs:
    the same steps at the same learning rates on any machine, however fast.

    Each step it sets the learning rate (warm-up, then linear decay to 0) and, with lookahead,
    every 5 steps pulls an averaged copy of the weights toward the live ones and resets the live
    ones to it; the averaging decay rises as training ends, and the final weights are the average.
    """

    name = "schedule"

    def __init__(self, config: CNNConfig, peak_lr: float, total_steps: int):
        super().__init__()
        self.config, self.peak_lr, self.total_steps = config, peak_lr, total_steps
        self.base_decay = 0.95 ** LOOKAHEAD_EVERY

    def progress(self) -> float:
        return min(1.0, self.step / self.total_steps)

    def on_train_begin(self, logs=None):
        self.step = 0
        self.variables = [v for v in self.model.net.weights if v.dtype in ("float32", "float16", "bfloat16")]
        self.average = [tf.Variable(v.value) for v in self.variables] if self.config.lookahead else []

    def state(self) -> dict:
        return {"step": self.step, "average": [a.numpy() for a in self.average]}

    def restore(self, state: dict) -> None:
        self.step = state["step"]
        for average, value in zip(self.average, state["average"], strict=True):
            average.assign(value)

    def on_train_batch_begin(self, batch, logs=None):
        factor = lr_factor(self.progress(), self.config.warmup_fraction)
        self.model.optimizer.learning_rate.assign(self.peak_lr * factor)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.average and self.step % LOOKAHEAD_EVERY == 0:
            self._average(self.base_decay * self.progress() ** 3)

    def on_train_end(self, logs=None):
        if self.average:
            self._average(1.0)

    def _average(self, decay: float):
        for average, live in zip(self.average, self.variables):
            average.assign(decay * average + (1 - decay) * live.value)
            live.assign(average)


def training_dataset(images: np.ndarray, labels: np.ndarray, config: CNNConfig, start_epoch: int = 0):
    """Batches of (uint8 images, labels, per-image flip bits) from `start_epoch` to the schedule's end,
    each epoch in an order fixed by the seed and the epoch; augmented in the step."""
    flip_bits = np.random.default_rng(config.seed).integers(0, 2, len(images)).astype(np.int32)
    return shuffled_batches((images, labels.astype(np.int32), flip_bits), config.batch_size, config.seed,
                            start_epoch, config.epochs, drop_remainder=True)


class TrainedCNN(NamedTuple):
    network: keras.Model  # float32, the final weights
    curves: list[dict]  # one row an epoch: loss, accuracy, val_loss, val_accuracy, lr, seconds
    stopped: dict  # ml.models.training_loop.stop_reason
    precision: str
    config: CNNConfig  # as run: `config` with the batch size chosen for this many images


def train_cnn(train_images, train_labels, val_images, val_labels, num_classes: int,
              config: CNNConfig, verbose: int | str = "auto", callbacks: list | None = None,
              control: RunControl = RunControl(), key: str | None = None, log=print) -> TrainedCNN:
    """Train the CNN for `config.epochs` epochs. The validation split (may be None) is only watched,
    once an epoch, never trained on. `callbacks` are extra Keras callbacks (for example, timers).
    `control` says where to checkpoint, whether to resume and when to cut the run short (CutShort);
    `key` names the run (ml.models.training_loop.run_key). `config` itself is not changed."""
    keras.utils.set_random_seed(config.seed)
    if config.extra.get("deterministic"):
        tf.config.experimental.enable_op_determinism()
    config = dataclasses.replace(config, batch_size=batch_size_for(len(train_images), config.batch_size))
    key = key or "cnn"
    resumed = resume_point(control, key, log)
    precision = resolve_precision(config.mixed_precision)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        net = build_model(num_classes, config, train_images)
        steps = steps_per_epoch(len(train_images), config.batch_size)
        trainer = Trainer(net, config, steps)
        peak_lr = config.lr * config.batch_size / REFERENCE_BATCH
        trainer.compile(
            optimizer=keras.optimizers.SGD(peak_lr, momentum=config.momentum, nesterov=True),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            if not config.label_smoothing else _smoothed_loss(num_classes, config.label_smoothing),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            jit_compile=config.extra.get("jit_compile", False))
        if resumed:
            restore_variables(net, trainer.optimizer, net.trainable_variables, resumed)
        schedule = Schedule(config, peak_lr, steps * config.epochs)
        epoch_log = EpochLog(key, config.epochs, control, [schedule], resumed, model_of=lambda trainer: trainer.net)
        validation = None
        if val_images is not None and len(val_images):
            validation = (val_images.astype(np.float32), val_labels.astype(np.int32))
        start = resumed.epoch if resumed else 0
        trainer.fit(training_dataset(train_images, train_labels, config, start), steps_per_epoch=steps,
                    initial_epoch=start, epochs=config.epochs, validation_data=validation,
                    validation_batch_size=1000, callbacks=[AlternatingFlip(), schedule, *(callbacks or []), epoch_log],
                    verbose=verbose, shuffle=False)
        weights = net.get_weights()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    stopped = stop_reason(epoch_log)
    serving = build_model(num_classes, config, train_images)
    serving.set_weights(weights)
    return TrainedCNN(serving, epoch_log.curves, stopped, precision, config)


def _smoothed_loss(num_classes: int, smoothing: float):
    """Label-smoothed cross-entropy on integer labels."""
    loss = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)

    def smoothed(y_true, y_pred):
        return loss(tf.one_hot(tf.cast(tf.reshape(y_true, [-1]), tf.int32), num_classes), y_pred)

    return smoothed


def serving_model(net: keras.Model, tta: str) -> keras.Model:
    """The model as served: probabilities, with the test-time augmentation `tta` built in.

    "mirror" averages the logits of the image and its mirror; "mirror_translate" averages
    that (weight 1/2) with the same for the image shifted one pixel up-left and down-right
    (1/4 each), reflecting the border, as airbench94 does.
    """
    if tta not in TTA_CHOICES:
        raise ValueError(f"unknown test-time augmentation {tta!r}")
    inputs = keras.Input((32, 32, 3), name="image")

    def mirror_logits(x):
        if tta == "none":
            return net(x)
        return keras.layers.Average()([net(x), net(keras.ops.flip(x, axis=2))])

    logits = mirror_logits(inputs)
    if tta == "mirror_translate":
        padded = keras.ops.pad(inputs, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="reflect")
        shifted = [mirror_logits(padded[:, :32, :32]), mirror_logits(padded[:, 2:, 2:])]
        logits = keras.layers.Average()([logits, keras.layers.Average()(shifted)])
    outputs = keras.layers.Activation("softmax", dtype="float32", name="probabilities")(logits)
    return keras.Model(inputs, outputs, name=f"cifar_cnn_tta_{tta}")


def batch_size_for(n_images: int, largest: int) -> int:
    """`largest`, or for small training sets the largest power of two that still gives
    MIN_STEPS_PER_EPOCH steps an epoch (at least 32). The learning rate and weight decay scale
    with the batch size (linear scaling), so the schedule is the same in epochs."""
    fitting = 2 ** max(5, math.floor(math.log2(max(n_images, 1) / MIN_STEPS_PER_EPOCH)))
    return int(min(largest, fitting, n_images))


def steps_per_epoch(n_images: int, batch_size: int) -> int:
    """Optimizer steps in one epoch (the last partial batch is dropped)."""
    return max(1, math.floor(n_images / batch_size))
