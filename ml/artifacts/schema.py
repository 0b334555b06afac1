"""The manifest's schema: every field with its type and range, written once and checked whenever a
manifest is read (`ml.artifacts.folder.load_manifest`).

pydantic rather than dataclasses or TypedDicts: it checks types and ranges on nested data in one
pass and reports every bad value with its path (`models.hog_svm.metrics.accuracy`), which is the
message a person needs; the hand-written validator it replaces would have been longer than this
file. Unknown fields are refused too, so a misspelt field cannot pass unnoticed. Readers get these
objects (`load_manifest` returns a `Manifest`) and read attributes, so a renamed field fails where a
type checker or the first test looks, not at run time in a page; only `ml.artifacts` touches the JSON.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

# Why a run's training ended (ml.models.run_record records it)
STOPPED_SCHEDULE = "schedule_finished"  # the fixed schedule ran to its end
STOPPED_PATIENCE = "no_better_validation"  # the stopping rule on validation accuracy ended it
STOPPED_CUT = "cut_short"  # the wall-time cap ended it; its checkpoint resumes it
STOP_REASONS = (STOPPED_SCHEDULE, STOPPED_PATIENCE, STOPPED_CUT)


Fraction = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _relative(path: str) -> str:
    if not path or path.startswith("/") or "\\" in path or ".." in path.split("/"):
        raise ValueError("must be a path inside the artifacts folder, such as 'models/cnn/model.onnx'")
    return path


RelativePath = Annotated[str, AfterValidator(_relative)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)

    def to_json(self) -> dict:
        """As the JSON data it was read or built from (fields it was not given stay absent)."""
        return self.model_dump(mode="json", exclude_unset=True)


class ClassScores(Strict):
    precision: Fraction
    recall: Fraction
    f1: Fraction
    support: Count


class Metrics(Strict):
    accuracy: Fraction
    macro_precision: Fraction
    macro_recall: Fraction
    macro_f1: Fraction
    n_test: Annotated[int, Field(gt=0)]
    per_class: dict[str, ClassScores]
    confusion_matrix: list[list[Count]]


class Speed(Strict):
    latency_ms_p50: Positive
    latency_ms_p95: Positive
    latency_runs: Annotated[int, Field(gt=0)]
    throughput_ips: Positive
    batch_size: Annotated[int, Field(gt=0)]
    cpu: str | None = None


class Inference(Speed):
    runtime: Literal["onnxruntime", "scikit-learn"]


class Parity(Strict):
    top1_agreement: Fraction
    max_abs_prob_diff: NonNegative
    n_images: Annotated[int, Field(gt=0)]
    floor: Fraction
    passed: bool


class Quantization(Strict):
    top1_agreement: Fraction
    floor: Fraction
    passed: bool
    accuracy_float32: Fraction
    accuracy_int8: Fraction
    n_images: Annotated[int, Field(gt=0)]


class CalibrationScores(Strict):
    accuracy: Fraction
    mean_confidence: Fraction
    ece: Fraction
    nll: NonNegative
    brier: NonNegative


class ReliabilityBin(Strict):
    low: Fraction
    high: Fraction
    count: Annotated[int, Field(gt=0)]
    confidence: Fraction
    accuracy: Fraction


class CalibratorComparison(Strict):
    temperature_ece: Fraction
    isotonic_ece: Fraction


class Calibration(Strict):
    method: Literal["temperature"]
    temperature: Positive
    held_out_images: Annotated[int, Field(gt=0)]
    compared: CalibratorComparison
    held_out_after: CalibrationScores
    test_before: CalibrationScores
    test_after: CalibrationScores
    reliability_before: list[ReliabilityBin]
    reliability_after: list[ReliabilityBin]


class AutoSortThreshold(Strict):
    target: Fraction
    threshold: Fraction
    held_out_coverage: Fraction
    held_out_accuracy: Fraction
    test_coverage: Fraction
    test_accuracy: Fraction | None  # None when no test answer reaches the threshold


class AutoSort(Strict):
    thresholds: list[AutoSortThreshold]


class TrainingRecord(Strict):
    """Why a Keras model's training ended (ml.models.run_record), over every sitting of a resumed run."""
    reason: Literal[STOP_REASONS]
    epochs_planned: Annotated[int, Field(gt=0)]
    epochs_run: Annotated[int, Field(gt=0)]
    best_epoch: Annotated[int, Field(gt=0)]
    train_seconds: NonNegative
    machine: str


class ModelFiles(Strict):
    """A model's files: a Keras model and its ONNX exports, or a scikit-learn pipeline."""
    keras: RelativePath | None = None
    history: RelativePath | None = None
    onnx: RelativePath | None = None  # what serves: int8 where the quantized model kept its answers
    onnx_float32: RelativePath | None = None
    joblib: RelativePath | None = None


class Model(Strict):
    name: str
    metrics: Metrics
    train_seconds: NonNegative
    train_images: Annotated[int, Field(gt=0)]
    files: ModelFiles
    size_bytes: Annotated[int, Field(gt=0)]
    inference: Inference
    config: dict[str, Any]  # the model's own hyper-parameters (ml.models.cnn_config checks the CNN's)
    precision: Literal["bfloat16", "float32"] | None = None
    epochs_run: Annotated[int, Field(gt=0)] | None = None
    training: TrainingRecord | None = None
    parity: Parity | None = None
    quantization: Quantization | None = None
    served_precision: Literal["int8", "float32"] | None = None
    val_accuracy: Fraction | None = None
    keras_inference: Speed | None = None
    onnx_speedup_one_image: Positive | None = None
    calibration: Calibration | None = None
    auto_sort: AutoSort | None = None


class Split(Strict):
    size: Annotated[int, Field(gt=0)]
    fingerprint: Digest


class DatasetSplits(Strict):
    """The splits a run used: every training image (train) and, where held out, the images it
    learnt from (fit), watched (val) and calibrated on (calibration)."""
    train: Split
    test: Split
    fit: Split | None = None
    val: Split | None = None
    calibration: Split | None = None


class DatasetFiles(Strict):
    stats: RelativePath
    stats_arrays: RelativePath
    test_files: RelativePath  # the test split's file names, in the order of the stored predictions


class DatasetEntry(Strict):
    name: str
    source: str
    description: str
    class_names: Annotated[list[str], Field(min_length=2)]
    splits: DatasetSplits
    subset: Annotated[int, Field(gt=0)] | None
    val_size: Count
    calibration_size: Count = 0
    seed: int
    files: DatasetFiles


class Summary(Strict):
    mean: float
    std: NonNegative | None
    ci95: Annotated[list[float], Field(min_length=2, max_length=2)] | None
    n: Annotated[int, Field(gt=0)]
    values: list[float]


MACHINE_NOT_RECORDED = "not recorded"  # what a cell names for runs recorded before runs named their CPU


class ExperimentCell(Strict):
    train_images: Annotated[int, Field(gt=0)]
    accuracy: Summary
    macro_f1: Summary
    train_seconds: Summary | NonNegative
    variant: str | None = None
    model: str | None = None
    preset: str | None = None
    recipe: str | None = None  # repeated trainings: their overrides as a key ('' for the recipe itself)
    overrides: dict | None = None
    schedule: str | None = None  # repeated trainings: 'N epochs' (ml.study.experiments.schedule_of)
    machines: list[str] | None = None
    # repeated trainings: the arrays of their runs' test probabilities (ml.artifacts.seed_predictions)
    test_probabilities: list[str] | None = None
    recipe_gain_points: float | None = None
    val_accuracy: Summary | None = None
    val_corrupted_accuracy: Summary | None = None
    fit_accuracy: Summary | None = None
    epochs_run: Summary | None = None
    best_epoch: Summary | None = None
    rule: str | None = None  # the study's setup: the stopping rule its runs trained under

    @property
    def mean_train_seconds(self) -> float:
        """Mean training time (cells of older runs store one number, newer ones a summary)."""
        return self.train_seconds if isinstance(self.train_seconds, float | int) else self.train_seconds.mean

    @property
    def known_machines(self) -> list[str]:
        """The CPUs its runs name, without the placeholder of runs that named none."""
        return [m for m in self.machines or [] if m != MACHINE_NOT_RECORDED]

    @property
    def fixed_schedule(self) -> bool:
        """Whether its runs trained a fixed number of epochs: runs on the earlier wall-time budgets, whose
        length the CPU decided, are kept in cells of their own and judge nothing."""
        return bool(self.schedule and self.schedule.endswith(" epochs"))


class Experiment(Strict):
    file: RelativePath
    cells: list[ExperimentCell]


class WorstCorruption(Strict):
    corruption: str
    severity: float
    accuracy: Fraction


class RobustnessSummary(Strict):
    clean_accuracy: Fraction
    clean_ece: Fraction
    mean_accuracy: Fraction | None
    worst_middle: WorstCorruption | None
    product_on_white: Fraction | None = None  # absent from artifacts made before it was summarised


class Robustness(Strict):
    file: RelativePath
    images: Annotated[int, Field(gt=0)]
    models: dict[str, RobustnessSummary]


class NearDuplicateRule(Strict):
    grey: Fraction
    detail: Fraction
    detail_window: Annotated[int, Field(gt=0)]
    candidates: Annotated[int, Field(gt=0)]
    max_shift: Count


class NearDuplicateCount(Strict):
    pairs: Count
    images_a: Count
    images_b: Count


class TwinAccuracy(Strict):
    all: Fraction
    with_train_twin: Fraction | None
    without_train_twin: Fraction


class NearDuplicates(Strict):
    file: RelativePath
    rule: NearDuplicateRule
    counts: dict[Literal["test-train", "test-test", "train-train"], NearDuplicateCount]
    test_with_train_twin: Count
    test_share_with_train_twin: Fraction
    split_sizes: dict[Literal["train", "test"], Count]
    accuracy: dict[str, TwinAccuracy]


class FoldRun(Strict):
    images: Annotated[int, Field(gt=0)]
    accuracy: Fraction
    train_seconds: NonNegative
    epochs_run: Count


class OutOfFold(Strict):
    file: RelativePath
    folds: Annotated[int, Field(ge=2)]
    seed: int
    preset: str
    overrides: dict[str, Any]
    train_fingerprint: Digest
    runs: dict[str, FoldRun]


class LabelIssueSplit(Strict):
    source: str
    images: Count
    flagged: Count
    rows: Count
    top_pairs: list[tuple[str, str, Count]]


class LabelIssues(Strict):
    file: RelativePath
    splits: dict[Literal["train", "test"], LabelIssueSplit]


class NeighbourQuality(Strict):
    recall: Fraction
    similarity_kept: Fraction


class Neighbours(Strict):
    file: RelativePath
    model: RelativePath
    images: Annotated[int, Field(gt=0)]
    dimensions: Annotated[int, Field(gt=0)]
    quality: dict[str, NeighbourQuality]
    queries: Annotated[int, Field(gt=0)]


class MapLayout(Strict):
    seconds: NonNegative
    separation: Fraction


class DataMap(Strict):
    file: RelativePath
    method: Literal["pca", "tsne", "umap"]
    comparison: dict[Literal["pca", "tsne", "umap"], MapLayout]
    points: dict[Literal["train", "test"], Count]


class FileEntry(Strict):
    sha256: Digest
    bytes: Count


class PredictionFiles(Strict):
    test: RelativePath


class Predictions(Strict):
    files: PredictionFiles


class Manifest(Strict):
    schema_version: Literal[1]
    created: str
    versions: dict[str, str | None]
    dataset: DatasetEntry
    models: dict[str, Model]
    predictions: Predictions
    experiments: dict[str, Experiment] = {}
    robustness: Robustness | None = None
    near_duplicates: NearDuplicates | None = None
    train_out_of_fold: OutOfFold | None = None
    label_issues: LabelIssues | None = None
    neighbours: Neighbours | None = None
    data_map: DataMap | None = None
    extra_files: list[RelativePath] = []
    files: dict[RelativePath, FileEntry]

    @property
    def class_names(self) -> list[str]:
        return self.dataset.class_names

    def experiment_cells(self, name: str) -> list[ExperimentCell]:
        """The cells of experiment `name`, none when it has not run."""
        entry = self.experiments.get(name)
        return entry.cells if entry else []


def read_manifest_data(manifest: dict) -> tuple[Manifest | None, list[str]]:
    """`manifest` read through the schema, with no problems; or None and every field that does not fit
    it, as 'path: what is wrong'."""
    try:
        return Manifest.model_validate(manifest), []
    except ValidationError as exc:
        return None, [f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
                      + ("" if error["type"] == "missing" else f" (found {_short(error.get('input'))})")
                      for error in exc.errors()]


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
