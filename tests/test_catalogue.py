"""The Catalogue page (dash_app/catalogue.py, callbacks/catalogue.py, layouts/catalogue.py): a
results file of `ml classify` shown as counts per class and decision and a review queue of the
photos themselves, paged; clear messages when no file is configured or it cannot be read."""

import csv
import os

import pytest

from callbacks.catalogue import page, review_gallery
from dash_app.catalogue import CatalogueUnavailable, load_results, review_page, thumbnail_uri
from layouts.catalogue import PER_PAGE
from ml.catalogue import classify


@pytest.fixture
def results(uncalibrated_artifacts, tmp_path, write_image_folder):
    """A real catalogue run over 30 photos (3 classes) and one broken file, every photo sent to review by a
    threshold no answer clears, so the queue holds all of them."""
    _, artifacts = uncalibrated_artifacts
    folder = write_image_folder(tmp_path / "photos", n_train=1, n_test=10)
    (folder / "test" / "broken.jpg").write_bytes(b"not an image")
    out = tmp_path / "results.csv"
    classify.classify_catalogue([str(folder / "test")], out, artifacts, workers=1, min_confidence=1.0,
                                progress=False, log=lambda *a: None)
    return out


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_catalogue001_review_queue_holds_every_review_row_unreadable_first_then_least_confident(results):
    loaded = load_results(results)
    rows = _rows(results)
    assert loaded.summary == classify.summarise(results)
    assert sorted(r["source"] for r in loaded.review) == sorted(r["source"] for r in rows if r["decision"] == "review")
    assert loaded.review[0]["error"] and loaded.review[0]["source"].endswith("broken.jpg")
    confidences = [r["confidence"] for r in loaded.review[1:]]
    assert confidences == sorted(confidences) and len(confidences) == 30


def test_catalogue002_pages_of_one_class_or_all(results):
    loaded = load_results(results)
    first, total = review_page(loaded, None, 1, 7)
    assert total == 31 and len(first) == 7 and first == list(loaded.review[:7])
    last, _ = review_page(loaded, None, 5, 7)
    assert last == list(loaded.review[28:])
    label = next(r["label"] for r in loaded.review if r["label"])
    only, count = review_page(loaded, label, 1, 100)
    assert count == len(only) == sum(r["label"] == label for r in loaded.review) and {r["label"] for r in only} == {label}


def test_catalogue003_the_file_is_read_again_only_when_it_changes(results):
    first = load_results(results)
    assert load_results(results) is first
    with open(results, "a", newline="") as handle:
        handle.write(f"{results.parent / 'new.jpg'},,,,,,,review,cannot be read (missing)\n")
    os.utime(results, ns=(os.stat(results).st_atime_ns, os.stat(results).st_mtime_ns + 10**9))
    again = load_results(results)
    assert again is not first and again.summary["photos"] == first.summary["photos"] + 1


def test_catalogue004_missing_or_foreign_files_say_how_to_fix_it(tmp_path):
    with pytest.raises(CatalogueUnavailable, match="CLASSIFY_RESULTS"):
        load_results(None)
    with pytest.raises(CatalogueUnavailable, match="not found"):
        load_results(tmp_path / "nowhere.csv")
    foreign = tmp_path / "other.csv"
    foreign.write_text("a,b\n1,2\n")
    with pytest.raises(CatalogueUnavailable, match="missing columns"):
        load_results(foreign)


def test_catalogue005_thumbnails_show_the_photo_whole_and_unreadable_ones_none(results, tmp_path, encode):
    import base64
    import io

    import numpy as np
    from PIL import Image

    wide = tmp_path / "wide.png"
    wide.write_bytes(encode(np.full((50, 400, 3), 200, np.uint8)))
    uri = thumbnail_uri(str(wide))
    shown = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert uri.startswith("data:image/jpeg;base64,") and shown.size == (160, 20)  # whole, not cropped
    assert thumbnail_uri(str(tmp_path / "broken.jpg")) is None
    assert thumbnail_uri(str(tmp_path / "missing.jpg")) is None


def test_catalogue006_page_and_gallery_from_the_configured_file(tiny_artifacts, results, make_app, services_of,
                                                                 text_of):
    _, artifacts = tiny_artifacts
    services = services_of(make_app(artifacts, classify_results=results))
    text = text_of(page(services))
    assert "31" in text and "Sorted automatically" in text and "0.0%" in text
    gallery, pages = review_gallery(services, None, 2, )
    assert pages == -(-31 // PER_PAGE)
    assert f"31 photos of every class to review; {PER_PAGE + 1}–31 shown" in text_of(gallery)
    unconfigured = services_of(make_app(artifacts))
    assert "CLASSIFY_RESULTS" in text_of(page(unconfigured))


def test_catalogue007_the_page_is_served_and_its_callbacks_answer(tiny_artifacts, results, make_app):
    import json

    from layouts.catalogue import DIV_CATALOGUE_REVIEW, PAGINATION_CATALOGUE_REVIEW, SELECT_CATALOGUE_CLASS

    _, artifacts = tiny_artifacts
    client = make_app(artifacts, classify_results=results).server.test_client()
    body = {"output": f"..{DIV_CATALOGUE_REVIEW}.children...{PAGINATION_CATALOGUE_REVIEW}.max_value..."
                      f"{PAGINATION_CATALOGUE_REVIEW}.active_page..",
            "outputs": [{"id": DIV_CATALOGUE_REVIEW, "property": "children"},
                        {"id": PAGINATION_CATALOGUE_REVIEW, "property": "max_value"},
                        {"id": PAGINATION_CATALOGUE_REVIEW, "property": "active_page"}],
            "inputs": [{"id": SELECT_CATALOGUE_CLASS, "property": "value", "value": None},
                       {"id": PAGINATION_CATALOGUE_REVIEW, "property": "active_page", "value": 2}],
            "changedPropIds": [f"{PAGINATION_CATALOGUE_REVIEW}.active_page"]}
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200
    response = json.loads(answer.data)["response"]
    assert response[PAGINATION_CATALOGUE_REVIEW] == {"max_value": 2, "active_page": 2}
    assert "data:image/jpeg;base64," in json.dumps(response[DIV_CATALOGUE_REVIEW])
