"""CIFAR-10 classification: data loading, analysis, training, evaluation and export.

One sub-package per domain, each importing only those listed before it (tests/ml/test_layout.py
checks it):

- `ml.data`: reading datasets (CIFAR-10, image folders and zips), the one preprocessing path, damage.
- `ml.artifacts`: the artifacts folder, its typed manifest, staged writes, the stored figures.
- `ml.models`: the registry of models and how each trains (Keras, scikit-learn) and exports.
- `ml.serving`: predictors over the exported files, without TensorFlow; calibration, explanations.
- `ml.evaluation`: speed, robustness, auto-sorting and what it saves.
- `ml.audit`: the data audit: near duplicates, suspect labels, neighbours, the map.
- `ml.study`: experiments, the hypotheses' verdicts, the trust targets and the report.
- `ml.catalogue`: classifying a whole catalogue, locally or on Ray.

At the top: `ml.cli` (the command line), `ml.train` (the pipeline `ml train` runs), and the leaves
every package may use (`ml.errors`, `ml.cpu`). Importing `ml` or any package never imports
TensorFlow; only `ml.models.cnn`, `ml.models.basic_cnn`, `ml.models.keras_models` and
`ml.models.export` do.
"""
