"""The Keras models' hyper-parameters and the CNN's presets, without TensorFlow, so that the command
line can check `--cnn` overrides, and the study's verdicts describe the basic CNN's stopping rule,
without importing anything heavy (the dashboard never imports TensorFlow)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING

from ml.errors import OptionError

if TYPE_CHECKING:
    from ml.artifacts.schema import ExperimentCell, Manifest

TTA_CHOICES = ("none", "mirror", "mirror_translate")


@dataclass
class CNNConfig:
    """Hyper-parameters of the CNN recipe (defaults chosen on the validation split)."""

    widths: tuple[int, int, int] = (64, 256, 256)
    whitening_patches: int = 5_000
    whiten_bias_epochs: int = 3
    activation: str = "relu"  # about twice as fast as GELU here, which buys twice the epochs
    dropout: float = 0.0
    batch_norm: bool = True
    fused_batch_norm: bool = True  # False: Keras's own layer, same arithmetic (bench/batchnorm_bench.py)
    bn_momentum: float = 0.4  # Keras convention: weight of the running value (PyTorch's 0.6)
    epochs: int = 20  # the schedule's length: the learning rate warms up, then decays to 0 at its end
    batch_size: int = 1024  # at most; smaller data gets smaller batches (see batch_size_for)
    lr: float = 1.5  # peak learning rate for the batch-mean loss at batch 1024 (airbench94's 11.5)
    bias_lr_scale: float = 64.0
    warmup_fraction: float = 0.2
    momentum: float = 0.85
    weight_decay: float = 0.002  # per-step shrink at the peak learning rate and batch 1024
    label_smoothing: float = 0.2
    logit_scale: float = 1 / 9
    lookahead: bool = True
    augment: bool = True
    translate_pixels: int = 2
    cutout: int = 0  # side of a square blanked to the mean colour in each training image (0: off)
    # Share of training images given one random corruption (blur, noise, a lower resolution, low
    # contrast) on each step, as photos from the wild arrive (0: off; ml.models.cnn.corrupt_batch).
    corrupt_probability: float = 0.0
    # JPEG re-compression among those corruptions too (quality 30 down to 8): every catalogue photo is a JPEG,
    # but the robustness benchmark then has one kind fewer that the network never trained on.
    corrupt_jpeg: bool = False
    tta: str = "mirror"  # "none" | "mirror" | "mirror_translate" (tied on validation, 3x the cost)
    seed: int = 0
    mixed_precision: str = "auto"  # "auto" | "bfloat16" | "float32"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


# Schedules in epochs, so the same command trains the same steps on any machine; what one costs in
# wall time on each CPU seen is measured and recorded with every run (docs/results.md, "Training by work").
# The full preset's length was chosen on validation accuracy from the served recipe's schedule-length
# runs (artifacts/experiments/schedule_length.json).
PRESETS = {
    "full": {"epochs": 40},
    "fast": {"epochs": 8},
}


def preset_config(preset: str, **overrides) -> CNNConfig:
    """The configuration of a named preset ("full" or "fast"), with `overrides` on top."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    return CNNConfig(**{**PRESETS[preset], **overrides})


def overrides_of(config: dict, preset: str) -> dict:
    """What a configuration (as stored in a manifest) changes from `preset`, its seed aside: the overrides
    that rebuild it, and that its runs from scratch are recorded under."""
    base = json.loads(json.dumps(asdict(preset_config(preset))))  # tuples as JSON gives them back
    return {key: value for key, value in json.loads(json.dumps(config)).items()
            if key != "seed" and key in base and base[key] != value}


def recipe_key(overrides: dict | None) -> str:
    """A run's recipe overrides as a stable string ('' for the recipe itself), to key and group runs by."""
    return json.dumps(overrides, sort_keys=True) if overrides else ""


def recipe_of(config: dict) -> tuple[dict, str]:
    """A CNN's configuration (as stored in a manifest) as its runs from scratch are keyed in cnn_seeds:
    its recipe (what it changes from the presets, which set only the schedule's length) and its
    schedule ('N epochs')."""
    recipe = {k: v for k, v in overrides_of(config, "full").items() if k != "epochs"}
    return recipe, f"{config['epochs']} epochs"


def recipe_cells(manifest: Manifest, config: dict) -> list[ExperimentCell]:
    """The cnn_seeds cells of runs from scratch of the recipe and schedule of `config` (one per preset
    they were run under)."""
    recipe, schedule = recipe_of(config)
    return [c for c in manifest.experiment_cells("cnn_seeds")
            if (c.overrides or {}) == recipe and c.schedule == schedule]


def check_overrides(overrides: dict, option: str = "--cnn") -> dict:
    """`overrides` if every key is a CNNConfig field and every value fits its type; an OptionError
    naming the bad key and the valid ones otherwise."""
    if not isinstance(overrides, dict):
        raise OptionError(option, f"expected a JSON object such as '{{\"cutout\": 8}}', got {overrides!r}")
    known = {f.name: f for f in fields(CNNConfig)}
    for key, value in overrides.items():
        if key not in known:
            raise OptionError(option, f"unknown key {key!r}; valid keys: {', '.join(sorted(known))}")
        default = getattr(CNNConfig(), key)
        if not _fits(value, default):
            raise OptionError(option, f"{key} must be like {default!r}, got {value!r}")
    return overrides


def _fits(value, default) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and (isinstance(default, float) or float(value).is_integer()))
    if isinstance(default, tuple):
        return (isinstance(value, list) and len(value) == len(default)
                and all(_fits(v, d) for v, d in zip(value, default)))
    return isinstance(value, type(default))


@dataclass
class BasicCNNConfig:
    """Hyper-parameters of the reference CNN (the classic example's, with Adam)."""

    max_epochs: int = 300  # an upper bound: the stopping rule ends a run long before
    batch_size: int = 128
    learning_rate: float = 1e-3
    patience: int = 20  # epochs without a better validation accuracy before training stops
    lr_patience: int = 5  # ... before the learning rate is multiplied by lr_factor
    lr_factor: float = 0.5
    min_lr: float = 1e-5
    seed: int = 0
    mixed_precision: str = "auto"
    batch_norm: bool = False  # after every convolution and the dense layer, before the ReLU
    flip: bool = False  # random horizontal flips while training
    rotation: float = 0.0  # random rotation, as a fraction of a full turn (keras.layers.RandomRotation)
    zoom: float = 0.0  # random zoom in or out by up to this fraction (keras.layers.RandomZoom)

    def to_dict(self) -> dict:
        return asdict(self)
