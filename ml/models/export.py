"""Export a Keras model to ONNX, check that onnxruntime gives the same answers, and quantize it.

The served model is the int8 one where it agrees with the float32 export on at least
QUANTIZATION_FLOOR of the test images: on this CPU (AVX512-VNNI / AMX) int8 convolutions run
several times faster than float32 ones.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from ml.data.preprocess import to_model_input

PARITY_FLOOR = 0.999
QUANTIZATION_FLOOR = 0.99
CALIBRATION_IMAGES = 512


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


def quantize_onnx(src: Path, dst: Path, calibration_images: np.ndarray) -> Path:
    """Static int8 quantization (QDQ; per-channel int8 weights, uint8 activations) of an ONNX model,
    its activation ranges calibrated on `calibration_images` (uint8 training images)."""
    import tempfile

    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    inputs = to_model_input(calibration_images[:CALIBRATION_IMAGES])

    class Batches(CalibrationDataReader):
        def __init__(self, name: str):
            self.batches = iter({name: inputs[i:i + 64]} for i in range(0, len(inputs), 64))

        def get_next(self):
            return next(self.batches, None)

    with tempfile.TemporaryDirectory(prefix="onnx-quantize-") as work:
        prepared = Path(work) / "prepared.onnx"
        quant_pre_process(str(src), str(prepared))
        name = ort.InferenceSession(str(prepared), providers=["CPUExecutionProvider"]).get_inputs()[0].name
        # Only the convolutions and the dense layer: the softmax keeps float32 probabilities.
        # 7-bit weights (reduce_range): x86 CPUs without VNNI (AVX2, AVX-512 without VNNI) multiply uint8 by
        # int8 with a 16-bit saturating instruction, which overflows with 8-bit weights; the CNN then lost
        # 5.6 points on an AVX2 server while agreeing with float32 on an AMX one. 7 bits cannot overflow.
        quantize_static(str(prepared), str(dst), Batches(name), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, reduce_range=True,
                        op_types_to_quantize=["Conv", "MatMul", "Gemm"])
    return dst


def quantization_report(float_proba: np.ndarray, int8_proba: np.ndarray, labels: np.ndarray) -> dict:
    """How the int8 model compares with the float32 one on the same images."""
    agreement = float((float_proba.argmax(1) == int8_proba.argmax(1)).mean())
    return {"top1_agreement": agreement, "floor": QUANTIZATION_FLOOR, "passed": agreement >= QUANTIZATION_FLOOR,
            "accuracy_float32": float((float_proba.argmax(1) == labels).mean()),
            "accuracy_int8": float((int8_proba.argmax(1) == labels).mean()), "n_images": int(len(labels))}
