"""Near-duplicate images within and between splits: the same photo again, shifted by a pixel or two,
mirrored, recompressed or recoloured.

Two steps, because neither alone is enough. The CNN's embeddings find candidates fast, but they
are made to group a class, so two different ships on the sea are as close as one ship twice. The
candidates are then compared pixel by pixel, at the best of small shifts and a mirror: the
normalised cross-correlation of their grey levels, which is high for the same picture, and of
their details (grey levels less a local mean), which stays high for the same picture but not for
two flat scenes that merely share a horizon. The thresholds were chosen by looking at pairs
(docs/results.md, "Verifying the data").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter

from ml.artifacts.schema import NearDuplicates
from ml.models.registry import display_name

GREY_WEIGHTS = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass(frozen=True)
class Rule:
    """A candidate pair is a near-duplicate when both its grey-level and its detail correlation
    reach their thresholds."""

    grey: float = 0.85
    detail: float = 0.6
    detail_window: int = 7  # pixels: the local mean taken away to leave the details
    candidates: int = 5  # nearest images by embedding, per image, that are compared pixel by pixel
    max_shift: int = 2  # pixels, each way

    def accepts(self, grey: np.ndarray, detail: np.ndarray) -> np.ndarray:
        return (grey >= self.grey) & (detail >= self.detail)


def pixel_correlation(a: np.ndarray, b: np.ndarray, max_shift: int = 2, detail_window: int = 0) -> np.ndarray:
    """For image pairs (a[i], b[i]) (uint8, N x H x W x 3): the normalised cross-correlation of their
    grey levels (less the mean over a `detail_window`-pixel square, when given) at the best shift
    of up to `max_shift` pixels each way, `b` as it is or mirrored."""
    return _best_correlation(_details(_grey(a), detail_window), _details(_grey(b), detail_window), max_shift)


def nearest(queries: np.ndarray, references: np.ndarray, k: int, same: bool, block: int = 1024) -> np.ndarray:
    """Indices (len(queries) x k) of each query's k nearest references by cosine distance (unit
    vectors); with `same` (queries are the references), an image is never its own neighbour."""
    k = min(k, len(references) - int(same))
    found = np.empty((len(queries), k), np.int64)
    for start in range(0, len(queries), block):
        similarity = queries[start:start + block] @ references.T
        if same:
            rows = np.arange(len(similarity))
            similarity[rows, rows + start] = -np.inf
        top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(similarity, top, 1), axis=1)
        found[start:start + block] = np.take_along_axis(top, order, 1)
    return found


def find_pairs(embeddings_a: np.ndarray, images_a: np.ndarray, embeddings_b: np.ndarray | None = None,
               images_b: np.ndarray | None = None, rule: Rule = Rule()) -> list[tuple[int, int, float]]:
    """(i, j, distance) for every near-duplicate pair of an image of set a and one of set b (of a
    itself when b is None, each pair once, i < j), most alike first; distance is 1 - the pixel
    correlation."""
    same = embeddings_b is None
    embeddings_b, images_b = (embeddings_a, images_a) if same else (embeddings_b, images_b)
    if len(embeddings_a) == 0 or len(embeddings_b) <= int(same):
        return []
    neighbours = nearest(embeddings_a, embeddings_b, rule.candidates, same)
    rows = np.repeat(np.arange(len(embeddings_a)), neighbours.shape[1])
    cols = neighbours.reshape(-1)
    if same:  # each unordered pair once
        rows, cols = np.minimum(rows, cols), np.maximum(rows, cols)
        unique = np.unique(np.stack([rows, cols], 1), axis=0)
        rows, cols = unique[:, 0], unique[:, 1]
    correlation, detail = np.empty(len(rows), np.float32), np.empty(len(rows), np.float32)
    for start in range(0, len(rows), 4096):  # in chunks: a split's candidates at once would not fit
        part = slice(start, start + 4096)
        left, right = _grey(images_a[rows[part]]), _grey(images_b[cols[part]])
        correlation[part] = _best_correlation(left, right, rule.max_shift)
        detail[part] = _best_correlation(_details(left, rule.detail_window), _details(right, rule.detail_window),
                                         rule.max_shift)
    keep = rule.accepts(correlation, detail)
    pairs = [(int(i), int(j), round(float(1 - c), 4)) for i, j, c in zip(rows[keep], cols[keep], correlation[keep])]
    return sorted(pairs, key=lambda pair: (pair[2], pair[0], pair[1]))


def twin_verdict(found: NearDuplicates) -> str:
    """One sentence from the audit's summary: how many test photos have a near-twin in training,
    and what the most accurate model scores without them."""
    model = max(found.accuracy, key=lambda key: found.accuracy[key].all)
    scores = found.accuracy[model]
    gain = scores.all - scores.without_train_twin
    effect = (f"the reported accuracy owes {100 * gain:.1f} points to them" if round(100 * gain, 1) > 0
              else "they do not inflate the reported accuracy")
    return (f"{found.test_share_with_train_twin:.1%} of the test photos ({found.test_with_train_twin:,}) "
            f"have a near-twin in the training photos. Without them, the best model ({display_name(model)}) scores "
            f"{scores.without_train_twin:.1%} instead of {scores.all:.1%}: {effect}.")


def _grey(images: np.ndarray) -> np.ndarray:
    return np.asarray(images, np.float32) @ GREY_WEIGHTS


def _details(grey: np.ndarray, window: int) -> np.ndarray:
    """Grey levels less their mean over a `window`-pixel square (unchanged for a window of 0)."""
    return grey - uniform_filter(grey, size=(1, window, window), mode="nearest") if window else grey


def _best_correlation(a: np.ndarray, b: np.ndarray, max_shift: int) -> np.ndarray:
    """Per pair of grey images: the highest normalised cross-correlation over shifts and a mirror of `b`."""
    height, width = a.shape[1:]
    best = np.full(len(a), -1.0, np.float32)
    for candidate in (b, b[:, :, ::-1]):
        for dy in range(-max_shift, max_shift + 1):
            for dx in range(-max_shift, max_shift + 1):
                left = a[:, max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)].reshape(len(a), -1)
                right = candidate[:, max(-dy, 0):height + min(-dy, 0),
                                  max(-dx, 0):width + min(-dx, 0)].reshape(len(a), -1)
                best = np.maximum(best, _correlation(left, right))
    return best


def _correlation(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    left = left - left.mean(1, keepdims=True)
    right = right - right.mean(1, keepdims=True)
    norms = np.linalg.norm(left, axis=1) * np.linalg.norm(right, axis=1)
    return np.where(norms > 1e-6, (left * right).sum(1) / np.maximum(norms, 1e-6), 0.0).astype(np.float32)
