"""Where `ml classify` finds photos: folders, zips and lists of paths or URLs, read through fsspec.

Every photo is named by one string, the `source` column of the results: a local path, a URL
(`s3://`, `gs://`, `https://`, ... when fsspec's backend for it is installed) or a zip member as
fsspec's chained URL `zip://<member>::<archive>`. Listing is lazy and in a fixed order (sorted
folders, the zip's own order, the list's lines), so a resumed run can skip what was done by
counting, and memory does not grow with the number of photos.
"""

from __future__ import annotations

import csv
import os
import zipfile
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Iterator

from ml.data.preprocess import IMAGE_SUFFIXES
from ml.errors import UserError

ZIP_PREFIX = "zip://"
LIST_SUFFIXES = (".txt", ".csv")
CSV_COLUMNS = ("source", "path", "url", "file", "image")  # the column a CSV list is read from, if named


class SourceError(UserError):
    """A SOURCE argument that cannot be listed; the message names it."""


def is_image_name(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in IMAGE_SUFFIXES


def iter_sources(arguments: list[str]) -> Iterator[str]:
    """Every photo named by the SOURCE arguments, in order: folders recursively (hidden files and
    files that are not images by their extension left out), zip members, and the lines of .txt or
    .csv lists."""
    for argument in arguments:
        path = Path(argument)
        if "://" in argument:
            yield argument
        elif path.is_dir():
            yield from _folder(path)
        elif path.suffix.lower() == ".zip" or (path.is_file() and zipfile.is_zipfile(path)):
            yield from _zip(path)
        elif path.suffix.lower() in LIST_SUFFIXES and path.is_file():
            yield from _listed(path)
        elif path.is_file():
            yield argument
        else:
            raise SourceError(f"{argument}: no such file or folder (give a folder, a zip, a .txt or .csv list "
                              "of paths or URLs, or an image)")


def _folder(root: Path) -> Iterator[str]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and is_image_name(name):
                yield os.path.join(folder, name)


def _zip(archive: Path) -> Iterator[str]:
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [info.filename for info in zf.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{archive}: a damaged zip archive ({exc})") from exc
    for name in names:
        parts = PurePosixPath(name).parts
        if is_image_name(name) and not any(p.startswith(".") or p == "__MACOSX" for p in parts):
            yield f"{ZIP_PREFIX}{name}::{archive}"


def _listed(list_file: Path) -> Iterator[str]:
    """Paths or URLs, one per line (.txt) or from a CSV column; relative paths are relative to the list."""
    with open(list_file, newline="", encoding="utf-8-sig") as handle:
        if list_file.suffix.lower() == ".csv":
            rows = csv.reader(handle)
            header = next(rows, [])
            lowered = [h.strip().lower() for h in header]
            column = next((lowered.index(c) for c in CSV_COLUMNS if c in lowered), None)
            if column is None:  # no known header: the first column, first row included
                column = 0
                yield from _resolved(list_file, header[0] if header else "")
            for row in rows:
                if len(row) > column:
                    yield from _resolved(list_file, row[column])
        else:
            for line in handle:
                yield from _resolved(list_file, line)


def _resolved(list_file: Path, entry: str) -> Iterator[str]:
    entry = entry.strip()
    if not entry or entry.startswith("#"):
        return
    if "://" in entry or os.path.isabs(entry):
        yield entry
    else:
        yield str(list_file.parent / entry)


def read_bytes(source: str) -> bytes:
    """The bytes of one photo; zip members through a per-process cache of open archives."""
    if source.startswith(ZIP_PREFIX):
        member, archive = source[len(ZIP_PREFIX):].rsplit("::", 1)
        return _open_zip(archive).read(member)
    if "://" not in source:
        return Path(source).read_bytes()
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - fsspec is in requirements.txt
        raise OSError("reading URLs needs fsspec (pip install fsspec)") from exc
    try:
        with fsspec.open(source, "rb") as handle:
            return handle.read()
    except ImportError as exc:  # the protocol's backend (s3fs, gcsfs, aiohttp) is not installed
        raise OSError(f"{exc}") from exc
    except ValueError as exc:  # unknown protocol
        raise OSError(str(exc)) from exc


@lru_cache(maxsize=8)
def _open_zip(archive: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(archive)
