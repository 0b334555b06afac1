"""ml/study/ray_plans.py and `--engine ray`: an experiment plan's runs as Ray tasks on a local Ray instance make
the records the local engine makes, stored by the driver."""

import json
import shutil

import pytest

from ml.artifacts.folder import load_manifest
from ml.cli import main
from tests.conftest import TINY_CNN

pytest.importorskip("ray", reason="the Ray engine needs Ray (requirements-ray.txt)")

PLAN = ["ablate", "--sizes", "all", "--seeds", "0", "1", "--variants", "recipe", "no_augmentation",
        "--epochs", "1", "--cnn", json.dumps(TINY_CNN)]


def _runs(out):
    """The stored runs without what depends on the machine's speed."""
    runs = json.loads((out / "experiments/ablation.json").read_text())["runs"]
    for run in runs:
        run.pop("train_seconds")
        run["stopped"].pop("train_seconds")
        run["curves"].pop("seconds")
    return sorted(runs, key=lambda r: (r["seed"], r["variant"]))


def test_rayplans001_ray_tasks_make_the_local_engines_records(artifacts_copy, tmp_path, capsys):
    import ray

    data, local = artifacts_copy
    on_ray = tmp_path / "on_ray"
    shutil.copytree(local, on_ray)
    options = ["--data", str(data), "--checkpoints", str(tmp_path / "checkpoints")]
    assert main([*PLAN, *options, "--out", str(local)]) == 0
    try:
        assert main([*PLAN, *options, "--out", str(on_ray), "--engine", "ray", "--cpus-per-run", "1"]) == 0
        capsys.readouterr()
        assert main([*PLAN, *options, "--out", str(on_ray), "--engine", "ray"]) == 0  # nothing left to train
        assert capsys.readouterr().out.count("kept the stored run") == 4
    finally:
        ray.shutdown()
    assert len(_runs(on_ray)) == 4 and _runs(on_ray) == _runs(local)
    def cells(out):
        return [c.model_dump(exclude={"train_seconds"}) for c in load_manifest(out).experiments["ablation"].cells]
    assert cells(on_ray) == cells(local)
    assert not list((tmp_path / "checkpoints").glob("*.npz"))  # each finished run's checkpoint removed


def test_rayplans002_a_cluster_address_needs_the_ray_engine(artifacts_copy, capsys):
    data, out = artifacts_copy
    assert main([*PLAN, "--data", str(data), "--out", str(out), "--address", "ray://head:10001"]) != 0
    assert "--address: a Ray cluster address needs --engine ray" in capsys.readouterr().err
