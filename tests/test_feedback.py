"""Corrections from the Classifier page (dash_app/feedback.py): appended safely, exported as CSV."""

import csv
import io
from concurrent.futures import ProcessPoolExecutor

from dash_app.feedback import COLUMNS, feedback_csv, photo_digest, record_correction

RESULT = {"file": "shoe.jpg", "sha256": photo_digest(b"photo"), "model": "cnn", "label": "cat", "confidence": 0.61}


def _record(args):
    path, i = args
    return record_correction(path, {**RESULT, "file": f"photo {i}.jpg"}, "dog")


def test_feedback001_corrections_are_appended_with_one_header_even_from_many_processes(tmp_path):
    path = tmp_path / "feedback" / "corrections.csv"
    assert feedback_csv(path) is None
    with ProcessPoolExecutor(4) as pool:
        list(pool.map(_record, [(path, i) for i in range(40)]))
    rows = list(csv.DictReader(io.StringIO(feedback_csv(path))))
    assert len(rows) == 40 and tuple(rows[0]) == COLUMNS
    assert sorted(r["file"] for r in rows) == sorted(f"photo {i}.jpg" for i in range(40))
    assert {r["correct_class"] for r in rows} == {"dog"} and rows[0]["photo_sha256"] == photo_digest(b"photo")
    assert feedback_csv(path).count("recorded_at") == 1


def test_feedback002_the_classifier_records_a_correction_and_exports_it(tiny_artifacts, make_app, services_of,
                                                                        tmp_path, png):
    from callbacks.classifier import correction_message, uploads_from, uploads_view
    from layouts.classifier import NONE_OF_THESE

    _, out = tiny_artifacts
    path = tmp_path / "corrections.csv"
    app = make_app(out, feedback_file=path)
    import base64
    uri = "data:image/png;base64," + base64.b64encode(png()).decode()
    with app.server.app_context():
        services = services_of(app)
        _, stored, _ = uploads_view(services, uploads_from([uri, "broken"], ["a.png", "b.png"]))
        label = stored["results"][0]["label"]
        other = next(c for c in stored["classes"] if c != label)
        assert correction_message(services, 0, None, stored) == "Choose the right category first."
        assert "nothing recorded" in correction_message(services, 0, label, stored)
        assert "no longer on the page" in correction_message(services, 1, other, stored)
        assert correction_message(services, 0, other, stored).startswith(f"Recorded: it is a {other}.")
        assert correction_message(services, 0, NONE_OF_THESE, stored).startswith(f"Recorded: it is {NONE_OF_THESE}.")
    row, unknown = list(csv.DictReader(io.StringIO(feedback_csv(path))))
    assert unknown["correct_class"] == NONE_OF_THESE
    assert row["file"] == "a.png" and row["predicted"] == label and row["correct_class"] == other
    assert row["photo_sha256"] == photo_digest(png())
