"""Occlusion sensitivity: which regions of an image the model's decision depends on.

Model-agnostic (it only calls `predict_proba`), so it runs on the ONNX model without
TensorFlow: grey patches are slid over the image and the drop in the probability of
the predicted class is recorded where each patch sat.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def occlusion_map(predict_proba: Callable[[np.ndarray], np.ndarray], image: np.ndarray,
                  target: int | None = None, patch: int = 8, stride: int = 4) -> tuple[np.ndarray, int]:
    """(H, W) map of the target-class probability lost when each region is hidden, and the target.

    Positive values mark evidence for the class; negative values mark regions whose
    removal makes the model more confident.
    """
    height, width = image.shape[:2]
    base = predict_proba(image[None])[0]
    target = int(np.argmax(base)) if target is None else int(target)
    fill = image.reshape(-1, image.shape[-1]).mean(axis=0).astype(image.dtype)
    corners = [(y, x) for y in range(0, height - patch + 1, stride)
               for x in range(0, width - patch + 1, stride)]
    batch = np.repeat(image[None], len(corners), axis=0)
    for i, (y, x) in enumerate(corners):
        batch[i, y:y + patch, x:x + patch] = fill
    drops = base[target] - predict_proba(batch)[:, target]
    heat = np.zeros((height, width), np.float64)
    cover = np.zeros((height, width), np.float64)
    for drop, (y, x) in zip(drops, corners):
        heat[y:y + patch, x:x + patch] += drop
        cover[y:y + patch, x:x + patch] += 1
    return (heat / np.maximum(cover, 1)).astype(np.float32), target
