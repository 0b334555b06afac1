"""The command line (ml/cli.py): option checks that name their option, one syntax for model
lists, no surprise overwrites, no debris, one-line errors for what a user can fix and
tracebacks for bugs. Training runs use the logistic-regression baseline, which needs no
TensorFlow and trains in a second."""

import json
import logging
import re
import shutil
from dataclasses import replace

import pytest

from ml.artifacts.folder import load_manifest
from ml.cli import build_parser, main
from ml.models.registry import MODELS


def _train(data, out, *extra):
    return main(["train", "--data", str(data), "--out", str(out), "--models", "hog_logreg", "--jobs", "1",
                 "--quiet", *extra])


def _parse_error(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if ".staging-" in p.name or ".old-" in p.name)


def test_cli001_default_val_size_fits_any_dataset(tmp_path, write_image_folder):
    data = write_image_folder(tmp_path / "photos", n_train=4, n_test=2)  # 12 training images
    assert _train(data, tmp_path / "out") == 0
    dataset = load_manifest(tmp_path / "out").dataset
    assert dataset.val_size == dataset.calibration_size == 0  # a tenth could not hold 3 classes
    data = write_image_folder(tmp_path / "more", n_train=20, n_test=2)  # 60 training images
    assert _train(data, tmp_path / "out2") == 0
    dataset = load_manifest(tmp_path / "out2").dataset
    assert dataset.calibration_size == 6 and dataset.val_size == 5  # a tenth each, in turn


def test_cli002_val_size_that_does_not_fit_names_the_option(tmp_path, capsys, write_image_folder):
    data = write_image_folder(tmp_path / "photos", n_train=4, n_test=2)
    assert _train(data, tmp_path / "out", "--val-size", "5000") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --val-size: 5000 does not fit 12 training images in 3 classes")
    assert "from 3 to 9" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, expected", [
    (["train", "--cnn", '{"no_such_key": 1}'], "argument --cnn: unknown key 'no_such_key'; valid keys: activation,"),
    (["train", "--cnn", '{"cutout": 8'], "argument --cnn: not valid JSON"),
    (["train", "--cnn", '{"widths": [8, 16]}'], "argument --cnn: widths must be like (64, 256, 256)"),
    (["train", "--models", "cnn,hog_svm"], "argument --models: invalid choice: 'cnn,hog_svm'"),
    (["export", "--models", "hog_svm"], "argument --models: invalid choice: 'hog_svm'"),
    (["learning-curve", "--sizes", "ten"], "argument --sizes: must be a whole number, got 'ten'"),
    (["ablate", "--sizes", "0"], "argument --sizes: must be a whole number of at least 1"),
    (["train", "--val-size", "-1"], "argument --val-size: must be a whole number of at least 0"),
    (["train", "--subset", "0"], "argument --subset: must be a whole number of at least 1"),
    (["train", "--jobs", "0"], "argument --jobs: must be a whole number of at least 1"),
])
def test_cli003_bad_arguments_name_their_option(argv, expected, capsys):
    assert expected in _parse_error(argv, capsys)


def test_cli004_model_lists_take_one_syntax_everywhere():
    parser = build_parser()
    assert parser.parse_args(["train", "--models", "cnn", "hog_svm"]).models == ["cnn", "hog_svm"]
    assert parser.parse_args(["export", "--models", "basic_cnn"]).models == ["basic_cnn"]
    assert parser.parse_args(["learning-curve", "--models", "hog_logreg", "hog_svm"]).models == ["hog_logreg",
                                                                                               "hog_svm"]
    assert parser.parse_args(["ablate", "--sizes", "5000", "all"]).sizes == [5000, None]


def test_cli005_other_data_is_replaced_only_with_force(tmp_path, capsys, write_image_folder):
    out = tmp_path / "artifacts"
    first = write_image_folder(tmp_path / "first", n_train=4, n_test=2)
    other = write_image_folder(tmp_path / "other", n_train=4, n_test=2, classes=("shoe", "bag"))
    assert _train(first, out) == 0
    (out / "models" / "stray").mkdir()
    (out / "models" / "stray" / "old.joblib").write_bytes(b"an unlisted model of an earlier run")
    before = (out / "manifest.json").read_bytes()
    capsys.readouterr()
    assert _train(other, out) == 2
    err = capsys.readouterr().err
    assert "--out:" in err and "artifacts of other data" in err and "--force" in err
    assert (out / "manifest.json").read_bytes() == before
    assert _train(other, out, "--force") == 0
    manifest = load_manifest(out)
    assert manifest.dataset.class_names == ["bag", "shoe"]
    assert not (out / "models" / "stray").exists()  # nothing of the earlier run is left unlisted
    listed = set(manifest.files) | {"manifest.json"}
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == listed


def test_cli006_a_folder_that_holds_no_artifacts_is_refused(tmp_path, capsys, write_image_folder):
    data = write_image_folder(tmp_path / "photos", n_train=4, n_test=2)
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.txt").write_text("precious")
    for extra in ((), ("--force",)):
        assert _train(data, out, *extra) == 2
        assert "holds no artifacts" in capsys.readouterr().err
    assert (out / "thesis.txt").read_text() == "precious"


@pytest.mark.parametrize("failure, code", [(RuntimeError("a bug"), None), (KeyboardInterrupt(), 130)])
def test_cli007_a_failed_or_interrupted_run_leaves_the_previous_artifacts_whole(tmp_path, monkeypatch, capsys,
                                                                                 failure, code, write_image_folder):
    data = write_image_folder(tmp_path / "photos", n_train=4, n_test=2)
    out = tmp_path / "artifacts"
    assert _train(data, out) == 0
    files = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setitem(MODELS, "hog_logreg", replace(MODELS["hog_logreg"], build=fail))
    if code is None:  # a bug keeps its traceback: the exception is not swallowed
        with pytest.raises(RuntimeError, match="a bug"):
            _train(data, out)
    else:
        assert _train(data, out) == code
        assert "interrupted" in capsys.readouterr().err
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == files
    assert load_manifest(out)  # still valid
    assert _leftovers(tmp_path) == []


def test_cli008_a_failed_first_run_leaves_no_folder(tmp_path, write_image_folder):
    data = write_image_folder(tmp_path / "photos", n_train=4, n_test=2)
    (data / "test" / "dog" / "broken.png").write_bytes(b"not a png")
    assert _train(data, tmp_path / "new" / "nested" / "artifacts") == 2
    assert not (tmp_path / "new").exists() and _leftovers(tmp_path) == []


def test_cli009_every_unreadable_image_is_reported_and_other_files_skipped(tmp_path, monkeypatch, capsys, caplog, write_image_folder):
    data = write_image_folder(tmp_path / "photos", n_train=4, n_test=2)
    for name in ("train/cat/a.jpg", "train/dog/b.png", "test/ship/c.jpg", "test/ship/d.webp"):
        (data / name).write_bytes(b"damaged")
    (data / "train" / "cat" / "notes.txt").write_text("shot on Tuesday")
    (data / "README.md").write_text("my photos")
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert _train(data, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "4 unreadable image(s)" in err and "(and 1 more)" in err and "unreadable-images.txt" in err
    report = (tmp_path / "unreadable-images.txt").read_text().splitlines()
    assert len(report) == 4 and any("test/ship/d.webp" in line for line in report)
    assert "skipped 2 file(s) that are not images" in caplog.text and "notes.txt" in caplog.text


def test_cli010_a_damaged_zip_entry_is_named_in_one_line(tmp_path, capsys, monkeypatch, write_image_folder, zip_folder):
    folder = write_image_folder(tmp_path / "photos", n_train=4, n_test=2)
    archive = zip_folder(folder, tmp_path / "photos.zip")
    raw = bytearray(archive.read_bytes())
    name = b"train/cat/0000.jpg"
    start = raw.index(name) + len(name)  # the local header's name, then the entry's stored data
    raw[start + 40] ^= 0xFF
    archive.write_bytes(bytes(raw))
    monkeypatch.chdir(tmp_path)
    assert _train(archive, tmp_path / "out") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "photos.zip:train/cat/0000.jpg: damaged in the zip archive" in err


def test_cli011_experiments_refuse_artifacts_of_other_data(tmp_path, capsys, write_image_folder):
    first = write_image_folder(tmp_path / "first", n_train=4, n_test=2)
    other = write_image_folder(tmp_path / "other", n_train=4, n_test=3)
    out = tmp_path / "artifacts"
    assert _train(first, out) == 0
    before = (out / "manifest.json").read_bytes()
    assert main(["learning-curve", "--data", str(other), "--out", str(out), "--sizes", "all", "--seeds", "0",
                 "--models", "hog_logreg"]) == 2
    assert "not the dataset the artifacts" in capsys.readouterr().err
    assert (out / "manifest.json").read_bytes() == before


def test_cli012_learning_curve_runs_are_written_whole(tmp_path, write_image_folder):
    data = write_image_folder(tmp_path / "photos", n_train=4, n_test=2)
    out = tmp_path / "artifacts"
    assert _train(data, out) == 0
    assert main(["learning-curve", "--data", str(data), "--out", str(out), "--sizes", "6", "all", "--seeds", "0",
                 "--models", "hog_logreg"]) == 0
    curve = json.loads((out / "experiments" / "learning_curve.json").read_text())
    assert [r["train_images"] for r in curve["runs"]] == [6, 12]
    assert load_manifest(out).experiments["learning_curve"].file == "experiments/learning_curve.json"
    assert _leftovers(tmp_path) == []


def test_cli013_copies_of_artifacts_keep_working_after_a_move(tmp_path, write_image_folder):
    data = write_image_folder(tmp_path / "photos", n_train=4, n_test=2)
    assert _train(data, tmp_path / "a") == 0
    shutil.move(tmp_path / "a", tmp_path / "b")
    assert main(["validate", str(tmp_path / "b")]) == 0


def test_cli014_every_help_states_each_default_once():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, command in commands.items():
        text = " ".join(command.format_help().split())
        assert "(default: None)" not in text, name
        assert not re.search(r"\(default: [^)]*\) \(default:", text), name
    assert "(default: 4)" in " ".join(commands["out-of-fold"].format_help().split())  # one added where none is written
