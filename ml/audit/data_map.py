"""A map of the dataset: the served CNN's embeddings of the test split and a training sample, laid out
in two dimensions so that a person can see which classes blur together and where the odd images lie.

Three layouts are compared on every run, by time and by how well the map keeps the classes apart
(the accuracy of a 10-nearest-neighbour vote on the map's coordinates, cross-validated): PCA (linear,
instant), t-SNE (scikit-learn) and UMAP (umap-learn, BSD). The one that separates the classes best is
kept; the comparison is stored with it.
"""

from __future__ import annotations

import time

import numpy as np

METHODS = ("pca", "tsne", "umap")


def layout(embeddings: np.ndarray, method: str, seed: int = 0) -> np.ndarray:
    """2-D coordinates of the embeddings by `method`."""
    if method == "pca":
        centred = embeddings - embeddings.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        return centred @ vt[:2].T
    if method == "tsne":
        from sklearn.manifold import TSNE

        return TSNE(n_components=2, init="pca", perplexity=30, random_state=seed, n_jobs=2).fit_transform(embeddings)
    if method == "umap":
        import umap

        return umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=seed,
                         n_jobs=1).fit_transform(embeddings)
    raise ValueError(f"unknown map method {method!r}; choose from {METHODS}")


def separation(coordinates: np.ndarray, labels: np.ndarray, seed: int = 0) -> float:
    """Cross-validated accuracy of a 10-nearest-neighbour vote on the map: how well it keeps classes apart."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    return float(cross_val_score(KNeighborsClassifier(10), coordinates, labels, cv=folds).mean())


def compare_layouts(embeddings: np.ndarray, labels: np.ndarray, methods=METHODS, seed: int = 0,
                    log=print) -> tuple[str, np.ndarray, dict]:
    """(best method, its coordinates scaled into [-1, 1], {method: seconds and separation})."""
    results, maps = {}, {}
    for method in methods:
        start = time.perf_counter()
        maps[method] = layout(embeddings, method, seed)
        seconds = time.perf_counter() - start
        results[method] = {"seconds": round(seconds, 2), "separation": separation(maps[method], labels, seed)}
        log(f"map: {method}: {seconds:.1f} s, 10-NN accuracy on the map {results[method]['separation']:.1%}")
    best = max(results, key=lambda m: (results[m]["separation"], -results[m]["seconds"]))
    coordinates = maps[best] - maps[best].mean(axis=0)
    return best, coordinates / np.abs(coordinates).max(), results


def training_sample(labels: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Sorted positions of a class-stratified sample of `size` training images."""
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    per_class = size // len(classes)
    return np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == k), min(per_class, (labels == k).sum()),
                                              replace=False) for k in classes]))
