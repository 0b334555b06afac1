"""The models and how they train: the registry (TensorFlow-free: names, roles, capabilities), the Keras
CNNs, the HOG baselines, the training loop and its records, and the ONNX export.

Importing this package, the registry, the configurations or the run records never imports
TensorFlow; the trainers are imported when a model is trained."""
