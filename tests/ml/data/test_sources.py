"""Where `ml classify` finds photos (ml/data/sources.py): folders, zips, lists of paths or URLs."""

import pytest

from ml.data.sources import SourceError, iter_sources, read_bytes


def _touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_sources001_folders_are_listed_recursively_in_order_without_hidden_or_other_files(tmp_path):
    for name in ("b/2.jpg", "b/1.PNG", "a.webp", ".hidden/3.jpg", "b/.4.jpg", "notes.txt", "c/d/5.jpeg"):
        _touch(tmp_path / "photos" / name)
    listed = list(iter_sources([str(tmp_path / "photos")]))
    assert [p.removeprefix(str(tmp_path / "photos") + "/") for p in listed] == ["a.webp", "b/1.PNG", "b/2.jpg",
                                                                                 "c/d/5.jpeg"]


def test_sources002_zip_members_are_named_as_fsspec_chained_urls_and_read(tmp_path, write_image_folder, zip_folder):
    folder = write_image_folder(tmp_path / "photos", n_train=1, n_test=1)
    _touch(folder / "readme.md")
    archive = zip_folder(folder, tmp_path / "photos.zip")
    listed = list(iter_sources([str(archive)]))
    assert listed and all(s.startswith("zip://") and s.endswith(f"::{archive}") for s in listed)
    member = listed[0].removeprefix("zip://").split("::")[0]
    assert read_bytes(listed[0]) == (folder / member).read_bytes()
    fsspec = pytest.importorskip("fsspec")
    with fsspec.open(listed[0], "rb") as handle:  # the names are real fsspec URLs
        assert handle.read() == read_bytes(listed[0])


def test_sources003_lists_give_paths_relative_to_themselves_and_urls_as_written(tmp_path):
    lists = tmp_path / "lists"
    _touch(lists / "one.jpg")
    (lists / "photos.txt").write_text("one.jpg\n\n# a comment\n/abs/two.jpg\nhttps://example.com/three.jpg\n")
    assert list(iter_sources([str(lists / "photos.txt")])) == [
        str(lists / "one.jpg"), "/abs/two.jpg", "https://example.com/three.jpg"]
    (lists / "named.csv").write_text("sku,url\n1,s3://bucket/a.jpg\n2,one.jpg\n")
    assert list(iter_sources([str(lists / "named.csv")])) == ["s3://bucket/a.jpg", str(lists / "one.jpg")]
    (lists / "bare.csv").write_text("one.jpg,x\n/abs/b.jpg,y\n")
    assert list(iter_sources([str(lists / "bare.csv")])) == [str(lists / "one.jpg"), "/abs/b.jpg"]


def test_sources004_a_missing_source_is_named(tmp_path):
    with pytest.raises(SourceError, match="nowhere: no such file or folder"):
        list(iter_sources([str(tmp_path / "nowhere")]))


def test_sources005_unreadable_urls_say_why(tmp_path):
    pytest.importorskip("fsspec")
    with pytest.raises(OSError):
        read_bytes("nosuchprotocol://bucket/a.jpg")
    with pytest.raises(OSError):
        read_bytes(f"file://{tmp_path}/missing.jpg")
