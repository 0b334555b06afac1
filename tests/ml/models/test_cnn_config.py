"""The CNN recipe's presets and overrides without TensorFlow (ml/models/cnn_config.py)."""

import json
from dataclasses import asdict

from ml.models.cnn_config import PRESETS, overrides_of, preset_config, recipe_of


def _stored(config):
    """A configuration as a manifest gives it back (JSON: tuples become lists)."""
    return json.loads(json.dumps(asdict(config)))


def test_cnn_config001_overrides_of_a_stored_config_rebuild_it_seed_aside():
    stored = _stored(preset_config("full", corrupt_probability=0.3, widths=(32, 128, 128), seed=7))
    overrides = overrides_of(stored, "full")
    assert overrides == {"corrupt_probability": 0.3, "widths": [32, 128, 128]}
    assert _stored(preset_config("full", **overrides, seed=7)) == stored
    assert overrides_of(_stored(preset_config("full")), "full") == {}
    # judged against another preset, the preset's own settings are what differs
    assert set(overrides_of(_stored(preset_config("full")), "fast")) == {
        key for key in PRESETS["full"] if PRESETS["full"][key] != PRESETS["fast"].get(key)}


def test_cnn_config002_settings_the_recipe_no_longer_has_are_not_overrides():
    stored = {**_stored(preset_config("full", cutout=8)), "retired_option": 1}
    assert overrides_of(stored, "full") == {"cutout": 8}


def test_cnn_config003_a_recipe_is_its_overrides_with_the_schedule_apart():
    """Runs from scratch are keyed by recipe and schedule: the same recipe on any preset's length, seed aside."""
    config = json.loads(json.dumps(asdict(preset_config("fast", epochs=40, corrupt_probability=0.3, seed=2))))
    assert recipe_of(config) == ({"corrupt_probability": 0.3}, "40 epochs")
    assert recipe_of(json.loads(json.dumps(asdict(preset_config("full"))))) == ({}, f"{PRESETS['full']['epochs']} epochs")
