"""Why by example: the training images most like a photo, by the served CNN's embeddings.

The index holds every training image's embedding reduced by PCA to a few dozen dimensions and stored
as float16, so that a small deploy carries it in a few megabytes and answers by one matrix product
(exact search: at this size an approximate index would buy nothing). The served ONNX model answers
with its features as a second output, so serving needs neither TensorFlow nor the onnx package.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NEIGHBOURS = "neighbours"
NEIGHBOURS_FILE = "dataset/neighbours.npz"
DIMENSIONS = (16, 32, 64, 128)  # compared against the full embeddings; the smallest good enough kept
K = 10
# What a person sees is how alike the shown photos are, not whether they are exactly the 10 nearest
# (many training photos are almost equally near): the reduced index must keep this share of the exact
# neighbours' mean similarity, measured in the full embedding.
SIMILARITY_FLOOR = 0.995


def fit_pca(embeddings: np.ndarray, dimensions: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, components: features x dimensions) of the embeddings' principal components."""
    mean = embeddings.mean(axis=0)
    _, _, vt = np.linalg.svd(embeddings - mean, full_matrices=False)
    return mean.astype(np.float32), vt[:dimensions].T.astype(np.float32)


def project(embeddings: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Reduced, unit-length vectors: cosine similarity is their dot product."""
    reduced = (np.asarray(embeddings, np.float32) - mean) @ components
    return reduced / np.maximum(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-12)


def top_k(queries: np.ndarray, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices, similarities) of the k most similar vectors to each query, most similar first."""
    similarity = queries @ vectors.T
    k = min(k, vectors.shape[0])
    part = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(similarity, part, axis=1).argsort(axis=1)[:, ::-1]
    indices = np.take_along_axis(part, order, axis=1)
    return indices, np.take_along_axis(similarity, indices, axis=1)


def neighbour_quality(index_embeddings: np.ndarray, queries: np.ndarray, dimensions: int, k: int = K) -> dict:
    """How a reduced index's k nearest compare with the exact ones: the share it finds (recall) and
    the share of their mean similarity, in the full embedding, it keeps."""
    exact, exact_similarity = top_k(queries, index_embeddings, k)
    mean, components = fit_pca(index_embeddings, dimensions)
    found, _ = top_k(project(queries, mean, components), project(index_embeddings, mean, components), k)
    found_similarity = np.take_along_axis(queries @ index_embeddings.T, found, axis=1)
    return {"recall": float(np.mean([len(set(a) & set(b)) / k for a, b in zip(exact, found)])),
            "similarity_kept": float(min(found_similarity.mean() / exact_similarity.mean(), 1.0))}


def choose_dimensions(index_embeddings: np.ndarray, queries: np.ndarray) -> tuple[int, dict]:
    """The fewest dimensions that keep the floor's share of similarity (else the most), and every
    measurement."""
    quality = {d: neighbour_quality(index_embeddings, queries, d) for d in DIMENSIONS
               if d <= index_embeddings.shape[1]}
    good = [d for d, q in quality.items() if q["similarity_kept"] >= SIMILARITY_FLOOR]
    return (min(good) if good else max(quality)), quality


def build_index(embeddings: np.ndarray, labels: np.ndarray, files, dimensions: int) -> dict[str, np.ndarray]:
    """The arrays `NeighbourIndex` reads (stored as one .npz)."""
    mean, components = fit_pca(embeddings, dimensions)
    return {"mean": mean, "components": components,
            "vectors": project(embeddings, mean, components).astype(np.float16),
            "labels": np.asarray(labels, np.int16), "files": np.array(files)}


class NeighbourIndex:
    """The stored index, answering 'which training images is this most like?'."""

    def __init__(self, path: str | Path):
        with np.load(path) as data:
            self.mean, self.components = data["mean"], data["components"]
            self.vectors = data["vectors"].astype(np.float32)  # BLAS has no float16 product
            self.labels, self.files = data["labels"], data["files"].tolist()

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.mean, self.components, self.vectors, self.labels)) + sum(
            len(f) for f in self.files)

    def query(self, embeddings: np.ndarray, k: int) -> list[list[dict]]:
        """Per embedding: the k most similar training images as {file, label, similarity, position in
        the training split}."""
        indices, similarity = top_k(project(embeddings, self.mean, self.components), self.vectors, k)
        return [[{"file": self.files[i], "label": int(self.labels[i]), "similarity": round(float(s), 4),
                  "position": int(i)}
                 for i, s in zip(row, sims)] for row, sims in zip(indices, similarity)]

