"""Training by work (ml/models/training_loop.py, ml/models/run_record.py): a killed run resumes to the weights of an
uninterrupted one, a run the time cap cuts is recorded as cut short and never counted, and the same
command continues it."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="training needs the training dependencies")

from ml.artifacts.folder import load_manifest  # noqa: E402
from ml.cli import CUT_SHORT_EXIT, main  # noqa: E402
from ml.models.run_record import RunControl  # noqa: E402
from ml.models.training_loop import Checkpoint, epoch_order  # noqa: E402
from tests.paths import ROOT

TINY = ["--cnn", json.dumps({"widths": [8, 16, 16], "batch_size": 16})]
# A tiny CNN trained for many short epochs, so that a kill lands in the middle of its schedule.
TRAIN = """
import sys
from pathlib import Path
import numpy as np
from ml.models import cnn
from ml.models.run_record import RunControl
images = np.random.default_rng(2).integers(0, 255, (128, 32, 32, 3)).astype(np.uint8)
labels = np.arange(128) % 3
config = cnn.CNNConfig(widths=(8, 16, 16), epochs=int(sys.argv[2]), seed=0)
control = RunControl(Path(sys.argv[1]), resume=True)
trained = cnn.train_cnn(images, labels, images[:32], labels[:32], 3, config, verbose=0, control=control, key="tiny")
if len(sys.argv) > 3:
    np.savez(sys.argv[3], *trained.network.get_weights())
"""


def _weights(path):
    with np.load(path) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def test_trainingloop001_a_killed_run_resumes_to_the_weights_of_an_uninterrupted_one(tmp_path):
    epochs = "30"
    whole = subprocess.run([sys.executable, "-c", TRAIN, str(tmp_path / "whole"), epochs, str(tmp_path / "whole.npz")],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr[-2000:]
    # The last epoch writes none (the caller removes the file once it has stored the result).
    assert Checkpoint.load(tmp_path / "whole" / "tiny.npz").epoch == int(epochs) - 1

    checkpoint = tmp_path / "killed" / "tiny.npz"
    run = subprocess.Popen([sys.executable, "-c", TRAIN, str(checkpoint.parent), epochs], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not checkpoint.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    assert run.wait() == -signal.SIGKILL
    reached = Checkpoint.load(checkpoint).epoch
    assert 1 <= reached < int(epochs)

    resumed = subprocess.run([sys.executable, "-c", TRAIN, str(checkpoint.parent), epochs,
                              str(tmp_path / "resumed.npz")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming tiny after epoch {reached}" in resumed.stdout
    for a, b in zip(_weights(tmp_path / "whole.npz"), _weights(tmp_path / "resumed.npz"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_trainingloop002_each_epoch_sees_the_images_in_an_order_of_its_own_fixed_by_the_seed():
    first, again, second = epoch_order(100, 0, 0), epoch_order(100, 0, 0), epoch_order(100, 0, 1)
    assert sorted(first) == list(range(100)) and np.array_equal(first, again)
    assert not np.array_equal(first, second) and not np.array_equal(first, epoch_order(100, 1, 0))
    assert len(epoch_order(100, 0, 0, keep=96)) == 96


def test_trainingloop003_a_checkpoint_of_another_run_is_refused(tmp_path):
    from ml.models.training_loop import resume_point

    Checkpoint("a", 1, [np.zeros(2)], [np.ones(1)], {"s": {"n": 3, "w": [np.arange(2)]}}, [{"loss": 1.0}], 2.0
               ).save(tmp_path / "b.npz")
    loaded = Checkpoint.load(tmp_path / "b.npz")
    assert loaded.states["s"]["n"] == 3 and np.array_equal(loaded.states["s"]["w"][0], np.arange(2))
    with pytest.raises(ValueError, match="another run"):
        resume_point(RunControl(tmp_path, resume=True), "b", log=lambda _: None)
    assert resume_point(RunControl(tmp_path, resume=False), "b") is None


def test_trainingloop004_a_cut_run_is_recorded_as_such_never_counted_and_continued(artifacts_copy, tmp_path, capsys):
    data, out = artifacts_copy
    checkpoints = tmp_path / "checkpoints"
    args = ["ablate", "--data", str(data), "--out", str(out), "--sizes", "all", "--seeds", "0", "--variants",
            "recipe", "--epochs", "3", "--checkpoints", str(checkpoints), *TINY]
    before = load_manifest(out).experiments.get("ablation")
    assert main([*args, "--max-minutes", "0.0001"]) == CUT_SHORT_EXIT
    assert "cut short by the time cap after 1 of 3 epochs" in capsys.readouterr().err
    [cut] = json.loads((out / "experiments/ablation.json").read_text())["runs"]
    assert cut["stopped"]["reason"] == "cut_short" and len(cut["curves"]["loss"]) == 1
    assert "test_accuracy" not in cut
    assert load_manifest(out).experiments["ablation"].cells == []  # the cut run counts nowhere
    assert before is None and len(list(checkpoints.glob("*.npz"))) == 1

    assert main(args) == 0  # the same command, without the cap, continues it
    assert "after epoch 1" in capsys.readouterr().out
    [run] = json.loads((out / "experiments/ablation.json").read_text())["runs"]
    assert run["stopped"]["reason"] == "schedule_finished" and run["curves"]["epoch"] == [1, 2, 3]
    [cell] = load_manifest(out).experiments["ablation"].cells
    assert cell.accuracy.values == [run["test_accuracy"]]
    assert not list(checkpoints.glob("*.npz"))  # stored: nothing left to resume

    assert main(args) == 0  # a finished run is kept, not trained again
    assert "kept the stored run" in capsys.readouterr().out


def test_trainingloop005_ml_train_cut_short_changes_no_artifact_and_resume_finishes(artifacts_copy, tmp_path, capsys):
    data, out = artifacts_copy
    manifest = (out / "manifest.json").read_text()
    args = ["train", "--data", str(data), "--out", str(out), "--models", "cnn", "--val-size", "12",
            "--calibration-size", "12", "--epochs", "3", "--jobs", "1", "--quiet", "--checkpoints",
            str(tmp_path / "checkpoints"), *TINY]
    assert main([*args, "--max-minutes", "0.0001"]) == CUT_SHORT_EXIT
    assert "with --resume" in capsys.readouterr().err
    assert (out / "manifest.json").read_text() == manifest
    assert not list(out.parent.glob(".artifacts.staging-*"))
    assert main([*args, "--resume"]) == 0
    cnn = load_manifest(out).models["cnn"]
    assert cnn.training.reason == "schedule_finished" and cnn.epochs_run == 3
    history = json.loads((out / cnn.files.history).read_text())
    assert history["epoch"] == [1, 2, 3] and len(history["val_accuracy"]) == 3 and len(history["lr"]) == 3
