"""CIFAR-10 classification: data loading, analysis, training, evaluation and export.

Importing `ml` never imports TensorFlow; only `ml.cnn` and `ml.export` do.
"""
