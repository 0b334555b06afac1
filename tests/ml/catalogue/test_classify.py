"""`python -m ml classify` (ml/catalogue/classify.py): one row per photo in order, the served predictor and
the one preprocessing path, errors as rows, resume without loss or repeats, clear refusals."""

import csv

import numpy as np
import pytest

from ml.artifacts.folder import load_manifest
from ml.catalogue import classify
from ml.cli import main
from ml.data.preprocess import decode_image
from ml.errors import OptionError, UserError
from ml.models.registry import served_in
from ml.serving.predictors import load_predictor


@pytest.fixture
def photos(tmp_path, write_image_folder):
    """A folder of 18 test photos (PNG and JPEG) and one file that is not an image."""
    folder = write_image_folder(tmp_path / "photos", n_train=1, n_test=6)
    (folder / "test" / "broken.jpg").write_bytes(b"not an image")
    return folder


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def _classify(photos, out, artifacts, **options):
    return classify.classify_catalogue([str(photos / "test")], out, artifacts, progress=False, log=lambda *a: None,
                                       **options)


def test_classify001_one_row_per_photo_from_the_served_model(tiny_artifacts, photos, tmp_path):
    _, artifacts = tiny_artifacts
    out = tmp_path / "results.csv"
    summary = _classify(photos, out, artifacts, workers=1)
    rows = _rows(out)
    listed = sorted(str(p) for p in (photos / "test").rglob("*.*"))
    assert [r["source"] for r in rows] == listed
    manifest = load_manifest(artifacts)
    predictor = load_predictor(manifest.models[served_in(manifest.models)], artifacts)
    names = manifest.dataset.class_names
    good = [r for r in rows if not r["error"]]
    proba = predictor.predict_proba(np.stack([decode_image(r["source"]) for r in good]))
    assert [r["label"] for r in good] == [names[k] for k in proba.argmax(1)]
    assert [float(r["confidence"]) for r in good] == pytest.approx(proba.max(1), abs=1e-4)
    assert all(float(r["confidence"]) >= float(r["confidence_2"]) >= float(r["confidence_3"]) for r in good)
    assert all(r["decision"] == ("auto" if float(r["confidence"]) >= 0.5 else "review") for r in good)
    [broken] = [r for r in rows if r["error"]]
    assert broken["source"].endswith("broken.jpg") and broken["decision"] == "review"
    assert "not an image" in broken["error"] and broken["label"] == ""
    assert summary["photos"] == len(listed) and summary["errors"] == 1
    assert summary["auto"] + summary["review"] == len(listed)
    assert sum(c["auto"] + c["review"] for c in summary["per_class"].values()) == len(listed) - 1


def test_classify002_decoding_processes_give_the_same_rows(tiny_artifacts, photos, tmp_path):
    _, artifacts = tiny_artifacts
    _classify(photos, tmp_path / "one.csv", artifacts, workers=1, chunk=4)
    _classify(photos, tmp_path / "two.csv", artifacts, workers=2, chunk=4)
    assert _rows(tmp_path / "one.csv") == _rows(tmp_path / "two.csv")


def test_classify003_an_interrupted_run_resumes_without_losing_or_repeating_a_row(tiny_artifacts, photos, tmp_path,
                                                                                   monkeypatch):
    _, artifacts = tiny_artifacts
    _classify(photos, tmp_path / "whole.csv", artifacts, workers=1, chunk=4)
    out = tmp_path / "results.csv"
    write = classify.ResultsFile.write
    calls = []

    def interrupted(self, rows):
        calls.append(len(rows))
        if len(calls) == 3:  # killed halfway through writing the third chunk
            self.handle.write("half a line,")
            self.handle.flush()
            raise KeyboardInterrupt
        write(self, rows)

    monkeypatch.setattr(classify.ResultsFile, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _classify(photos, out, artifacts, workers=1, chunk=4)
    assert len(_rows(out)) in (8, 9)  # two chunks whole, and the half-written line
    monkeypatch.setattr(classify.ResultsFile, "write", write)
    summary = _classify(photos, out, artifacts, workers=1, chunk=4, resume=True)
    assert _rows(out) == _rows(tmp_path / "whole.csv")
    assert summary["photos"] == len(_rows(out))


def test_classify004_refusals_name_what_to_fix(tiny_artifacts, photos, tmp_path, capsys):
    _, artifacts = tiny_artifacts
    out = tmp_path / "results.csv"
    _classify(photos, out, artifacts, workers=1)
    with pytest.raises(OptionError, match="exists: pass --resume"):
        _classify(photos, out, artifacts, workers=1)
    (photos / "test" / "aaa.png").write_bytes(b"new photo listed first")
    with pytest.raises(UserError, match="the sources changed since the interrupted run"):
        _classify(photos, out, artifacts, workers=1, resume=True)
    with pytest.raises(OptionError, match="--out: .*write .csv or .parquet"):
        _classify(photos, tmp_path / "results.xlsx", artifacts)
    with pytest.raises(OptionError, match="--target: the artifacts hold no calibrated threshold for 97.0%"):
        _classify(photos, tmp_path / "t.csv", artifacts, target=0.97)  # not one of the targets calibrated
    with pytest.raises(OptionError, match="--model: .* holds no model 'resnet'"):
        _classify(photos, tmp_path / "m.csv", artifacts, model="resnet")
    assert main(["classify", str(tmp_path / "missing"), "--out", str(tmp_path / "x.csv"),
                 "--artifacts", str(artifacts)]) == 2
    assert "missing: no such file or folder" in capsys.readouterr().err


def test_classify006_parquet_results_hold_the_same_rows(tiny_artifacts, photos, tmp_path):
    _, artifacts = tiny_artifacts
    _classify(photos, tmp_path / "r.csv", artifacts, workers=1)
    summary = _classify(photos, tmp_path / "r.parquet", artifacts, workers=1)
    assert not (tmp_path / "r.parquet.partial.csv").exists()
    as_csv = _rows(tmp_path / "r.csv")
    as_parquet = [row for chunk in classify.iter_results(tmp_path / "r.parquet") for row in chunk]
    assert [r["source"] for r in as_parquet] == [r["source"] for r in as_csv]
    assert [r["label"] for r in as_parquet] == [r["label"] for r in as_csv]
    assert [r["confidence"] for r in as_parquet] == pytest.approx(
        [float(r["confidence"]) if r["confidence"] else None for r in as_csv], abs=1e-6)
    assert summary == classify.summarise(tmp_path / "r.csv")
