"""Dataset analysis, saved as data: counts, mean images, pixel statistics, duplicates."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from itertools import permutations

import numpy as np

from ml.data.dataset import Dataset, Split

LUMA = np.array([0.299, 0.587, 0.114])
HIST_BINS = np.linspace(0, 256, 33)  # 32 bins over 0..255 for brightness
CONTRAST_BINS = np.linspace(0, 128, 33)  # luminance std never exceeds 127.5


def image_luminance(images: np.ndarray) -> np.ndarray:
    """Per-pixel luminance (ITU-R BT.601) of uint8 RGB images, as float32 (N, H, W)."""
    return (images.astype(np.float32) @ LUMA.astype(np.float32))


def dataset_statistics(dataset: Dataset) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON-ready statistics, arrays for an npz file) for every split of a dataset."""
    names = dataset.class_names
    stats: dict = {"class_names": list(names), "splits": {}, "file_summary": dataset.file_summary}
    arrays: dict[str, np.ndarray] = {}
    hashes = {}
    for split_name, split in dataset.splits.items():
        stats["splits"][split_name], split_arrays = _split_statistics(split, names)
        arrays.update({f"{split_name}_{k}": v for k, v in split_arrays.items()})
        hashes[split_name] = image_hashes(split.images)
    stats["duplicates"] = duplicate_report(hashes, {s: d.labels for s, d in dataset.splits.items()})
    arrays["hist_brightness_edges"] = HIST_BINS
    arrays["hist_contrast_edges"] = CONTRAST_BINS
    return stats, arrays


def _split_statistics(split: Split, names) -> tuple[dict, dict[str, np.ndarray]]:
    images = split.images
    luminance = image_luminance(images).reshape(len(images), -1)
    brightness, contrast = luminance.mean(axis=1), luminance.std(axis=1)
    pixels = images.reshape(-1, 3).astype(np.float64)
    counts = np.bincount(split.labels, minlength=len(names))
    mean_images = np.zeros((len(names), 32, 32, 3), np.float32)
    hist_b = np.zeros((len(names), len(HIST_BINS) - 1), np.int64)
    hist_c = np.zeros((len(names), len(CONTRAST_BINS) - 1), np.int64)
    per_class = {}
    for k, name in enumerate(names):
        mask = split.labels == k
        if mask.any():
            mean_images[k] = images[mask].mean(axis=0)
        hist_b[k] = np.histogram(brightness[mask], HIST_BINS)[0]
        hist_c[k] = np.histogram(contrast[mask], CONTRAST_BINS)[0]
        class_pixels = images[mask].reshape(-1, 3).astype(np.float64)
        per_class[name] = {
            "count": int(counts[k]),
            "channel_mean": class_pixels.mean(axis=0).round(3).tolist() if mask.any() else None,
            "channel_std": class_pixels.std(axis=0).round(3).tolist() if mask.any() else None,
            "brightness_mean": _round(brightness[mask].mean()) if mask.any() else None,
            "contrast_mean": _round(contrast[mask].mean()) if mask.any() else None,
        }
    summary = {
        "n_images": int(len(images)),
        "class_counts": {name: int(counts[k]) for k, name in enumerate(names)},
        "channel_mean": pixels.mean(axis=0).round(3).tolist(),
        "channel_std": pixels.std(axis=0).round(3).tolist(),
        "brightness": _describe(brightness),
        "contrast": _describe(contrast),
        "per_class": per_class,
    }
    arrays = {"mean_images": mean_images.round().astype(np.uint8), "hist_brightness": hist_b,
              "hist_contrast": hist_c}
    return summary, arrays


def _round(value: float) -> float:
    return round(float(value), 3)


def _describe(values: np.ndarray) -> dict:
    q = np.percentile(values, [5, 25, 50, 75, 95])
    return {"mean": _round(values.mean()), "std": _round(values.std()),
            "p5": _round(q[0]), "p25": _round(q[1]), "median": _round(q[2]), "p75": _round(q[3]),
            "p95": _round(q[4])}


def image_hashes(images: np.ndarray) -> list[str]:
    """A content hash per image (exact pixel equality)."""
    return [hashlib.blake2b(image.tobytes(), digest_size=16).hexdigest() for image in images]


def duplicate_report(hashes: dict[str, list[str]], labels: dict[str, np.ndarray]) -> dict:
    """Exact duplicates within each split and across splits (test images also in train...)."""
    report: dict = {"within": {}, "across": {}}
    for split_name, split_hashes in hashes.items():
        groups = defaultdict(list)
        for i, h in enumerate(split_hashes):
            groups[h].append(i)
        dup_groups = [g for g in groups.values() if len(g) > 1]
        conflicting = sum(1 for g in dup_groups if len(set(labels[split_name][g].tolist())) > 1)
        report["within"][split_name] = {
            "duplicate_images": int(sum(len(g) - 1 for g in dup_groups)),
            "groups": len(dup_groups),
            "groups_with_conflicting_labels": conflicting,
        }
    for a, b in permutations(sorted(hashes), 2):
        seen = set(hashes[a])
        shared = [j for j, h in enumerate(hashes[b]) if h in seen]
        report["across"][f"{b}_in_{a}"] = {"images": len(shared), "examples": shared[:20]}
    return report
