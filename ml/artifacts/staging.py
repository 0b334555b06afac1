"""Write an artifacts folder all at once or not at all.

Every command that writes artifacts writes into a staging folder beside the target and moves it
into place only when it is complete, so a failure or an interrupt (Ctrl+C) leaves the previous
artifacts whole and no half-written or empty folder behind. A process killed outright (kill -9, the
machine stopping) cannot clean up: its folder's name carries its process id, and the next write
beside it removes the folders of processes that are no longer running.

Writers of one folder take turns: each holds a lock beside it (`.<name>.lock`) from the moment it
reads the folder until its version is in place, so two commands recording runs into the same
artifacts at once (a training benchmark and an experiment plan, say) both keep their results, where
the second would otherwise replace the folder with a copy made before the first one's write.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ml.artifacts.folder import (
    MANIFEST,
    ArtifactError,
    listed_files,
    load_manifest,
    with_sections,
    write_manifest,
)
from ml.artifacts.schema import DatasetSplits, Manifest
from ml.errors import OptionError


@contextmanager
def staged_folder(out: str | Path, *, start_from_existing: bool) -> Iterator[Path]:
    """Yield a new folder to write `out`'s next version into (a copy of `out` when
    `start_from_existing`, else empty); it replaces `out` when the block ends without an
    exception, and is removed, with any parent folder made for it, when it does not."""
    out = Path(out).absolute()
    made = [p for p in (out.parent, *out.parent.parents) if not p.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with writer_lock(out):
            remove_stale(out)
            stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-{os.getpid()}-", dir=out.parent))
            try:
                if start_from_existing and out.is_dir():
                    shutil.copytree(out, stage, dirs_exist_ok=True)
                yield stage
            except BaseException:
                shutil.rmtree(stage, ignore_errors=True)
                raise
            _swap(stage, out)
    except BaseException:
        if made:
            _lock_path(out).unlink(missing_ok=True)
        for folder in made:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                break
        raise


class _Held(threading.local):
    def __init__(self):
        self.folders: set[Path] = set()  # those whose writer lock this thread holds


_held = _Held()


@contextmanager
def writer_lock(out: Path) -> Iterator[None]:
    """Hold `out`'s writer lock, waiting (and saying so once) while another process holds it; a
    thread that already holds it goes on. The operating system releases it when its holder exits,
    however it exits, so none is ever stale."""
    held = _held.folders
    if out in held:
        yield
        return
    with open(_lock_path(out), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another process writing {out} to finish", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        held.add(out)
        try:
            yield
        finally:
            held.discard(out)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def store_extra(out: str | Path, key: str, files: dict[str, Callable[[Path], object]], entry: dict):
    """Add or replace one audit's result in the artifacts at `out`, atomically: each of `files`
    (path relative to the folder -> function writing it there) and the manifest entry `key`.
    Returns the entry as the manifest's schema reads it."""
    with staged_folder(out, start_from_existing=True) as folder:
        manifest = load_manifest(folder)  # before the files change: it checks them against their digests
        for rel, write in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            write(folder / rel)
        data = with_sections(manifest, extra_files=files, **{key: entry})
        write_manifest(folder, data)
    return getattr(Manifest.model_validate(data), key)


def remove_stale(out: Path) -> list[Path]:
    """Remove the staging and replaced folders beside `out` left by processes that were killed (their
    process id, in the name, no longer runs); returns what was removed. Folders of running processes,
    and those named before process ids were, are left alone."""
    removed = []
    for folder in out.parent.glob(f".{out.name}.*-*"):
        kind, _, rest = folder.name[len(out.name) + 2:].partition("-")
        pid = rest.split("-", 1)[0]
        if kind in ("staging", "old") and pid.isdigit() and not _running(int(pid)) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _swap(stage: Path, out: Path) -> None:
    if not out.exists():
        os.rename(stage, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
    os.rename(out, old / out.name)
    os.rename(stage, out)
    shutil.rmtree(old, ignore_errors=True)


def prune_unlisted(folder: Path, manifest: Manifest | dict) -> list[str]:
    """Delete the files of `folder` that its manifest (read, or as JSON) does not list (models of an
    earlier run that this one replaced), and the folders left empty; returns what was deleted."""
    keep = set(listed_files(manifest.to_json() if isinstance(manifest, Manifest) else manifest)) | {MANIFEST}
    deleted = []
    for path in sorted(folder.rglob("*"), reverse=True):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in keep:
            path.unlink()
            deleted.append(rel)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return deleted


def previous_artifacts(out: str | Path, splits: DatasetSplits, force: bool) -> Manifest | None:
    """The manifest of the artifacts in `out` when they were built from the same data (`splits`:
    train and test fingerprints), so that a run can keep what it does not retrain; None when `out`
    is new or empty, or holds artifacts of other data and `force` is given. Refuses, naming the
    option to use, to overwrite other data's artifacts without `force`, or a folder that holds
    something other than artifacts."""
    out = Path(out)
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return None
    if not (out / MANIFEST).is_file():
        raise OptionError("--out", f"{out} is not empty and holds no artifacts ({MANIFEST} is missing); "
                                   "choose a new or empty folder")
    try:
        manifest = load_manifest(out, verify=False)
    except ArtifactError as exc:
        if force:
            return None
        raise OptionError("--out", f"{out} holds artifacts that cannot be read ({exc}); pass --force to "
                                   "replace them, or choose another folder") from exc
    before = manifest.dataset.splits
    if all(getattr(before, name).fingerprint == getattr(splits, name).fingerprint for name in ("train", "test")):
        return manifest
    if force:
        return None
    raise OptionError("--out", f"{out} holds the artifacts of other data ({manifest.dataset.name}, "
                               f"{len(manifest.class_names)} classes, made {manifest.created}); "
                               "choose another folder, or pass --force to replace them")
