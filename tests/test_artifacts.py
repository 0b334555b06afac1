import json

import pytest

from ml.artifacts import (MANIFEST, SCHEMA_VERSION, ArtifactError, load_manifest, manifest_fingerprint,
                          write_manifest)


def _folder(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.bin").write_bytes(b"weights")
    (tmp_path / "stats.json").write_text("{}")
    manifest = {"dataset": {"files": {"stats": "stats.json"}},
                "models": {"cnn": {"files": {"onnx": "models/a.bin"}}}}
    write_manifest(tmp_path, manifest)
    return tmp_path


def test_manifest_lists_every_file_with_its_hash(tmp_path):
    manifest = load_manifest(_folder(tmp_path))
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert set(manifest["files"]) == {"models/a.bin", "stats.json"}
    assert manifest["files"]["models/a.bin"]["bytes"] == 7


def test_missing_file_is_named(tmp_path):
    folder = _folder(tmp_path)
    (folder / "models" / "a.bin").unlink()
    with pytest.raises(ArtifactError, match=r"a\.bin: listed in the manifest but missing"):
        load_manifest(folder)


def test_altered_file_is_detected(tmp_path):
    folder = _folder(tmp_path)
    (folder / "stats.json").write_text('{"x": 1}')
    with pytest.raises(ArtifactError, match=r"stats\.json: altered"):
        load_manifest(folder)
    assert load_manifest(folder, verify=False)["models"]


def test_unknown_schema_version(tmp_path):
    folder = _folder(tmp_path)
    data = json.loads((folder / MANIFEST).read_text())
    data["schema_version"] = 99
    (folder / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="schema_version 99 is not supported"):
        load_manifest(folder)


def test_missing_folder_manifest_and_bad_json(tmp_path):
    with pytest.raises(ArtifactError, match="no artifacts folder"):
        load_manifest(tmp_path / "nothing")
    with pytest.raises(ArtifactError, match="missing; run"):
        load_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load_manifest(tmp_path)


def test_writing_refuses_a_listed_file_that_does_not_exist(tmp_path):
    with pytest.raises(ArtifactError, match="not written"):
        write_manifest(tmp_path, {"dataset": {"files": {"x": "x.json"}}, "models": {}})


def test_fingerprint_follows_content(tmp_path):
    folder = _folder(tmp_path)
    before = manifest_fingerprint(folder)
    (folder / "stats.json").write_text('{"y": 2}')
    write_manifest(folder, json.loads((folder / MANIFEST).read_text()))
    assert manifest_fingerprint(folder) != before
    assert manifest_fingerprint(tmp_path / "nothing") == "missing"
