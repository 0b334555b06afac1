"""The BatchNorm training-speed benchmark (bench/batchnorm_bench.py) on tiny data."""

import json

import pytest


def test_batchnorm_benchmark_times_both_layers_and_they_train_alike(tmp_path, capsys):
    pytest.importorskip("ml.models.cnn", reason="needs TensorFlow")
    from bench.batchnorm_bench import main

    out = tmp_path / "batchnorm.json"
    assert main(["--images", "256", "--epochs", "2", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    speed = result["median_images_per_s"]
    assert set(result["runs"]) == {"keras", "fused"} and min(speed.values()) > 0
    assert result["speed_up"] == pytest.approx(speed["fused"] / speed["keras"])
    losses = [result["runs"][name][0]["final_loss"] for name in ("keras", "fused")]
    assert losses[0] == pytest.approx(losses[1], rel=0.05)  # same arithmetic, other kernels
    assert "fused BatchNorm:" in capsys.readouterr().out
