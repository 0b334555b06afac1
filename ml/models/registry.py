"""The model registry: every model the project trains, evaluates, exports and serves, in one place.

A model is a `ModelSpec`: its key, the plain name and colour a client sees, the technical name an
engineer looks for (on hover in the dashboard, in the report and logs), its kind (how it is saved and
served) and how it trains. Everything that used to branch on a model's key reads the registry, so
adding a model is one module that builds it and one `register(ModelSpec(...))` call:

- kind "sklearn": `build(n_jobs, progress, seed, n_samples)` returns an unfitted scikit-learn
  estimator that takes uint8 (N, 32, 32, 3) images; it is fitted on every training image, saved
  with joblib and served by scikit-learn.
- kind "keras": `train(fit, val, num_classes, settings)` returns an `ml.models.keras_models.TrainedModel`;
  its served form is exported to ONNX (float32, and int8 where it agrees) and served by onnxruntime.
  Importing TensorFlow happens inside `train`, never here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ml.models.run_record import RunControl


@dataclass(frozen=True)
class TrainSettings:
    """What one training run is asked to do, whatever the model."""

    seed: int = 0
    preset: str = "full"
    epochs: int | None = None
    augment: bool = True
    overrides: dict = field(default_factory=dict)  # model key -> that model's configuration overrides
    control: RunControl = RunControl()  # Keras models: checkpoints, resuming, the wall-time cap
    n_jobs: int = 2
    verbose: bool = False


@dataclass(frozen=True)
class ModelSpec:
    """One model: who it is, how it trains, how it is saved and served."""

    key: str
    name: str
    colour: str
    kind: str  # "keras" or "sklearn"
    family: str  # how the study groups it: "cnn" or "classical"
    technical: str = ""  # the method's own name, when the plain name hides it
    build: Callable | None = None  # sklearn: (n_jobs, progress, seed, n_samples) -> estimator
    train: Callable | None = None  # keras: (fit, val, num_classes, settings) -> TrainedModel
    describe: Callable | None = None  # sklearn: fitted estimator -> JSON-ready description
    stops_early: bool = False  # keras: its validation split decides when training stops (else only watched)

    def __post_init__(self):
        if self.kind not in ("keras", "sklearn"):
            raise ValueError(f"model {self.key}: kind must be 'keras' or 'sklearn', not {self.kind!r}")
        if (self.kind == "sklearn") != (self.build is not None) or (self.kind == "keras") != (self.train is not None):
            raise ValueError(f"model {self.key}: a sklearn model needs `build`, a keras model `train`")


MODELS: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add (or replace) a model; models keep the order in which they were first registered."""
    MODELS[spec.key] = spec
    return spec


def unregister(key: str) -> None:
    """Remove a model (tests that register their own)."""
    MODELS.pop(key, None)


def model_keys(kind: str | None = None) -> tuple[str, ...]:
    """The registered keys, optionally of one kind, in registration order."""
    return tuple(k for k, spec in MODELS.items() if kind is None or spec.kind == kind)


def display_name(key: str) -> str:
    """The plain name a client sees; the key itself for a model that is not registered here."""
    return MODELS[key].name if key in MODELS else key


def technical_name(key: str) -> str:
    """The method's own name (the plain name when it has none): for hovers, the report and logs."""
    return (MODELS[key].technical or MODELS[key].name) if key in MODELS else key


def colour(key: str) -> str:
    return MODELS[key].colour if key in MODELS else "#94a3b8"


def _keras(key: str) -> Callable:
    def train(fit, val, num_classes, settings: TrainSettings):
        from ml.models.keras_models import train_keras_model  # imports TensorFlow

        return train_keras_model(
            key, fit, val, num_classes, seed=settings.seed, preset=settings.preset, epochs=settings.epochs,
            augment=settings.augment, overrides=settings.overrides.get(key, {}),
            control=settings.control, verbose="auto" if settings.verbose else 0)
    return train


def _register_builtins() -> None:
    from ml.models import baselines

    register(ModelSpec("cnn", "Neural network", "#1f6feb", "keras", "cnn", train=_keras("cnn"),
                       technical="CNN (Keras → ONNX)"))
    register(ModelSpec("basic_cnn", "Study's small neural network", "#7c3aed", "keras", "cnn",
                       train=_keras("basic_cnn"), technical="Basic CNN (original study)", stops_early=True))
    register(ModelSpec("hog_logreg", "Edge patterns + straight-line rule", "#6b7280", "sklearn", "classical",
                       build=baselines.hog_logreg, describe=baselines.describe, technical="HOG + logistic regression"))
    register(ModelSpec("hog_svm", "Edge patterns + curved rule", "#d97706", "sklearn", "classical",
                       build=baselines.hog_svm, describe=baselines.describe, technical="HOG + SVM"))


_register_builtins()
