"""The official CIFAR-10 python batches: download with checksum, and load."""

from __future__ import annotations

import hashlib
import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ml.data.dataset import Dataset, DatasetError, Split

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
BATCHES_DIR = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META = "batches.meta"


def download_cifar10(cache_dir: str | Path, url: str = CIFAR10_URL, md5: str = CIFAR10_MD5,
                     progress: bool = True) -> Path:
    """Download and extract the official archive into `cache_dir`; returns the batches folder.

    Nothing is fetched when the batches are already there. The archive is checked
    against its published MD5 before it is extracted.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / BATCHES_DIR
    if is_cifar_batches(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    archive = cache_dir / Path(url).name
    if not archive.is_file() or _md5(archive) != md5:
        partial = archive.with_suffix(archive.suffix + ".part")
        _fetch(url, partial, progress)
        actual = _md5(partial)
        if actual != md5:
            partial.unlink()
            raise DatasetError(f"{url}: checksum mismatch (md5 {actual}, expected {md5}); "
                               "the download was corrupted or the file changed")
        partial.replace(archive)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(cache_dir, filter="data")
    if not is_cifar_batches(target):
        raise DatasetError(f"{archive}: extracted, but {target} does not hold the CIFAR-10 batches")
    return target


def _fetch(url: str, dest: Path, progress: bool) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc="download",
                      disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
                    bar.update(len(block))
    except OSError as exc:
        dest.unlink(missing_ok=True)
        raise DatasetError(f"{url}: download failed ({exc})") from exc


def _md5(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "md5").hexdigest()


def is_cifar_batches(folder: Path) -> bool:
    """True when `folder` holds the official python batches."""
    return folder.is_dir() and (folder / META).is_file()


def find_batches(folder: Path) -> Path | None:
    """The batches folder at `folder` or directly inside it, else None."""
    for candidate in (folder, folder / BATCHES_DIR):
        if is_cifar_batches(candidate):
            return candidate
    return None


def load_cifar_batches(folder: str | Path, splits=("train", "test")) -> Dataset:
    """Load `cifar-10-batches-py` into a Dataset (train = the five data batches, test = test_batch)."""
    folder = Path(folder)
    meta = _unpickle(folder / META)
    class_names = tuple(n.decode() if isinstance(n, bytes) else n for n in meta[b"label_names"])
    batch_names = {"train": TRAIN_BATCHES, "test": (TEST_BATCH,)}
    splits = {name: _load_batches(folder, batch_names[name]) for name in splits}
    n = sum(len(s) for s in splits.values())
    summary = {"n_files": n, "formats": {"CIFAR-10 python batch": n}, "modes": {"RGB": n},
               "sizes": {"32x32": n}, "distinct_sizes": 1}
    return Dataset(name="cifar10", source=str(folder), class_names=class_names, splits=splits,
                   file_summary=summary)


def _load_batches(folder: Path, names) -> Split:
    images, labels, files = [], [], []
    for name in names:
        batch = _unpickle(folder / name)
        try:
            data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            batch_labels = np.asarray(batch[b"labels"], dtype=np.int64)
        except (KeyError, ValueError) as exc:
            raise DatasetError(f"{folder / name}: not a CIFAR-10 batch ({exc})") from exc
        if len(data) != len(batch_labels):
            raise DatasetError(f"{folder / name}: {len(data)} images but {len(batch_labels)} labels")
        images.append(data.transpose(0, 2, 3, 1))
        labels.append(batch_labels)
        files.extend(f"{name}:{i}" for i in range(len(data)))
    return Split(np.concatenate(images), np.concatenate(labels), tuple(files))


def _unpickle(path: Path) -> dict:
    if not path.is_file():
        raise DatasetError(f"{path}: missing CIFAR-10 batch file")
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle, encoding="bytes")
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise DatasetError(f"{path}: not a readable CIFAR-10 batch ({exc})") from exc

