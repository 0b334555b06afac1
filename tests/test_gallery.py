"""Test images for galleries, read from the dataset after its fingerprint check (dash_app/gallery.py)."""

import shutil

import pytest

from dash_app.gallery import GalleryUnavailable, dataset_images
from ml.artifacts.folder import load_manifest


def test_gallery001_refuses_a_different_dataset(tiny_artifacts, tmp_path, text_of, png):
    data, out = tiny_artifacts
    manifest = load_manifest(out)
    assert dataset_images(data, manifest).shape == (18, 32, 32, 3)
    other = tmp_path / "other"
    shutil.copytree(data, other)
    first = sorted((other / "test" / "cat").iterdir())[0]
    first.write_bytes(png(seed=9))
    with pytest.raises(GalleryUnavailable, match="differs"):
        dataset_images(other, manifest)


def test_gallery002_the_verified_split_is_shared_through_the_cache_folder_and_checked_again(
        tiny_artifacts, tmp_path, monkeypatch):
    import numpy as np

    from dash_app import gallery

    data, out = tiny_artifacts
    manifest = load_manifest(out)
    cache = tmp_path / "cache"
    gallery._load.cache_clear()
    first = np.array(dataset_images(data, manifest, cache))  # (a copy: what is returned maps the cache file)
    [stored] = list(cache.glob("test-split-*"))

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded the dataset again")

    gallery._load.cache_clear()  # as a new worker would start
    monkeypatch.setattr(gallery, "load_dataset", no_decoding)
    assert np.array_equal(dataset_images(data, manifest, cache), first)

    # a damaged cache file fails its fingerprint: the dataset is read again
    np.save(stored / "images.npy", np.zeros_like(np.load(stored / "images.npy")))
    gallery._load.cache_clear()
    monkeypatch.undo()
    assert np.array_equal(dataset_images(data, manifest, cache), first)
    gallery._load.cache_clear()


def test_gallery003_prefetch_reads_a_split_in_the_background_once(tiny_artifacts, monkeypatch, tmp_path):
    import threading

    import numpy as np

    from dash_app import gallery

    data, out = tiny_artifacts
    manifest = load_manifest(out)
    gallery._load.cache_clear()
    gallery._prefetched.clear()  # as a new worker would start
    gallery.prefetch(data, manifest, tmp_path / "cache", split="train")
    for thread in [t for t in threading.enumerate() if t.name == "prefetch-train"]:
        thread.join(timeout=60)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded the dataset again")

    monkeypatch.setattr(gallery, "load_dataset", no_decoding)
    images = dataset_images(data, manifest, tmp_path / "cache", split="train")
    assert images.shape == (manifest.dataset.splits.train.size, 32, 32, 3) and np.any(images)
    gallery.prefetch(None, manifest)  # no dataset: nothing to do, nothing raised
    gallery._load.cache_clear()


def test_gallery004_a_booting_worker_starts_reading_the_test_split(tiny_artifacts, tmp_path, make_app, monkeypatch):
    import threading

    from dash_app import gallery

    data, out = tiny_artifacts
    gallery._load.cache_clear()
    gallery._prefetched.clear()  # as a new worker would start
    app = make_app(out, data, cache_dir=str(tmp_path / "cache"))
    gallery.prefetch_on_boot(app.server)
    for thread in [t for t in threading.enumerate() if t.name == "prefetch-test"]:
        thread.join(timeout=60)
    assert list((tmp_path / "cache").glob("test-split-*/images.npy"))  # decoded, verified and kept

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded the dataset again")

    monkeypatch.setattr(gallery, "load_dataset", no_decoding)
    manifest = load_manifest(out)
    assert dataset_images(data, manifest, tmp_path / "cache").shape == (manifest.dataset.splits.test.size, 32, 32, 3)
    gallery._load.cache_clear()

    broken = tmp_path / "broken"
    broken.mkdir()
    gallery.prefetch_on_boot(make_app(broken, data).server)  # no artifacts: the pages say so, the worker boots
