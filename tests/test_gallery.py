"""Test images for galleries, read from the dataset after its fingerprint check (dash_app/gallery.py)."""

import json
import shutil

import pytest

from dash_app.gallery import GalleryUnavailable, dataset_test_images


def test_gallery001_refuses_a_different_dataset(tiny_artifacts, tmp_path, text_of, png):
    data, out = tiny_artifacts
    manifest = json.loads((out / "manifest.json").read_text())
    assert dataset_test_images(data, manifest).shape == (18, 32, 32, 3)
    other = tmp_path / "other"
    shutil.copytree(data, other)
    first = sorted((other / "test" / "cat").iterdir())[0]
    first.write_bytes(png(seed=9))
    with pytest.raises(GalleryUnavailable, match="differs"):
        dataset_test_images(other, manifest)
