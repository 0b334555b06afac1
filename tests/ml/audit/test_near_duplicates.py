"""ml/audit/near_duplicates.py: the same photo again (shifted, mirrored, recompressed) is found; a different photo
of the same kind, or a flat scene in other colours, is not."""

import io

import numpy as np
from PIL import Image

from ml.audit.near_duplicates import Rule, find_pairs, nearest, pixel_correlation


def textured(rng, n):
    """Photos with structure at several scales (smoothed noise), each unlike the others."""
    base = rng.normal(size=(n, 8, 8, 3))
    big = np.kron(base, np.ones((1, 4, 4, 1)))
    return np.clip(128 + 40 * big + 10 * rng.normal(size=(n, 32, 32, 3)), 0, 255).astype(np.uint8)


def jpeg(image, quality=60):
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def test_near_duplicates001_correlation_sees_through_shifts_mirrors_and_recompression():
    rng = np.random.default_rng(0)
    a, other = textured(rng, 2)
    shifted = np.roll(a, (1, 2), axis=(0, 1))
    copies = np.stack([a, shifted, a[:, ::-1], jpeg(a)])
    scores = pixel_correlation(np.stack([a] * 4), copies)
    assert (scores > 0.9).all(), scores
    assert pixel_correlation(a[None], other[None])[0] < 0.5
    assert pixel_correlation(a[None], np.roll(a, 5, axis=1)[None], max_shift=2)[0] < 0.9  # beyond the shifts tried
    flat = np.full((1, 32, 32, 3), 90, np.uint8)
    assert pixel_correlation(flat, flat)[0] == 0.0  # nothing to correlate: never a duplicate by itself
    recoloured = np.clip(a.astype(int) * [1.0, 0.8, 0.6] + 20, 0, 255).astype(np.uint8)
    assert pixel_correlation(a[None], recoloured[None], detail_window=7)[0] > 0.9


def test_near_duplicates002_pairs_within_and_between_sets():
    rng = np.random.default_rng(1)
    images = textured(rng, 40)
    images[30] = np.roll(images[3], 1, axis=1)  # a near copy inside the set
    embeddings = rng.normal(size=(40, 8)).astype(np.float32)
    embeddings[30] = embeddings[3] + 0.01
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    within = find_pairs(embeddings, images, rule=Rule(candidates=3))
    assert [(i, j) for i, j, _ in within] == [(3, 30)] and within[0][2] < 0.1

    queries = np.stack([jpeg(images[7]), images[12][:, ::-1], textured(rng, 1)[0]])
    query_embeddings = embeddings[[7, 12, 0]] + 0.01  # the third lies near image 0 but is another photo
    query_embeddings /= np.linalg.norm(query_embeddings, axis=1, keepdims=True)
    between = find_pairs(query_embeddings, queries, embeddings, images, Rule(candidates=2))
    assert sorted((i, j) for i, j, _ in between) == [(0, 7), (1, 12)]
    assert [d for _, _, d in between] == sorted(d for _, _, d in between)


def test_near_duplicates003_two_flat_scenes_that_share_a_horizon_are_not_the_same_photo():
    rng = np.random.default_rng(3)
    rows = np.arange(32)[None, :, None, None]
    haze = 200 - 120 / (1 + np.exp(-(rows - 16) / 4))  # pale sky fading into a dark sea
    sky_over_sea = haze * np.ones((2, 32, 32, 3)) + 8 * rng.normal(size=(2, 32, 32, 3))  # other waves, clouds
    scenes = np.clip(sky_over_sea, 0, 255).astype(np.uint8)
    grey = pixel_correlation(scenes[:1], scenes[1:])[0]
    detail = pixel_correlation(scenes[:1], scenes[1:], detail_window=7)[0]
    assert grey > 0.9 and detail < 0.3
    assert not Rule().accepts(np.array([grey]), np.array([detail]))[0]
    assert list(Rule(grey=0.85, detail=0.6).accepts(np.array([0.95, 0.86, 0.8]), np.array([0.7, 0.5, 0.9]))) == [
        True, False, False]


def test_near_duplicates004_nearest_never_returns_the_image_itself():
    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(50, 6)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    found = nearest(vectors, vectors, 4, same=True, block=7)
    assert found.shape == (50, 4) and not (found == np.arange(50)[:, None]).any()
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    assert (found[:, 0] == similarity.argmax(1)).all()
