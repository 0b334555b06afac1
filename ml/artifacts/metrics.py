"""The figures the manifest records for each model, defined once: evaluation computes them from a
model's predicted classes, and the artifacts check recomputes them from the stored predictions."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


def predicted_classes(proba: np.ndarray) -> np.ndarray:
    """Each image's predicted class, with the one tie-break used everywhere: the highest float32
    probability, the lowest class index among equals. Stored with the probabilities, so that
    nothing downstream re-derives it from rounded values."""
    return np.asarray(proba, np.float32).argmax(axis=1).astype(np.int16)


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, class_names) -> dict:
    """Accuracy, macro and per-class precision / recall / F1 and the confusion matrix, from the
    predicted classes."""
    labels = np.arange(len(class_names))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    macro = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="macro",
                                            zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_precision": float(macro[0]),
        "macro_recall": float(macro[1]),
        "macro_f1": float(macro[2]),
        "n_test": int(len(y_true)),
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]),
                   "f1": float(f1[i]), "support": int(support[i])}
            for i, name in enumerate(class_names)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
