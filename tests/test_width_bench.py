"""The width serving benchmark (bench/width_bench.py) on tiny widths."""

import json

import numpy as np
import pytest


def test_width_benchmark_counts_the_networks_multiply_adds_and_times_each_width(tmp_path):
    cnn = pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    import keras

    from bench.width_bench import main, multiply_adds

    widths = (8, 16, 24)
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    net = cnn.build_model(10, cnn.CNNConfig(widths=widths), images)
    counted = sum(int(np.prod(layer.output.shape[1:3])) * int(np.prod(layer.kernel.shape))
                  for layer in net.layers if isinstance(layer, keras.layers.Conv2D) and layer.name != "whiten")
    assert multiply_adds(widths) == counted

    out = tmp_path / "width.json"
    assert main(["--widths", "8,16,24", "16,32,48", "--images", "64", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [(r["widths"], r["tta"]) for r in rows] == [
        ([8, 16, 24], "none"), ([8, 16, 24], "mirror"), ([16, 32, 48], "none"), ([16, 32, 48], "mirror")]
    assert all(r["throughput_ips"] > 0 and r["latency_ms_p50"] > 0 for r in rows)
    assert rows[1]["throughput_vs_recipe"] == 1.0
