"""Export the Keras CNN to ONNX and check that onnxruntime gives the same answers."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from ml.preprocess import to_model_input

PARITY_FLOOR = 0.999


def export_onnx(model: keras.Model, path: Path) -> Path:
    """Write `model` as ONNX (opset chosen by tf2onnx); batch size stays dynamic."""
    model.predict(np.zeros((1, 32, 32, 3), np.float32), verbose=0)  # export needs a called model
    path.parent.mkdir(parents=True, exist_ok=True)
    model.export(str(path), format="onnx", verbose=False)
    return path


def keras_predict(model: keras.Model, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Keras probabilities for uint8 images, through the shared preprocessing."""
    return model.predict(to_model_input(images), batch_size=batch_size, verbose=0)


def parity_report(keras_proba: np.ndarray, onnx_proba: np.ndarray) -> dict:
    """Top-1 agreement and the largest probability difference between the two runtimes."""
    agreement = float((keras_proba.argmax(1) == onnx_proba.argmax(1)).mean())
    return {"top1_agreement": agreement, "max_abs_prob_diff": float(np.abs(keras_proba - onnx_proba).max()),
            "n_images": int(len(keras_proba)), "floor": PARITY_FLOOR, "passed": agreement >= PARITY_FLOOR}
