"""Serving-side models: the CNN through onnxruntime, the baselines through scikit-learn.

Both take uint8 (N, 32, 32, 3) images from :func:`ml.data.preprocess.decode_image` and return
(N, n_classes) probabilities: the calibrated ones when the model's manifest entry holds a
temperature (ml.serving.calibration), applied here, the one place the dashboard, the API, batch
classification and the benchmarks all load a model through. Nothing here imports TensorFlow. onnxruntime is imported when the
first session is made: importing it starts a native thread that a forked gunicorn worker would
inherit broken (the worker then aborts at exit), so a preloaded server must not import it before
the fork.
"""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np

from ml.artifacts.schema import Model
from ml.data.preprocess import to_model_input
from ml.serving.calibration import apply_temperature


def onnx_session(model: str | Path | bytes, threads: int = 0):
    """An onnxruntime CPU session on an ONNX file (or its serialised bytes), `threads` for each operator
    (0: onnxruntime's choice)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model if isinstance(model, bytes) else str(model), options,
                                providers=["CPUExecutionProvider"])


class OnnxPredictor:
    """The exported CNN in onnxruntime."""

    runtime = "onnxruntime"

    batch_size = 500  # images per run: onnxruntime keeps its largest run's activations, so bound them

    def __init__(self, path: str | Path, threads: int = 0):
        self.session = onnx_session(path, threads)
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name  # the probabilities; not the features after them

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        inputs = to_model_input(images)
        return np.concatenate([self.session.run([self.output_name], {self.input_name: inputs[i:i + self.batch_size]})[0]
                               for i in range(0, max(len(inputs), 1), self.batch_size)])


class SklearnPredictor:
    """A fitted scikit-learn pipeline (HOG + classifier) saved with joblib."""

    runtime = "scikit-learn"

    def __init__(self, path: str | Path):
        self.pipeline = joblib.load(path)

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        return self.pipeline.predict_proba(images).astype(np.float32)


class CalibratedPredictor:
    """A predictor whose probabilities are rescaled by the temperature fitted on held-out images."""

    def __init__(self, raw, temperature: float):
        self.raw, self.temperature, self.runtime = raw, temperature, raw.runtime

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        return apply_temperature(self.raw.predict_proba(images), self.temperature)


def load_predictor(model_entry: Model, folder: str | Path, threads: int = 0, calibrated: bool = True):
    """Build the predictor a manifest model entry describes, calibrated when the entry says how
    (and `calibrated`: calibration itself needs the raw probabilities)."""
    files = model_entry.files
    if files.onnx:
        raw = OnnxPredictor(Path(folder) / files.onnx, threads=threads)
    else:
        raw = SklearnPredictor(Path(folder) / files.joblib)
    temperature = model_entry.calibration.temperature if model_entry.calibration else None
    return CalibratedPredictor(raw, temperature) if calibrated and temperature is not None else raw
