"""The Ray engine of `ml classify` (ml/catalogue/ray_engine.py), on a local Ray instance with tiny data:
the same rows as the local engine, in the same order."""

import csv

import pytest

from ml.catalogue import classify

pytest.importorskip("ray", reason="the Ray engine needs Ray (requirements-ray.txt)")


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_classifyray001_ray_gives_the_local_engines_rows_row_for_row(tiny_artifacts, tmp_path, write_image_folder,
                                                                     zip_folder):
    import ray

    _, artifacts = tiny_artifacts
    folder = write_image_folder(tmp_path / "photos", n_train=1, n_test=10)
    (folder / "test" / "broken.png").write_bytes(b"not an image")
    archive = zip_folder(folder / "test", tmp_path / "photos.zip")
    sources = [str(folder / "test"), str(archive)]
    options = dict(progress=False, log=lambda *a: None, chunk=8)
    local = classify.classify_catalogue(sources, tmp_path / "local.csv", artifacts, workers=1, **options)
    try:
        on_ray = classify.classify_catalogue(sources, tmp_path / "ray.csv", artifacts, engine="ray", workers=2,
                                             **options)
    finally:
        ray.shutdown()
    assert _rows(tmp_path / "ray.csv") == _rows(tmp_path / "local.csv")
    assert on_ray == local and local["photos"] == 2 * 31
