"""ml/artifacts/seed_predictions.py: one file of the seeds' test probabilities, keyed by run, pruned to the
runs still on record."""

import numpy as np

from ml.artifacts.seed_predictions import (
    SEED_PREDICTIONS_FILE,
    read_seed_predictions,
    seed_prediction_key,
    write_seed_predictions,
)


def test_seed_predictions001_keys_tell_runs_apart_and_stay_the_same():
    key = seed_prediction_key("full", '{"corrupt_probability": 0.3}', "40 epochs", 2)
    assert key == seed_prediction_key("full", '{"corrupt_probability": 0.3}', "40 epochs", 2)
    others = {seed_prediction_key("full", "", "40 epochs", 2), seed_prediction_key("fast", '{"corrupt_probability": 0.3}', "40 epochs", 2),
              seed_prediction_key("full", '{"corrupt_probability": 0.3}', "20 epochs", 2),
              seed_prediction_key("full", '{"corrupt_probability": 0.3}', "40 epochs", 1)}
    assert key not in others and len(others) == 4
    assert key.startswith("full-") and key.endswith("-seed2")


def test_seed_predictions002_new_arrays_are_added_and_unlisted_ones_dropped(tmp_path):
    rng = np.random.default_rng(0)
    first, second, third = (rng.dirichlet(np.ones(10), size=6) for _ in range(3))
    path = tmp_path / SEED_PREDICTIONS_FILE
    write_seed_predictions(path, {"a": first, "b": second}, keep=set())
    assert np.allclose(read_seed_predictions(tmp_path, ["b", "a"])[0], second, atol=1e-3)
    write_seed_predictions(path, {"c": third}, keep={"a"})  # "b" was replaced by a run without them
    with np.load(path) as data:
        assert sorted(data.files) == ["a", "c"]
    stored_a, stored_c = read_seed_predictions(tmp_path, ["a", "c"])
    assert stored_a.dtype == np.float32 and np.allclose(stored_a, first, atol=1e-3) and np.allclose(stored_c, third, atol=1e-3)
    assert read_seed_predictions(tmp_path / "nowhere", []) == []
