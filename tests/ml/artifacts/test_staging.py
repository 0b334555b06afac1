"""Whole-or-nothing writes of an artifacts folder (ml/artifacts/staging.py)."""

import os
import subprocess
import sys
import threading

import pytest

from ml.artifacts.staging import prune_unlisted, staged_folder
from tests.paths import ROOT

LOCK = ".artifacts.lock"  # the writers' lock, the one file a write leaves beside the folder


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()}


def test_staging001_a_completed_block_replaces_the_folder_whole(tmp_path):
    out = tmp_path / "artifacts"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with staged_folder(out, start_from_existing=False) as stage:
        assert stage.parent == tmp_path and stage != out
        (stage / "new.txt").write_text("new")
        assert _tree(out) == {"old.txt": "old"}  # untouched until the block completes
    assert _tree(out) == {"new.txt": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK, "artifacts"]


def test_staging002_starting_from_the_existing_folder_copies_it(tmp_path):
    out = tmp_path / "artifacts"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "kept.txt").write_text("kept")
    with staged_folder(out, start_from_existing=True) as stage:
        (stage / "sub" / "kept.txt").write_text("changed in the copy")
        assert (out / "sub" / "kept.txt").read_text() == "kept"
    assert _tree(out) == {"sub/kept.txt": "changed in the copy"}


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyboardInterrupt()])
def test_staging003_a_failure_leaves_the_folder_and_no_debris(tmp_path, failure):
    out = tmp_path / "artifacts"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(type(failure)):
        with staged_folder(out, start_from_existing=True) as stage:
            (stage / "half.txt").write_text("half-written")
            raise failure
    assert _tree(out) == {"old.txt": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK, "artifacts"]


def test_staging004_a_failed_first_write_removes_the_parents_it_made(tmp_path):
    with pytest.raises(RuntimeError):
        with staged_folder(tmp_path / "a" / "b" / "artifacts", start_from_existing=False):
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_staging005_prune_deletes_what_the_manifest_does_not_list(tmp_path):
    (tmp_path / "models" / "old").mkdir(parents=True)
    (tmp_path / "models" / "old" / "model.joblib").write_text("x")
    (tmp_path / "models" / "new").mkdir()
    (tmp_path / "models" / "new" / "model.joblib").write_text("y")
    (tmp_path / "manifest.json").write_text("{}")
    manifest = {"models": {"new": {"files": {"joblib": "models/new/model.joblib"}}}}
    assert prune_unlisted(tmp_path, manifest) == ["models/old/model.joblib"]
    assert _tree(tmp_path) == {"manifest.json": "{}", "models/new/model.joblib": "y"}


def test_staging006_a_killed_writers_folders_are_removed_by_the_next_write(tmp_path):
    out = tmp_path / "artifacts"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    # A writer killed with SIGKILL inside its block: it can run no cleanup at all.
    script = ("import os, signal, sys; from ml.artifacts.staging import staged_folder\n"
              "with staged_folder(sys.argv[1], start_from_existing=True) as stage:\n"
              "    (stage / 'half-written').write_text('x')\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", script, str(out)], cwd=ROOT)
    assert killed.returncode == -9
    [debris] = list(tmp_path.glob(".artifacts.staging-*"))
    assert (debris / "half-written").is_file()
    running = tmp_path / f".artifacts.staging-{os.getpid()}-abcd"  # a live writer's folder stays
    running.mkdir()
    with staged_folder(out, start_from_existing=True) as stage:
        assert not debris.exists() and running.is_dir()
        (stage / "new").write_text("y")
    assert (out / "new").is_file() and (out / "manifest.json").is_file()
    assert sorted(tmp_path.glob(".artifacts.*")) == [tmp_path / LOCK, running]


def test_staging007_concurrent_writers_take_turns_and_both_writes_are_kept(tmp_path):
    out = tmp_path / "artifacts"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    first_copied, first_may_finish = threading.Event(), threading.Event()

    def first_writer():
        with staged_folder(out, start_from_existing=True) as stage:
            first_copied.set()
            first_may_finish.wait(10)
            (stage / "first.txt").write_text("first")

    thread = threading.Thread(target=first_writer)
    thread.start()
    first_copied.wait(10)
    # A writer process started while the first holds its copy: it must wait and copy the first's result.
    script = ("import sys; from ml.artifacts.staging import staged_folder\n"
              "with staged_folder(sys.argv[1], start_from_existing=True) as stage:\n"
              "    (stage / 'second.txt').write_text('second')\n")
    second = subprocess.Popen([sys.executable, "-c", script, str(out)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    with pytest.raises(subprocess.TimeoutExpired):
        second.wait(timeout=3)  # blocked on the lock
    first_may_finish.set()
    thread.join(10)
    assert second.wait(timeout=30) == 0
    assert "waiting for another process writing" in second.stderr.read()
    assert _tree(out) == {"manifest.json": "{}", "first.txt": "first", "second.txt": "second"}


def test_staging008_a_killed_lock_holder_never_blocks_the_next_writer(tmp_path):
    out = tmp_path / "artifacts"
    out.mkdir()
    script = ("import os, signal, sys; from ml.artifacts.staging import staged_folder\n"
              "with staged_folder(sys.argv[1], start_from_existing=True):\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    assert subprocess.run([sys.executable, "-c", script, str(out)], cwd=ROOT).returncode == -9
    done = threading.Event()

    def writer():
        with staged_folder(out, start_from_existing=True) as stage:
            (stage / "after.txt").write_text("after")
        done.set()

    threading.Thread(target=writer, daemon=True).start()
    assert done.wait(30)
    assert _tree(out) == {"after.txt": "after"}


def test_staging009_a_nested_write_in_the_same_thread_does_not_wait_for_itself(tmp_path):
    out = tmp_path / "artifacts"
    finished = threading.Event()

    def nested():
        with staged_folder(out, start_from_existing=False) as outer:
            (outer / "outer.txt").write_text("outer")
            with staged_folder(tmp_path / "artifacts", start_from_existing=False) as inner:
                (inner / "inner.txt").write_text("inner")
        finished.set()

    threading.Thread(target=nested, daemon=True).start()
    assert finished.wait(30)
    assert _tree(out) == {"outer.txt": "outer"}  # the outer write is the last to land, as before
