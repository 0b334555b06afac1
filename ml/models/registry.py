"""The model registry: every model the project trains, evaluates, exports and serves, in one place.

A model is a `ModelSpec`: its key, the plain name and colour a client sees, the technical name an
engineer looks for (on hover in the dashboard, in the report and logs), its role, what it can do,
its kind (how it is saved and served) and how it trains. Code outside `ml.models` asks the registry
rather than comparing keys, so adding a model is one module that builds it and one
`register(ModelSpec(...))` call, and serving another one is one setting (`served_in`).

Roles: "served" (the model the dashboard, the API and `ml classify` answer with, and whose trust
targets are judged), "reference" (the study's basic CNN, the original study's model), "baseline"
(the classical models it is compared with). Capabilities: `embeddings` (its features index photos:
neighbours, the map, the audits), `tta` (test-time augmentation is chosen for it), `calibration`
(its probabilities are temperature-scaled on held-out photos).

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
    role: str = "baseline"  # "served", "reference" or "baseline"
    embeddings: bool = False  # keras: its penultimate layer's features index photos
    tta: bool = False  # keras: a test-time augmentation is chosen for it on validation photos
    calibration: bool = True  # its probabilities are temperature-scaled on the calibration split

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"model {self.key}: role must be one of {ROLES}, not {self.role!r}")
        if (self.embeddings or self.tta) and self.kind != "keras":
            raise ValueError(f"model {self.key}: only a keras model has embeddings or test-time augmentation")
        if self.kind not in ("keras", "sklearn"):
            raise ValueError(f"model {self.key}: kind must be 'keras' or 'sklearn', not {self.kind!r}")
        if (self.kind == "sklearn") != (self.build is not None) or (self.kind == "keras") != (self.train is not None):
            raise ValueError(f"model {self.key}: a sklearn model needs `build`, a keras model `train`")


ROLES = ("served", "reference", "baseline")
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


def with_role(role: str) -> tuple[str, ...]:
    """The registered keys of one role, in registration order."""
    return tuple(k for k, spec in MODELS.items() if spec.role == role)


def served_model() -> str:
    """The key of the model that answers: the dashboard's, the API's and `ml classify`'s by default."""
    return with_role("served")[0]


def reference_model() -> str:
    """The key of the study's reference model (the original study's basic CNN)."""
    return with_role("reference")[0]


def embedding_model() -> str:
    """The key of the network whose features index photos: the served model when it has embeddings."""
    return next(k for k in (served_model(), *MODELS) if MODELS[k].embeddings)


def served_in(available, setting: str | None = None) -> str:
    """The model to answer with among `available` (an artifacts folder's models): `setting` when given
    (ValueError naming the choices unless it is available), else the registry's served model, else
    the first available one in registration order."""
    available = list(available)
    if setting is not None:
        if setting not in available:
            raise ValueError(f"no model {setting!r} in these artifacts; choose one of {', '.join(available)}")
        return setting
    return next((k for k in (served_model(), *MODELS) if k in available), available[0])


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
                       technical="CNN (Keras → ONNX)", role="served", embeddings=True, tta=True))
    register(ModelSpec("basic_cnn", "Study's small neural network", "#7c3aed", "keras", "cnn",
                       train=_keras("basic_cnn"), technical="Basic CNN (original study)", stops_early=True,
                       role="reference"))
    register(ModelSpec("hog_logreg", "Edge patterns + straight-line rule", "#6b7280", "sklearn", "classical",
                       build=baselines.hog_logreg, describe=baselines.describe, technical="HOG + logistic regression"))
    register(ModelSpec("hog_svm", "Edge patterns + curved rule", "#d97706", "sklearn", "classical",
                       build=baselines.hog_svm, describe=baselines.describe, technical="HOG + SVM"))


_register_builtins()
