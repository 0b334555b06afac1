"""ml/audit/neighbours.py: the reduced index of training embeddings, and what it answers."""

import numpy as np

from ml.audit.neighbours import (
    DIMENSIONS,
    NeighbourIndex,
    build_index,
    choose_dimensions,
    neighbour_quality,
    project,
    top_k,
)


def unit(vectors):
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_neighbours001_top_k_is_the_exact_ranking_by_similarity():
    rng = np.random.default_rng(0)
    vectors, queries = unit(rng.normal(size=(200, 8))), unit(rng.normal(size=(5, 8)))
    indices, similarity = top_k(queries, vectors, 7)
    brute = np.argsort(-(queries @ vectors.T), axis=1)[:, :7]
    assert (indices == brute).all()
    assert np.allclose(similarity, np.take_along_axis(queries @ vectors.T, brute, axis=1))
    assert top_k(queries, vectors[:3], 10)[0].shape == (5, 3)  # never more than there are


def test_neighbours002_the_fewest_dimensions_that_keep_the_neighbours_are_chosen():
    rng = np.random.default_rng(1)
    basis = np.linalg.qr(rng.normal(size=(64, 64)))[0]
    low = unit(rng.normal(size=(1200, 12)) @ basis[:12])  # 64-d embeddings that live in 12 dimensions
    chosen, quality = choose_dimensions(low[:1000], low[1000:])
    assert chosen == min(DIMENSIONS) and quality[chosen]["recall"] > 0.95  # (centred before reduced: near, not equal)
    assert quality[chosen]["similarity_kept"] > 0.999
    spread = unit(rng.normal(size=(1200, 64)))  # no structure: 16 dimensions lose the neighbours
    few, every = neighbour_quality(spread[:1000], spread[1000:], 16), neighbour_quality(spread[:1000], spread[1000:], 64)
    assert few["recall"] < 0.5 and few["similarity_kept"] < 0.9
    assert every["recall"] > 0.9 and every["similarity_kept"] > 0.99  # every dimension kept: only the centring differs
    chosen, _ = choose_dimensions(spread[:1000], spread[1000:])
    assert chosen == 64


def test_neighbours003_the_stored_index_finds_an_indexed_image_first(tmp_path):
    rng = np.random.default_rng(2)
    embeddings = unit(rng.normal(size=(300, 32)))
    files = [f"train/c{k % 3}/{k:04d}.png" for k in range(300)]
    np.savez(tmp_path / "index.npz", **build_index(embeddings, np.arange(300) % 3, files, 16))
    index = NeighbourIndex(tmp_path / "index.npz")
    assert index.vectors.shape == (300, 16)
    found = index.query(embeddings[[5, 17]], k=4)
    assert [rows[0]["file"] for rows in found] == [files[5], files[17]]
    assert [rows[0]["label"] for rows in found] == [5 % 3, 17 % 3]
    assert all(abs(rows[0]["similarity"] - 1) < 1e-2 for rows in found)
    assert all([r["similarity"] for r in rows] == sorted((r["similarity"] for r in rows), reverse=True)
               for rows in found)
    assert np.allclose(np.linalg.norm(project(embeddings, index.mean, index.components), axis=1), 1, atol=1e-5)
