"""On the shipped CIFAR-10 zip (../shared/data/cifar10-jpeg.zip); skipped, with a reason, without it."""


import numpy as np
import pytest

from ml.artifacts.folder import ArtifactError, load_manifest
from ml.data.dataset import fingerprint
from ml.data.loading import load_dataset
from tests.paths import ROOT

CIFAR10_classes = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@pytest.fixture(scope="module")
def real(request):
    shipped = request.getfixturevalue("shipped_zip")
    return load_dataset(shipped, progress=False)


def test_real_zip_splits_classes_and_shapes(real):
    assert real.class_names == CIFAR10_classes
    assert len(real["train"]) == 50_000 and len(real["test"]) == 10_000
    for split, per_class in (("train", 5000), ("test", 1000)):
        images = real[split].images
        assert images.shape[1:] == (32, 32, 3) and images.dtype == np.uint8
        assert np.bincount(real[split].labels).tolist() == [per_class] * 10
    assert real.file_summary["formats"] == {"JPEG": 60_000}
    assert real.file_summary["sizes"] == {"32x32": 60_000}


def test_committed_artifacts_were_built_from_this_data(real):
    try:
        manifest = load_manifest(ROOT / "artifacts")
    except ArtifactError as exc:
        pytest.skip(f"no committed artifacts to check: {exc}")
    expected = manifest.dataset.splits.test.fingerprint
    assert fingerprint(real["test"], real.class_names) == expected
