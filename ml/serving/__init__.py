"""Serving without TensorFlow: predictors over the exported models (ONNX, scikit-learn), temperature
calibration, embeddings and the occlusion map that explains a prediction."""
