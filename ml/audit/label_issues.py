"""Likely label errors by confident learning (Northcutt, Jiang & Chuang, 2021), written here rather than
taken from cleanlab, whose AGPL-3.0 licence a client's product may not accept.

From out-of-sample probabilities (a model that never trained on the images): each class's threshold
is the mean probability the model gives that class on the images labelled with it. An image is
counted in the confident joint under its given label and the class it is confidently in (the most
probable class among those at or above their threshold); the off-diagonal of that joint holds the
images whose given label the model confidently disputes. They are ranked by normalised margin: how
much more probable the suggested class is than the given one.
"""

from __future__ import annotations

import numpy as np

from ml.artifacts.schema import LabelIssues


def class_thresholds(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per class: the mean probability of that class over the images labelled with it."""
    n_classes = probabilities.shape[1]
    return np.array([probabilities[labels == k, k].mean() if (labels == k).any() else 1.0
                     for k in range(n_classes)])


def confident_classes(probabilities: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per image: the most probable class among those at or above their threshold, or -1 for none."""
    above = probabilities >= thresholds[None, :]
    masked = np.where(above, probabilities, -np.inf)
    return np.where(above.any(axis=1), masked.argmax(axis=1), -1)


def find_label_issues(probabilities: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indices, suggested classes, scores) of the images whose given label is confidently disputed,
    most suspicious first; score = probability of the suggested class - probability of the given one."""
    probabilities, labels = np.asarray(probabilities, np.float64), np.asarray(labels)
    confident = confident_classes(probabilities, class_thresholds(probabilities, labels))
    disputed = np.flatnonzero((confident >= 0) & (confident != labels))
    suggested = confident[disputed]
    scores = probabilities[disputed, suggested] - probabilities[disputed, labels[disputed]]
    order = np.argsort(-scores, kind="stable")
    return disputed[order], suggested[order], scores[order]


def ranked_candidates(probabilities: np.ndarray, labels: np.ndarray, at_least: int) -> dict:
    """The confident-learning issues, then (to make `at_least` rows for a person to review) the other
    images by how much more probable their likeliest other class is than their given label.

    Returns indices, suggested classes and scores in that order, and `flagged`: how many of the
    first rows confident learning itself flagged."""
    probabilities, labels = np.asarray(probabilities, np.float64), np.asarray(labels)
    indices, suggested, scores = find_label_issues(probabilities, labels)
    rest = np.setdiff1d(np.arange(len(labels)), indices)
    others = probabilities[rest].copy()
    others[np.arange(len(rest)), labels[rest]] = -np.inf
    rest_suggested = others.argmax(axis=1)
    rest_scores = others.max(axis=1) - probabilities[rest, labels[rest]]
    order = np.argsort(-rest_scores, kind="stable")[:max(at_least - len(indices), 0)]
    return {"indices": np.concatenate([indices, rest[order]]),
            "suggested": np.concatenate([suggested, rest_suggested[order]]),
            "scores": np.concatenate([scores, rest_scores[order]]), "flagged": len(indices)}


def issues_verdict(found: LabelIssues) -> str:
    """One sentence from `ml label-issues`' summary: how many labels the network confidently disputes
    in each split, and what such a dispute means."""
    where = {"test": "test", "train": "training"}
    parts = [f"{row.flagged:,} of the {row.images:,} {where[split]} labels ({row.flagged / row.images:.1%})"
             for split, row in found.splits.items()]
    return (f"The network confidently disputes {' and '.join(parts)}. They are candidates for a person to check, "
            "most suspicious first, not errors: a photo it finds hard is disputed as readily as a wrong label.")
