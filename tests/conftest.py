"""Small datasets the tests make themselves: image folders, zips and CIFAR-style batches."""

from __future__ import annotations

import io
import json
import pickle
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CLASSES = ("cat", "dog", "ship")


def make_synthetic_images(n_per_class: int, n_classes: int = len(CLASSES), seed: int = 0, size: int = 32):
    """Learnable images: each class has its own stripe orientation and colour, plus noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    images, labels = [], []
    for k in range(n_classes):
        angle = np.pi * k / n_classes
        stripes = (np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 0.8) > 0).astype(np.float32)
        colour = np.array([(k * 97) % 256, (k * 53 + 80) % 256, (k * 29 + 160) % 256], np.float32)
        for _ in range(n_per_class):
            shift = rng.integers(0, 4, size=2)
            pattern = np.roll(stripes, shift, axis=(0, 1))[..., None]
            image = pattern * colour + (1 - pattern) * (255 - colour) + rng.normal(0, 20, (size, size, 3))
            images.append(np.clip(image, 0, 255).astype(np.uint8))
            labels.append(k)
    return np.stack(images), np.array(labels)


def encode_image(image: np.ndarray, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def make_image_folder(root: Path, n_train: int = 6, n_test: int = 3, classes=CLASSES) -> Path:
    """<root>/<split>/<class>/<i>.png|.jpg, mixing PNG and JPEG."""
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = make_synthetic_images(n, len(classes), seed=len(split))
        for i, (image, label) in enumerate(zip(images, labels)):
            folder = root / split / classes[label]
            folder.mkdir(parents=True, exist_ok=True)
            fmt, ext = ("PNG", "png") if i % 2 else ("JPEG", "jpg")
            (folder / f"{i:04d}.{ext}").write_bytes(encode_image(image, fmt))
    return root


def make_zip(folder: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


def make_cifar_batches(folder: Path, n_per_batch: int = 6, classes=CLASSES) -> Path:
    """A miniature cifar-10-batches-py: five data batches, a test batch and batches.meta."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate([f"data_batch_{j}" for j in range(1, 6)] + ["test_batch"]):
        images, labels = make_synthetic_images(n_per_batch // len(classes), len(classes), seed=i)
        data = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
        with open(folder / name, "wb") as handle:
            pickle.dump({b"data": data, b"labels": labels.tolist()}, handle)
    with open(folder / "batches.meta", "wb") as handle:
        pickle.dump({b"label_names": [c.encode() for c in classes]}, handle)
    return folder


# Shared helpers reach the tests as fixtures (never as imports from this file).
@pytest.fixture
def synthetic_images():
    """make_synthetic_images: learnable images and labels, three classes by default."""
    return make_synthetic_images


@pytest.fixture
def encode():
    """encode_image: an array as image-file bytes (PNG by default)."""
    return encode_image


@pytest.fixture
def write_image_folder():
    """make_image_folder: a <split>/<class>/<image> folder of PNGs and JPEGs."""
    return make_image_folder


@pytest.fixture
def zip_folder():
    """make_zip: a folder zipped, optionally under a wrapper folder."""
    return make_zip


@pytest.fixture
def classes():
    """The class names of the synthetic images."""
    return CLASSES


@pytest.fixture
def png(synthetic_images, encode):
    """A function returning one synthetic image as PNG bytes (`seed` picks the image)."""
    def make(seed: int = 0, size: int = 32) -> bytes:
        return encode(synthetic_images(1, seed=seed, size=size)[0][0])
    return make


@pytest.fixture
def make_split(synthetic_images):
    """A split of synthetic images with a file name per image."""
    from ml.data.dataset import Split

    def make(n_per_class=20, seed=0):
        images, labels = synthetic_images(n_per_class, seed=seed)
        return Split(images, labels, tuple(f"f{i}" for i in range(len(labels))))
    return make


@pytest.fixture
def make_app():
    """A fresh dashboard app on the given artifacts (and dataset, for the galleries)."""
    from dash_app import AppConfig, create_app

    def make(artifacts, data=None, **settings):
        return create_app(AppConfig(artifacts_dir=artifacts, data_path=data, **settings))
    return make


@pytest.fixture
def services_of():
    """What an app's callbacks and API share (settings and artifacts)."""
    return lambda app: app.server.extensions["cifar"]


@pytest.fixture
def image_folder(tmp_path) -> Path:
    return make_image_folder(tmp_path / "photos")


@pytest.fixture
def image_zip(tmp_path) -> Path:
    folder = make_image_folder(tmp_path / "photos")
    return make_zip(folder, tmp_path / "photos.zip", prefix="photos/")


@pytest.fixture
def cifar_batches(tmp_path) -> Path:
    return make_cifar_batches(tmp_path / "cifar-10-batches-py")


@pytest.fixture(scope="session")
def shipped_zip() -> Path:
    """The real dataset: $CIFAR10_DATA, else ../shared/data/cifar10-jpeg.zip; skips when absent."""
    from ml.data.loading import default_data_path

    path = default_data_path()
    if not path.exists():
        pytest.skip(f"real data not found at {path} (set CIFAR10_DATA): skipping the real-dataset test")
    return path


def component_text(node) -> str:
    """All text in a Dash component tree: what a reader of the page sees."""
    if isinstance(node, (str, int, float)):
        return str(node)
    if isinstance(node, (list, tuple)):  # a space between siblings, runs of spaces collapsed as a browser shows them
        return re.sub(" {2,}", " ", " ".join(component_text(n) for n in node))
    if type(node).__name__ == "AgGrid":  # its cells are data, not children
        return " ".join(str(value) for row in (node.rowData or []) for value in row.values())
    children = getattr(node, "children", None)
    return component_text(children) if children is not None else ""


@pytest.fixture
def text_of():
    """`component_text`, for tests of pages and callbacks."""
    return component_text


TINY_CNN = {"widths": [8, 16, 16], "batch_size": 16}


def build_tiny_artifacts(root: Path) -> tuple[Path, Path]:
    """(dataset folder, artifacts folder) made by `python -m ml train` on tiny data."""
    from ml.cli import main

    data = make_image_folder(root / "photos", n_train=24, n_test=6)
    out = root / "artifacts"
    assert main(["train", "--data", str(data), "--out", str(out), "--val-size", "12", "--calibration-size", "12",
                 "--epochs", "2", "--jobs", "1", "--quiet", "--cnn", json.dumps(TINY_CNN)]) == 0
    return data, out


@pytest.fixture(scope="session")
def tiny_artifacts(tmp_path_factory):
    """Artifacts trained once per test session by the real pipeline."""
    pytest.importorskip("tensorflow", reason="making artifacts needs the training dependencies")
    return build_tiny_artifacts(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def uncalibrated_artifacts(tiny_artifacts, tmp_path_factory):
    """The tiny artifacts without their calibration: raw probabilities, which label smoothing keeps
    below 1.0, so a minimum confidence of 1.0 sends every photo to review (a calibrated tiny model
    can be sure to the last bit)."""
    data, out = tiny_artifacts
    copy = tmp_path_factory.mktemp("uncalibrated") / "artifacts"
    shutil.copytree(out, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    for entry in manifest["models"].values():
        entry.pop("calibration", None)
        entry.pop("auto_sort", None)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return data, copy


@pytest.fixture(scope="session")
def indexed_artifacts(tiny_artifacts, tmp_path_factory):
    """The tiny artifacts with their training images indexed by `python -m ml neighbours`."""
    from ml.cli import main

    data, out = tiny_artifacts
    copy = tmp_path_factory.mktemp("indexed") / "artifacts"
    shutil.copytree(out, copy)
    assert main(["neighbours", "--data", str(data), "--out", str(copy)]) == 0
    return data, copy


@pytest.fixture(scope="session")
def explored_artifacts(indexed_artifacts, tmp_path_factory):
    """The indexed tiny artifacts with every audit the Explore page reads: out-of-fold answers for the
    training photos (2 short folds), label issues and the map."""
    from ml.cli import main
    from ml.models.cnn_config import PRESETS

    data, out = indexed_artifacts
    copy = tmp_path_factory.mktemp("explored") / "artifacts"
    shutil.copytree(out, copy)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(PRESETS, "fast", {"epochs": 1})
        assert main(["out-of-fold", "--data", str(data), "--out", str(copy), "--folds", "2"]) == 0
    assert main(["label-issues", "--out", str(copy), "--rows", "20"]) == 0
    assert main(["map", "--data", str(data), "--out", str(copy), "--train-images", "30", "--methods", "pca"]) == 0
    return data, copy


@pytest.fixture
def artifacts_copy(tiny_artifacts, tmp_path):
    """A private copy of the tiny artifacts that a test may damage."""
    data, out = tiny_artifacts
    copy = tmp_path / "artifacts"
    shutil.copytree(out, copy)
    return data, copy


def pytest_setup_options():
    """Chromium flags for dash_duo on a machine with no network (see docs/development.md, 'Tests')."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    return options
