"""The CNN's embeddings: the features its last layer reads, from the exported ONNX graph.

The features are the input of the graph's final matrix multiply. `python -m ml neighbours` stores the
served model with that tensor as a second output, so that serving reads it with onnxruntime alone;
a graph without it is copied with it added (which needs the onnx package). Nothing here imports
TensorFlow. Embeddings are L2-normalised, so that the cosine distance
of two images is 1 - their dot product.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.predictors import onnx_session
from ml.preprocess import to_model_input

FINAL_LAYER_OPS = ("MatMul", "Gemm")


def with_features_output(model_path: str | Path) -> bytes:
    """The ONNX model at `model_path`, serialised, with its last layer's input as an extra output."""
    import onnx

    model = onnx.load(str(model_path))
    final = next((node for node in reversed(model.graph.node) if node.op_type in FINAL_LAYER_OPS), None)
    if final is None:
        raise ValueError(f"{model_path} has no {' or '.join(FINAL_LAYER_OPS)} node: not a classifier ending "
                         "in a dense layer")
    model.graph.output.append(onnx.helper.make_tensor_value_info(final.input[0], onnx.TensorProto.FLOAT, None))
    return model.SerializeToString()


def expose_features(model_path: str | Path) -> bool:
    """Give the ONNX model at `model_path` its features as a second output, in place; False if it has them."""
    if len(onnx_session(model_path, threads=1).get_outputs()) > 1:
        return False
    Path(model_path).write_bytes(with_features_output(model_path))
    return True


class Embedder:
    """Images (uint8, N x 32 x 32 x 3, as ml.preprocess.decode_image gives them) to unit-length features."""

    def __init__(self, model_path: str | Path, threads: int = 0):
        session = onnx_session(model_path, threads)
        self.session = session if len(session.get_outputs()) > 1 else onnx_session(
            with_features_output(model_path), threads)
        self.input_name = self.session.get_inputs()[0].name
        self.features_name = self.session.get_outputs()[-1].name

    def embed(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        parts = [self.session.run([self.features_name], {self.input_name: to_model_input(images[i:i + batch_size])})[0]
                 for i in range(0, len(images), batch_size)]
        features = np.concatenate(parts).reshape(len(images), -1).astype(np.float32)
        return features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)

