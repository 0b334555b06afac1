"""Precision choice from the CPU's flags, and the CNN's parts that need no training."""

import numpy as np
import pytest

from ml import cpu


def test_bf16_only_where_the_cpu_supports_it(monkeypatch):
    monkeypatch.setattr(cpu, "cpu_flags", lambda: frozenset({"avx2", "amx_bf16"}))
    assert cpu.bf16_supported()
    monkeypatch.setattr(cpu, "cpu_flags", lambda: frozenset({"avx2", "avx512f"}))
    assert not cpu.bf16_supported()


def test_resolve_precision(monkeypatch):
    cnn = pytest.importorskip("ml.cnn", reason="needs TensorFlow")
    monkeypatch.setattr(cnn, "bf16_supported", lambda: False)
    assert cnn.resolve_precision("auto") == "float32"
    monkeypatch.setattr(cnn, "bf16_supported", lambda: True)
    assert cnn.resolve_precision("auto") == "bfloat16"
    assert cnn.resolve_precision("float32") == "float32"
    with pytest.raises(ValueError):
        cnn.resolve_precision("float16")


def test_whitening_filters_decorrelate_patches():
    cnn = pytest.importorskip("ml.cnn", reason="needs TensorFlow")
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (200, 32, 32, 1))
    images = np.concatenate([base, base // 2 + 20, 255 - base], axis=-1).astype(np.uint8)  # correlated channels
    kernel = cnn.whitening_kernel(images, 200, seed=0)
    assert kernel.shape == (2, 2, 3, 24)
    assert np.allclose(kernel[..., 12:], -kernel[..., :12])


def test_schedule_warms_up_then_decays_to_zero():
    cnn = pytest.importorskip("ml.cnn", reason="needs TensorFlow")
    schedule = cnn.WarmupLinearDecay(peak=0.4, total_steps=100, warmup_steps=20)
    values = [float(schedule(step)) for step in (0, 10, 20, 60, 100)]
    assert values == pytest.approx([0.0, 0.2, 0.4, 0.2, 0.0], abs=1e-6)


def test_augmentation_preview_flips_and_shifts_within_bounds():
    from ml.augment import flip_and_shift
    image = np.arange(32 * 32 * 3, dtype=np.uint8).reshape(32, 32, 3)
    out = flip_and_shift(image, np.random.default_rng(1))
    assert out.shape == image.shape and out.dtype == np.uint8
    assert not np.array_equal(out, image)
