"""Give an exported ONNX classifier its features (the input of its final matrix multiply) as a second
output, so that ml.serving.embeddings can read them; needs the onnx package, which serving does without."""

from __future__ import annotations

from pathlib import Path

from ml.serving.embeddings import Embedder
from ml.serving.predictors import onnx_session

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


def has_features_output(model_path: str | Path) -> bool:
    return len(onnx_session(model_path, threads=1).get_outputs()) > 1


def expose_features(model_path: str | Path) -> bool:
    """Give the ONNX model at `model_path` its features as a second output, in place; False if it has them."""
    if has_features_output(model_path):
        return False
    Path(model_path).write_bytes(with_features_output(model_path))
    return True


def embedder_for(model_path: str | Path, threads: int = 0) -> Embedder:
    """An embedder on any exported classifier: its own features output, or a copy of it given one."""
    return Embedder(model_path if has_features_output(model_path) else with_features_output(model_path), threads)
