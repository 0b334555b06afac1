"""The CNN's embeddings: the features its last layer reads, from the exported ONNX graph.

The features are the input of the graph's final matrix multiply, read as the graph's second output:
`python -m ml neighbours` stores the served model with it, so that serving reads it with onnxruntime
alone; `ml.serving.graph_features` adds it to any other graph. Nothing here imports TensorFlow or onnx.
Embeddings are L2-normalised, so that the cosine distance of two images is 1 - their dot product.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.data.preprocess import to_model_input
from ml.serving.predictors import onnx_session


class Embedder:
    """Images (uint8, N x 32 x 32 x 3, as ml.data.preprocess.decode_image gives them) to unit-length features."""

    def __init__(self, model: str | Path | bytes, threads: int = 0):
        self.session = onnx_session(model, threads)
        if len(self.session.get_outputs()) < 2:
            raise ValueError("the model has no features output: give it one with ml.serving.graph_features "
                             "(`python -m ml neighbours` does so for the served model)")
        self.input_name = self.session.get_inputs()[0].name
        self.features_name = self.session.get_outputs()[-1].name

    def embed(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        parts = [self.session.run([self.features_name], {self.input_name: to_model_input(images[i:i + batch_size])})[0]
                 for i in range(0, len(images), batch_size)]
        features = np.concatenate(parts).reshape(len(images), -1).astype(np.float32)
        return features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)

