"""The artifacts folder's manifest (ml/artifacts/folder.py): every file hashed, every figure recomputed."""

import json

import numpy as np
import pytest

from ml.artifacts.folder import (
    MANIFEST,
    PREDICTIONS,
    SCHEMA_VERSION,
    ArtifactError,
    load_manifest,
    manifest_fingerprint,
    read_predictions,
    sha256_file,
    with_sections,
    write_manifest,
    write_predictions,
)
from ml.artifacts.metrics import classification_metrics, predicted_classes

NAMES = ["cat", "dog", "ship"]


def _folder(tmp_path):
    """A small artifacts folder: one model file, statistics, and predictions whose figures agree."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.bin").write_bytes(b"weights")
    for name in ("stats.json", "stats.npz", "test_files.json"):
        (tmp_path / name).write_text("{}")
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, 60)
    proba = rng.dirichlet(np.ones(3), 60).astype(np.float32)
    proba[0] = [0.4, 0.4, 0.2]  # an exact tie: the lowest class index wins
    classes = predicted_classes(proba)
    write_predictions(tmp_path, y_true, {"cnn": proba}, {"cnn": classes})
    split = {"size": 60, "fingerprint": "0" * 64}
    manifest = {"versions": {"python": "3.11"},
                "dataset": {"name": "photos", "source": "photos.zip", "description": "three classes",
                            "class_names": NAMES, "splits": {"train": split, "test": split}, "subset": None,
                            "val_size": 0, "seed": 0, "files": {"stats": "stats.json", "stats_arrays": "stats.npz",
                                                                        "test_files": "test_files.json"}},
                "models": {"cnn": {"name": "CNN", "files": {"onnx": "models/a.bin"}, "train_seconds": 1.0,
                                   "train_images": 60, "size_bytes": 7, "config": {},
                                   "inference": {"runtime": "onnxruntime", "latency_ms_p50": 1.0,
                                                 "latency_ms_p95": 2.0, "latency_runs": 10,
                                                 "throughput_ips": 500.0, "batch_size": 60},
                                   "metrics": classification_metrics(y_true, classes, NAMES)}},
                "predictions": {"files": {"test": PREDICTIONS}}}
    write_manifest(tmp_path, manifest)
    return tmp_path


def _edit(folder, change):
    data = json.loads((folder / MANIFEST).read_text())
    change(data)
    (folder / MANIFEST).write_text(json.dumps(data))


def test_manifest_lists_every_file_with_its_hash(tmp_path):
    manifest = load_manifest(_folder(tmp_path))
    assert manifest.schema_version == SCHEMA_VERSION
    assert set(manifest.files) == {"models/a.bin", "stats.json", "stats.npz", "test_files.json", PREDICTIONS}
    assert manifest.files["models/a.bin"].bytes == 7
    assert manifest.models["cnn"].files.onnx == "models/a.bin" and manifest.class_names == NAMES


def test_artifacts001_predicted_classes_are_stored_exactly_with_one_tie_break(tmp_path):
    stored = read_predictions(_folder(tmp_path), load_manifest(tmp_path))
    assert stored["pred_cnn"][0] == 0  # the tie between cat and dog goes to cat, the lower index
    assert stored["proba_cnn"].dtype == np.float32 and stored["proba_cnn"].shape == (60, 3)


@pytest.mark.parametrize("field, value, message", [
    (("accuracy",), 0.9927, r"models\.cnn\.metrics\.accuracy: the manifest says 0\.9927, the stored predictions give"),
    (("macro_f1",), 0.5, r"models\.cnn\.metrics\.macro_f1: the manifest says 0\.5"),
    (("per_class", "dog", "f1"), 1.0, r"models\.cnn\.metrics\.per_class\.dog\.f1"),
    (("confusion_matrix",), [[60, 0, 0], [0, 0, 0], [0, 0, 0]], r"models\.cnn\.metrics\.confusion_matrix"),
])
def test_artifacts002_a_figure_the_predictions_do_not_reproduce_is_refused(tmp_path, field, value, message):
    folder = _folder(tmp_path)

    def change(data):
        target = data["models"]["cnn"]["metrics"]
        for key in field[:-1]:
            target = target[key]
        target[field[-1]] = value

    _edit(folder, change)
    with pytest.raises(ArtifactError, match=message):
        load_manifest(folder)
    assert load_manifest(folder, verify=False)  # readable, but not trusted


def test_artifacts003_predictions_without_classes_ask_for_an_upgrade(tmp_path):
    folder = _folder(tmp_path)
    with np.load(folder / PREDICTIONS) as data:
        arrays = {k: data[k] for k in data.files if not k.startswith("pred_")}
    np.savez_compressed(folder / PREDICTIONS, **arrays)
    _edit(folder, lambda data: data["files"][PREDICTIONS].update(sha256=sha256_file(folder / PREDICTIONS)))
    with pytest.raises(ArtifactError, match="no stored predicted classes.*python -m ml evaluate"):
        load_manifest(folder)


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
    assert load_manifest(folder, verify=False).models


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


@pytest.mark.parametrize("where, value, message", [
    (("models", "cnn", "inference", "throughput_ips"), -3, r"models\.cnn\.inference\.throughput_ips: Input should be greater than 0"),
    (("models", "cnn", "typo"), 1, r"models\.cnn\.typo: Extra inputs are not permitted"),
    (("dataset", "splits", "test", "fingerprint"), "abc", r"dataset\.splits\.test\.fingerprint: String should match"),
    (("extra_files",), ["../outside.json"], r"extra_files\.0: Value error, must be a path inside the artifacts folder"),
    (("models", "cnn", "metrics", "accuracy"), 1.5, r"models\.cnn\.metrics\.accuracy: Input should be less than or equal to 1"),
])
def test_artifacts004_a_value_outside_the_schema_is_refused_naming_its_field(tmp_path, where, value, message):
    folder = _folder(tmp_path)

    def change(data):
        target = data
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = value

    _edit(folder, change)
    with pytest.raises(ArtifactError, match=message):
        load_manifest(folder, verify=False)


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


def test_artifacts005_the_typed_manifest_gives_back_the_json_it_was_read_from(tmp_path):
    folder = _folder(tmp_path)
    manifest = load_manifest(folder)
    assert manifest.to_json() == json.loads((folder / MANIFEST).read_text())
    assert manifest.robustness is None and manifest.experiment_cells("ablation") == []


def test_artifacts006_a_step_adds_its_section_and_files_and_keeps_the_rest(tmp_path):
    folder = _folder(tmp_path)
    (folder / "extra.csv").write_text("a\n")
    entry = {"file": "extra.csv", "splits": {"test": {"source": "the CNN", "images": 60, "flagged": 2, "rows": 5,
                                                      "top_pairs": [["cat", "dog", 2]]}}}
    write_manifest(folder, with_sections(load_manifest(folder), extra_files=["extra.csv"], label_issues=entry))
    manifest = load_manifest(folder)
    assert manifest.label_issues.splits["test"].flagged == 2 and "extra.csv" in manifest.files
    assert manifest.models["cnn"].metrics.n_test == 60  # untouched
    with pytest.raises(ValueError, match="no section label_issue"):
        with_sections(manifest, label_issue=entry)


def test_artifacts007_a_manifest_is_written_in_the_schemas_order_whatever_order_it_was_built_in(tmp_path):
    folder = _folder(tmp_path)
    data = json.loads((folder / MANIFEST).read_text())

    def reversed_fields(record):  # a record's fields in reverse (maps such as per-class scores keep their order)
        return {key: record[key] for key in reversed(list(record))}

    built = reversed_fields(data)
    built["models"] = {"cnn": reversed_fields(data["models"]["cnn"])}
    built["models"]["cnn"]["inference"] = reversed_fields(data["models"]["cnn"]["inference"])
    write_manifest(folder, built)
    rewritten = (folder / MANIFEST).read_text()
    write_manifest(folder, data)

    def without_time(text):
        return [line for line in text.splitlines() if '"created"' not in line]

    assert without_time(rewritten) == without_time((folder / MANIFEST).read_text())
    from ml.artifacts.schema import Model

    written = list(json.loads(rewritten)["models"]["cnn"])
    assert written == [field for field in Model.model_fields if field in written]  # the schema's order
