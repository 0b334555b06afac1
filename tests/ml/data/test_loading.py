import tarfile
import zipfile

import numpy as np
import pytest

from ml.data.cifar import CIFAR10_URL, download_cifar10, load_cifar_batches
from ml.data.dataset import DatasetError
from ml.data.image_folder import load_image_folder
from ml.data.loading import load_dataset


def _check(dataset, n_train, n_test, folders=True, classes=("cat", "dog", "ship")):
    assert dataset.class_names == classes
    assert len(dataset["train"]) == n_train and len(dataset["test"]) == n_test
    for split in dataset.splits.values():
        assert split.images.shape[1:] == (32, 32, 3) and split.images.dtype == np.uint8
        assert sorted(set(split.labels.tolist())) == [0, 1, 2]
        assert len(split.files) == len(split)
        if folders:
            assert all(f.split("/")[1] == classes[k] for f, k in zip(split.files, split.labels))


def test_image_folder(image_folder):
    dataset = load_image_folder(image_folder, n_jobs=1, progress=False)
    _check(dataset, 18, 9)
    assert dataset.file_summary["formats"] == {"JPEG": 14, "PNG": 13}


def test_png_pixels_survive_loading(image_folder, synthetic_images):
    dataset = load_image_folder(image_folder, n_jobs=1, progress=False)
    originals, _ = synthetic_images(6, seed=len("train"))
    index = dataset["train"].files.index("train/cat/0001.png")
    assert np.array_equal(dataset["train"].images[index], originals[1])


def test_zip_with_wrapper_folder_and_two_workers(image_zip):
    dataset = load_dataset(image_zip, n_jobs=2, progress=False)
    _check(dataset, 18, 9)


def test_only_requested_splits_are_decoded(image_zip, classes):
    dataset = load_dataset(image_zip, splits=("test",), progress=False)
    assert set(dataset.splits) == {"test"} and dataset.class_names == classes


def test_hidden_files_are_ignored(image_folder):
    (image_folder / "train" / "cat" / ".DS_Store").write_bytes(b"junk")
    _check(load_image_folder(image_folder, n_jobs=1, progress=False), 18, 9)


def test_cifar_batches(cifar_batches, synthetic_images):
    dataset = load_dataset(cifar_batches.parent)  # the parent folder is found too
    _check(dataset, 30, 6, folders=False)
    expected, _ = synthetic_images(2, seed=0)
    assert np.array_equal(dataset["train"].images[:6], expected)
    assert dataset["train"].files[0] == "data_batch_1:0"


def _tarball(batches, tmp_path):
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(batches, arcname="cifar-10-batches-py")
    return archive


def _md5(path):
    import hashlib
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_download_checks_md5_extracts_and_is_idempotent(cifar_batches, tmp_path, classes):
    archive = _tarball(cifar_batches, tmp_path)
    cache = tmp_path / "cache"
    folder = download_cifar10(cache, url=archive.as_uri(), md5=_md5(archive), progress=False)
    assert folder == cache / "cifar-10-batches-py"
    assert load_cifar_batches(folder).class_names == classes
    archive.unlink()  # a second call must not fetch again
    assert download_cifar10(cache, url=archive.as_uri(), md5="unused", progress=False) == folder


def test_download_rejects_a_wrong_checksum(cifar_batches, tmp_path):
    archive = _tarball(cifar_batches, tmp_path)
    with pytest.raises(DatasetError, match="checksum mismatch"):
        download_cifar10(tmp_path / "cache", url=archive.as_uri(), md5="0" * 32, progress=False)
    assert not list((tmp_path / "cache").glob("*.part"))


def test_download_failure_is_reported(tmp_path):
    with pytest.raises(DatasetError, match="download failed"):
        download_cifar10(tmp_path / "cache", url=(tmp_path / "nothing.tar.gz").as_uri(), progress=False)
    assert CIFAR10_URL.startswith("https://")


def test_broken_batch_names_the_file(cifar_batches):
    (cifar_batches / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(DatasetError, match="data_batch_3"):
        load_cifar_batches(cifar_batches)


def test_unreadable_image_names_the_file(image_folder):
    (image_folder / "test" / "dog" / "broken.jpg").write_bytes(b"this is not a jpeg")
    with pytest.raises(DatasetError, match=r"1 unreadable image.*test/dog/broken\.jpg: not an image"):
        load_image_folder(image_folder, n_jobs=1, progress=False)


def test_unreadable_image_in_zip_names_the_entry(tmp_path, write_image_folder, zip_folder):
    folder = write_image_folder(tmp_path / "p")
    (folder / "train" / "cat" / "bad.png").write_bytes(b"\x89PNG broken")
    archive = zip_folder(folder, tmp_path / "p.zip")
    with pytest.raises(DatasetError, match=r"p\.zip:train/cat/bad\.png"):
        load_image_folder(archive, n_jobs=1, progress=False)


def test_empty_class_folder(image_folder):
    (image_folder / "train" / "bird").mkdir()
    (image_folder / "test" / "bird").mkdir()
    with pytest.raises(DatasetError, match=r"class folder '(train|test)/bird' is empty"):
        load_image_folder(image_folder, progress=False)


def test_missing_split(tmp_path, write_image_folder):
    folder = write_image_folder(tmp_path / "p")
    import shutil
    shutil.rmtree(folder / "test")
    with pytest.raises(DatasetError, match=r"missing split folder\(s\) \['test'\]"):
        load_image_folder(folder, progress=False)


def test_different_class_sets(image_folder):
    (image_folder / "test" / "ship").rename(image_folder / "test" / "boat")
    with pytest.raises(DatasetError, match=r"only in train: \['ship'\]; only in test: \['boat'\]"):
        load_image_folder(image_folder, progress=False)


def test_file_outside_the_layout(image_folder, synthetic_images, encode):
    (image_folder / "train" / "stray.png").write_bytes(encode(synthetic_images(1)[0][0]))
    with pytest.raises(DatasetError, match="not laid out as <split>/<class>/<image>"):
        load_image_folder(image_folder, progress=False)


def test_not_a_zip(tmp_path):
    fake = tmp_path / "data.zip"
    fake.write_bytes(b"PK but not really a zip")
    with pytest.raises(DatasetError, match="not a folder and not a zip archive"):
        load_dataset(fake)


def test_missing_path(tmp_path):
    with pytest.raises(DatasetError, match="no such file or folder"):
        load_dataset(tmp_path / "nowhere")


def test_zip_directory_entries_count_for_empty_classes(tmp_path, write_image_folder, zip_folder):
    folder = write_image_folder(tmp_path / "p")
    archive = zip_folder(folder, tmp_path / "p.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("train/empty/", b"")
    with pytest.raises(DatasetError, match="'train/empty' is empty"):
        load_image_folder(archive, progress=False)
