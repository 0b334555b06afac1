"""What the CPU can do, and the training precision chosen from it (ml/cpu.py)."""

import pytest

from ml import cpu


def test_bf16_only_where_the_cpu_supports_it(monkeypatch):
    monkeypatch.setattr(cpu, "cpu_flags", lambda: frozenset({"avx2", "amx_bf16"}))
    assert cpu.bf16_supported()
    monkeypatch.setattr(cpu, "cpu_flags", lambda: frozenset({"avx2", "avx512f"}))
    assert not cpu.bf16_supported()


def test_resolve_precision(monkeypatch):
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    monkeypatch.setattr(cnn, "bf16_supported", lambda: False)
    assert cnn.resolve_precision("auto") == "float32"
    monkeypatch.setattr(cnn, "bf16_supported", lambda: True)
    assert cnn.resolve_precision("auto") == "bfloat16"
    assert cnn.resolve_precision("float32") == "float32"
    with pytest.raises(ValueError):
        cnn.resolve_precision("float16")
