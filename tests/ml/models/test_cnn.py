"""The CNN recipe's parts (ml/models/cnn.py): whitening, schedule, batches, augmentation, BatchNorm, TTA."""


import numpy as np
import pytest


def test_whitening_filters_decorrelate_patches():
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (200, 32, 32, 1))
    images = np.concatenate([base, base // 2 + 20, 255 - base], axis=-1).astype(np.uint8)  # correlated channels
    kernel = cnn.whitening_kernel(images, 200, seed=0)
    assert kernel.shape == (2, 2, 3, 24)
    assert np.allclose(kernel[..., 12:], -kernel[..., :12])


def test_schedule_warms_up_then_decays_to_zero():
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    values = [cnn.lr_factor(p, warmup=0.2) for p in (0, 0.1, 0.2, 0.6, 1.0)]
    assert values == pytest.approx([0.2, 0.6, 1.0, 0.5, 0.0], abs=1e-9)


def test_cnn001_schedule_runs_the_same_steps_at_the_same_rates_on_a_slower_clock(monkeypatch):
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    from ml.models import training_loop
    images = np.random.default_rng(2).integers(0, 255, (128, 32, 32, 3)).astype(np.uint8)
    labels = np.arange(128) % 3
    config = cnn.CNNConfig(widths=(8, 16, 16), batch_size=1024, epochs=2, seed=0)
    fast = cnn.train_cnn(images, labels, None, None, 3, config, verbose=0)
    assert fast.config.batch_size == 32 and config.batch_size == 1024  # decided and returned, not written back

    class SlowClock:  # every reading a minute later than the last: a machine sixty thousand times slower
        now = 0.0

        def __getattr__(self, name):
            return getattr(training_loop.time.__class__, name)

        def perf_counter(self):
            self.now += 60.0
            return self.now

        monotonic = perf_counter

    monkeypatch.setattr(training_loop, "time", SlowClock())
    slow = cnn.train_cnn(images, labels, None, None, 3, config, verbose=0)
    assert [row["epoch"] for row in slow.curves] == [1, 2] and slow.stopped["reason"] == "schedule_finished"
    assert [row["lr"] for row in slow.curves] == [row["lr"] for row in fast.curves]
    assert [row["loss"] for row in slow.curves] == pytest.approx([row["loss"] for row in fast.curves], rel=1e-5)
    assert slow.curves[0]["seconds"] == 60.0  # wall time measured on that clock, and only measured


def test_batch_size_shrinks_for_small_training_sets():
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    assert cnn.batch_size_for(50_000, 1024) == 1024
    assert cnn.batch_size_for(5_000, 1024) == 64  # 78 steps an epoch rather than 4
    assert cnn.batch_size_for(60, 16) == 16
    assert cnn.steps_per_epoch(5_000, 64) >= cnn.MIN_STEPS_PER_EPOCH


def test_translation_moves_each_image_by_its_own_offset_within_bounds():
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    import tensorflow as tf
    images = np.random.default_rng(0).integers(0, 255, (64, 32, 32, 3)).astype(np.float32)
    shifted = cnn.translate_batch(tf.constant(images), 2, tf.constant([1, 2])).numpy()
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect")
    offsets = set()
    for image, out in zip(padded, shifted):
        found = [(dy, dx) for dy in range(5) for dx in range(5)
                 if np.array_equal(image[dy:dy + 32, dx:dx + 32], out)]
        assert found, "every output is a 32x32 window of the reflect-padded input"
        offsets.add(found[0])
    assert len(offsets) > 5  # offsets differ between images


def test_cutout_blanks_one_square_inside_each_image_to_the_fill_colour():
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    import tensorflow as tf
    images = np.random.default_rng(0).integers(1, 255, (64, 32, 32, 3)).astype(np.float32)
    fill = np.array([300.0, 301.0, 302.0], np.float32)  # out of the pixel range, so unmistakable
    out = cnn.cutout_batch(tf.constant(images), 8, tf.constant(fill), tf.constant([3, 4])).numpy()
    corners = set()
    for image, result in zip(images, out):
        blank = np.all(result == fill, axis=-1)
        rows, cols = np.nonzero(blank)
        assert blank.sum() == 64 and np.ptp(rows) == 7 and np.ptp(cols) == 7  # one whole 8x8 square
        assert np.array_equal(result[~blank], image[~blank])  # the rest untouched
        corners.add((rows.min(), cols.min()))
    assert len(corners) > 5  # placed independently per image


def test_corruption_augmentation_damages_about_the_asked_share_in_each_of_its_ways():
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    import tensorflow as tf
    from scipy import ndimage

    noise = np.random.default_rng(0).normal(size=(400, 32, 32, 3))
    images = np.clip(128 + ndimage.gaussian_filter(noise, sigma=(0, 2, 2, 0)) * 400, 0, 255).astype(np.float32)
    out = cnn.corrupt_batch(tf.constant(images), 0.5, tf.constant([1, 2])).numpy()
    assert out.shape == images.shape and out.min() >= 0 and out.max() <= 255
    changed = np.abs(out - images).reshape(len(images), -1).max(axis=1) > 1e-3
    assert 0.4 < changed.mean() < 0.6  # about half the batch, each image on its own draw
    again = cnn.corrupt_batch(tf.constant(images), 0.5, tf.constant([1, 2])).numpy()
    assert np.array_equal(out, again)  # seeded: a run can be repeated
    grain = lambda x: np.abs(np.diff(x, axis=2)).mean(axis=(1, 2, 3))  # noise raises it, blur lowers it
    spread = lambda x: x.std(axis=(1, 2, 3))  # low contrast lowers it
    brightness = lambda x: x.mean(axis=(1, 2, 3))
    kinds = {"smoother": grain(out) < grain(images) - 0.5, "grainier": grain(out) > grain(images) + 0.5,
             "flatter": spread(out) < spread(images) - 1, "lighter": brightness(out) > brightness(images) + 10}
    assert all(kinds[k][changed].any() for k in kinds)
    turned = cnn._rotate(tf.constant(images[:1]), tf.constant([np.deg2rad(20)], tf.float32)).numpy()[0]
    expected = ndimage.rotate(images[0], 20, axes=(0, 1), reshape=False, order=1, mode="reflect")
    assert np.abs(turned - expected).max() < 0.01
    untouched = cnn.corrupt_batch(tf.constant(images), 0.0, tf.constant([1, 2])).numpy()
    assert np.array_equal(untouched, images)


def test_cnn002_jpeg_recompression_joins_the_training_corruptions_only_when_asked():
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    import tensorflow as tf

    from ml.data.corruptions import jpeg

    rng = np.random.default_rng(1)
    images = np.clip(128 + rng.normal(0, 40, (8, 32, 32, 3)), 0, 255).astype(np.float32)
    for severity, quality in ((0.0, 30), (15 / 22, 15), (1.0, 8)):  # the benchmark's three qualities
        ours = cnn._jpeg_recompressed(tf.constant(images), tf.fill([8, 1, 1, 1], severity)).numpy()
        theirs = jpeg(images.astype(np.uint8), quality, rng).astype(np.float32)
        assert np.abs(ours - images).mean() > 5  # really damaged
        assert np.abs(ours - theirs).mean() < 0.1 * np.abs(theirs - images).mean()  # as the benchmark damages
    assert len(cnn._corruptions(tf.constant([1, 2]), jpeg=True)) == len(cnn._corruptions(tf.constant([1, 2]))) + 1
    out = cnn.corrupt_batch(tf.constant(images), 1.0, tf.constant([3, 4]), jpeg=True).numpy()
    assert out.shape == images.shape and out.min() >= 0 and out.max() <= 255
    # and inside a training step's graph, every image damaged
    labels = np.arange(64) % 3
    tiles = np.tile(images.astype(np.uint8), (8, 1, 1, 1))
    config = cnn.CNNConfig(widths=(8, 16, 16), epochs=1, seed=0, corrupt_probability=1.0, corrupt_jpeg=True)
    trained = cnn.train_cnn(tiles, labels, None, None, 3, config, verbose=0)
    assert trained.stopped["reason"] == "schedule_finished" and np.isfinite(trained.curves[0]["loss"])


def test_convolutions_start_as_identity_maps_on_their_first_channels():
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    kernel = np.asarray(cnn.PartialDirac()((3, 3, 4, 6)))
    assert kernel.shape == (3, 3, 4, 6)
    for c in range(4):
        expected = np.zeros((3, 3, 4))
        expected[1, 1, c] = 1
        assert np.array_equal(kernel[:, :, :, c], expected)
    assert np.abs(kernel[:, :, :, 4:]).max() > 0  # the others keep their random initialisation


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_fused_batch_norm_matches_keras_batch_norm_in_training(dtype):
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    import keras
    import tensorflow as tf

    x = tf.cast(np.random.default_rng(0).normal(3.0, 2.0, (16, 8, 8, 5)).astype(np.float32), dtype)
    kwargs = dict(momentum=0.4, epsilon=1e-5, scale=False, dtype=keras.DTypePolicy(
        "mixed_bfloat16" if dtype == "bfloat16" else "float32"))
    fused, plain = cnn.FusedBatchNorm(**kwargs), keras.layers.BatchNormalization(**kwargs)
    for layer in (fused, plain):
        layer.build(x.shape)
        layer.beta.assign(np.linspace(-1, 1, 5))
    outputs = [layer(x, training=True) for layer in (fused, plain)]
    tolerance = 0.05 if dtype == "bfloat16" else 1e-4
    assert outputs[0].dtype == outputs[1].dtype == dtype
    np.testing.assert_allclose(np.asarray(tf.cast(outputs[0], tf.float32)),
                               np.asarray(tf.cast(outputs[1], tf.float32)), atol=tolerance)
    # the running mean moves toward the batch mean (3.0) identically; the fused kernel keeps
    # the unbiased variance (n / (n - 1) of Keras's), which the tolerance covers at n = 1024
    np.testing.assert_allclose(fused.moving_mean.numpy(), plain.moving_mean.numpy(), atol=tolerance)
    np.testing.assert_allclose(fused.moving_variance.numpy(), plain.moving_variance.numpy(), rtol=0.01)
    assert np.allclose(fused.moving_mean.numpy(), 0.6 * 3.0, atol=0.2)
    eval_x = tf.cast(x, "float32")
    np.testing.assert_allclose(fused(eval_x, training=False), plain(eval_x, training=False), rtol=0.02, atol=0.02)


@pytest.mark.parametrize("tta", ["mirror", "mirror_translate"])
def test_test_time_augmentation_makes_predictions_mirror_invariant(tta):
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    images = np.random.default_rng(1).integers(0, 255, (6, 32, 32, 3)).astype(np.uint8)
    config = cnn.CNNConfig(widths=(8, 16, 16), seed=0)
    net = cnn.build_model(3, config, images)
    served = cnn.serving_model(net, tta)
    proba = served.predict(images.astype(np.float32), verbose=0)
    mirrored = served.predict(images[:, :, ::-1].astype(np.float32), verbose=0)
    assert np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    if tta == "mirror":  # the 1-pixel shifts of a mirrored image are not mirrors of the shifts
        assert np.allclose(proba, mirrored, atol=1e-5)
    plain = cnn.serving_model(net, "none").predict(images.astype(np.float32), verbose=0)
    assert not np.allclose(plain, proba, atol=1e-6)


def test_gradient_scaling_finds_its_variables_by_what_they_are():
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    images = np.random.default_rng(3).integers(0, 255, (64, 32, 32, 3)).astype(np.uint8)
    config = cnn.CNNConfig(widths=(8, 16, 16), seed=0)
    net = cnn.build_model(3, config, images)
    trainer = cnn.Trainer(net, config, steps_per_epoch=4)
    variables = net.trainable_variables
    scaled = [v for v, scale in zip(variables, trainer.grad_scales) if scale == config.bias_lr_scale]
    batch_norms = [layer for layer in net.layers if isinstance(layer, cnn.keras.layers.BatchNormalization)]
    assert len(batch_norms) == 6 and {id(v) for v in scaled} == {id(layer.beta) for layer in batch_norms}
    assert variables[trainer.whiten_bias_index] is net.get_layer("whiten").bias
