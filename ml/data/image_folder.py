"""Load an image folder, or a zip of one, laid out as `<root>/<split>/<class>/<image>`.

This is how the shipped CIFAR-10 zip is laid out and how a client's own product photos
arrive. Every image goes through :func:`ml.data.preprocess.decode_image`. Files that are not images
by their extension (notes, spreadsheets) are skipped with a warning; images that cannot be read
are all collected and reported together, not one per run.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections import Counter, defaultdict
from contextlib import ExitStack
from pathlib import Path, PurePosixPath

import numpy as np
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from ml.data.dataset import Dataset, DatasetError, Split, UnreadableImagesError
from ml.data.preprocess import IMAGE_SUFFIXES, ImageDecodeError, open_image, to_model_image

REQUIRED_SPLITS = ("train", "test")
_CHUNK = 2000
log = logging.getLogger(__name__)


def load_image_folder(path: str | Path, *, splits=None, n_jobs: int = 2,
                      progress: bool = True) -> Dataset:
    """Read the splits (all by default) of an image folder or zip; class names come from the folders."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    if path.is_dir():
        entries, dirs = _list_folder(path)
    elif zipfile.is_zipfile(path):
        entries, dirs = _list_zip(path)
    else:
        raise DatasetError(f"{path}: not a folder and not a zip archive")

    entries, dirs = _strip_wrapper(entries, dirs)
    entries = _without_non_images(path, entries)
    layout = _layout(path, entries, dirs)
    class_names = _check_classes(path, layout)

    loaded, infos, problems = {}, [], []
    for split_name, by_class in sorted(layout.items()):
        if splits is not None and split_name not in splits:
            continue
        files = [f"{split_name}/{cls}/{name}" for cls in class_names for name in sorted(by_class[cls])]
        labels = np.array([class_names.index(f.split("/")[1]) for f in files], dtype=np.int64)
        images, split_infos, split_problems = _decode_all(path, entries, files, n_jobs=n_jobs,
                                                          progress=progress, desc=f"decode {split_name}")
        loaded[split_name] = Split(images, labels, tuple(files))
        infos.extend(split_infos)
        problems.extend(split_problems)
    if problems:
        raise UnreadableImagesError(str(path), problems)
    return Dataset(name=path.stem, source=str(path), class_names=tuple(class_names),
                   splits=loaded, file_summary=summarise_files(infos))


def _hidden(part: str) -> bool:
    return part.startswith(".") or part == "__MACOSX"


def _list_folder(root: Path):
    entries, dirs = {}, set()
    for item in sorted(root.rglob("*")):
        rel = item.relative_to(root).parts
        if any(_hidden(p) for p in rel):
            continue
        if item.is_dir():
            dirs.add(rel)
        else:
            entries[rel] = str(item)
    return entries, dirs


def _list_zip(archive: Path):
    entries, dirs = {}, set()
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DatasetError(f"{archive}: a damaged zip archive ({exc})") from exc
    with zf:
        for info in zf.infolist():
            rel = PurePosixPath(info.filename).parts
            if not rel or any(_hidden(p) for p in rel):
                continue
            if info.is_dir():
                dirs.add(rel)
            else:
                entries[rel] = info.filename
                dirs.update(rel[:i] for i in range(1, len(rel)))
    return entries, dirs


def _strip_wrapper(entries: dict, dirs: set):
    """Descend through single wrapper folders (e.g. `cifar10-jpeg/`) down to the split folders."""
    while True:
        tops = {p[0] for p in entries} | {d[0] for d in dirs}
        if len(tops) != 1 or "train" in tops or not any(len(p) > 3 for p in entries):
            return entries, dirs
        entries = {p[1:]: v for p, v in entries.items()}
        dirs = {d[1:] for d in dirs if len(d) > 1}


def _without_non_images(path: Path, entries: dict) -> dict:
    """The entries whose extension is an image's; the others are skipped, with one warning."""
    kept = {rel: source for rel, source in entries.items() if PurePosixPath(rel[-1]).suffix.lower() in IMAGE_SUFFIXES}
    skipped = sorted("/".join(rel) for rel in entries if rel not in kept)
    if skipped:
        shown = ", ".join(skipped[:3]) + (f" and {len(skipped) - 3:,} more" if len(skipped) > 3 else "")
        log.warning("%s: skipped %d file(s) that are not images by their extension: %s", path, len(skipped), shown)
    return kept


def _layout(path: Path, entries: dict, dirs: set) -> dict[str, dict[str, list[str]]]:
    layout: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for d in dirs:
        if len(d) == 2:
            layout[d[0]].setdefault(d[1], [])
    for rel in entries:
        if len(rel) != 3:
            raise DatasetError(f"{path}: '{'/'.join(rel)}' is not laid out as <split>/<class>/<image>")
        layout[rel[0]].setdefault(rel[1], []).append(rel[2])
    missing = [s for s in REQUIRED_SPLITS if s not in layout]
    if missing:
        raise DatasetError(f"{path}: missing split folder(s) {missing}; expected "
                           f"<split>/<class>/<image> with splits {list(REQUIRED_SPLITS)}")
    for split_name, by_class in layout.items():
        for cls, names in by_class.items():
            if not names:
                raise DatasetError(f"{path}: class folder '{split_name}/{cls}' is empty")
    return layout


def _check_classes(path: Path, layout: dict) -> list[str]:
    train = sorted(layout["train"])
    for split_name, by_class in layout.items():
        if sorted(by_class) != train:
            only_train = sorted(set(train) - set(by_class))
            only_here = sorted(set(by_class) - set(train))
            raise DatasetError(f"{path}: '{split_name}' and 'train' hold different classes "
                               f"(only in train: {only_train}; only in {split_name}: {only_here})")
    if len(train) < 2:
        raise DatasetError(f"{path}: need at least two class folders, found {train}")
    return train


def _decode_all(path: Path, entries: dict, files: list[str], *, n_jobs: int, progress: bool, desc: str):
    """(images, infos, problems) of `files`; an unreadable image leaves a blank and a problem."""
    sources = [entries[tuple(f.split("/"))] for f in files]
    archive = str(path) if path.is_file() else None
    chunks = [range(i, min(i + _CHUNK, len(files))) for i in range(0, len(files), _CHUNK)]
    images, infos, problems = [], [], []
    with ExitStack() as stack:
        if n_jobs == 1:  # in-process: no worker pool (the web app calls this inside a request)
            # one open archive for every chunk: reading a large zip's directory costs more than decoding
            opened = stack.enter_context(zipfile.ZipFile(archive)) if archive else None
            results = (_decode_chunk(archive, [sources[i] for i in c], opened) for c in chunks)
        else:
            jobs = (delayed(_decode_chunk)(archive, [sources[i] for i in c]) for c in chunks)
            results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
        bar = stack.enter_context(tqdm(total=len(files), desc=desc, unit="img", disable=not progress))
        for chunk_images, chunk_infos, chunk_problems in results:
            images.append(chunk_images)
            infos.extend(chunk_infos)
            problems.extend(chunk_problems)
            bar.update(len(chunk_images))
    return np.concatenate(images), infos, problems


def _decode_chunk(archive: str | None, sources: list[str], opened: zipfile.ZipFile | None = None):
    images = np.zeros((len(sources), 32, 32, 3), np.uint8)
    infos, problems = [], []
    zf = opened or (zipfile.ZipFile(archive) if archive else None)
    try:
        for i, source in enumerate(sources):
            location = f"{archive}:{source}" if archive else source
            try:
                data = zf.read(source) if zf else Path(source).read_bytes()
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                problems.append((location, f"damaged in the zip archive ({exc})"))
                continue
            except OSError as exc:
                problems.append((location, f"cannot be read ({exc.strerror or exc})"))
                continue
            try:
                image, info = open_image(data)
                images[i] = to_model_image(image)
            except ImageDecodeError as exc:
                problems.append((location, str(exc)))
                continue
            infos.append(info)
    finally:
        if zf and zf is not opened:
            zf.close()
    return images, infos, problems


def summarise_files(infos: list[dict]) -> dict:
    """Counts of source formats, modes and sizes (the most common 20 sizes)."""
    sizes = Counter(f"{i['width']}x{i['height']}" for i in infos)
    return {
        "n_files": len(infos),
        "formats": dict(Counter(i["format"] for i in infos).most_common()),
        "modes": dict(Counter(i["mode"] for i in infos).most_common()),
        "sizes": dict(sizes.most_common(20)),
        "distinct_sizes": len(sizes),
    }
