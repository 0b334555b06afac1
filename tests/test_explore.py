"""The Explore page's callbacks (callbacks/explore.py): the map, its hover and selection, the sample
browser and the photo's details, on tiny artifacts with every audit run."""

import json

import numpy as np
import pytest

from callbacks.explore import browse_page, hover_card, map_figure, page, sample_details, selection_gallery
from dash_app.samples import Filters
from layouts.explore import PAGE_SIZE


def _app(explored_artifacts, make_app, tmp_path):
    data, out = explored_artifacts
    return make_app(out, data=data, cache_dir=str(tmp_path / "cache")), out


def test_explore001_the_map_shows_every_test_photo_coloured_four_ways(explored_artifacts, make_app, services_of,
                                                                    tmp_path, text_of):
    app, out = _app(explored_artifacts, make_app, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    n_test, n_sample = manifest["dataset"]["splits"]["test"]["size"], manifest["data_map"]["points"]["train"]
    names = manifest["dataset"]["class_names"]
    with app.server.app_context():
        services = services_of(app)
        assert "Map of the dataset" in text_of(page(services))
        by_class = map_figure(services, "class", ["test"])
        assert sum(len(trace.x) for trace in by_class.data) == n_test and [t.name for t in by_class.data] == names
        both = map_figure(services, "correct", ["test", "train"])
        assert sum(len(t.x) for t in both.data) == n_test + n_sample and [t.name for t in both.data] == ["right", "wrong"]
        table = services.artifacts.samples()
        wrong = np.asarray(both.data[1].customdata)
        assert (table["pred_cnn"][wrong] != table["true"][wrong]).all()
        suspect = map_figure(services, "label", ["test"])
        assert len(suspect.data[1].x) == int((~np.isnan(table["label_score"][:n_test])).sum())
        assert "Choose test photos" in str(map_figure(services, "class", []).layout.annotations[0].text)
        card = hover_card(services, 3)
        assert "test photo, labelled" in text_of(card) and "data:image/png" in str(card)
        selected = selection_gallery(services, [0, 1, 2, n_test])
        assert text_of(selected).startswith("4 photos selected") and str(selected).count("button-explore-image") == 4


def test_explore002_the_browser_filters_pages_and_explains_an_empty_result(explored_artifacts, make_app, services_of,
                                                                         tmp_path, text_of):
    app, out = _app(explored_artifacts, make_app, tmp_path)
    with app.server.app_context():
        services = services_of(app)
        gallery, count, pages, shown = browse_page(services, Filters(split="train"), 2)
        n_train = json.loads((out / "manifest.json").read_text())["dataset"]["splits"]["train"]["size"]
        assert count == f"{n_train:,} photos" and pages == -(-n_train // PAGE_SIZE) and shown == 2
        assert str(gallery).count("button-explore-image") == min(PAGE_SIZE, n_train - PAGE_SIZE)
        _, _, _, clamped = browse_page(services, Filters(), 99)
        assert clamped == 1  # a page past the end shows the last one
        note, count, _, _ = browse_page(services, Filters(split="train", model="hog_svm"), 1)
        assert count == "0 photos" and "only the network's out-of-fold answers" in text_of(note)
        wrong, _, _, _ = browse_page(services, Filters(correctness="wrong"), 1)
        table = services.artifacts.samples()
        rows = [int(button.id["index"]) for button in wrong.children]
        assert rows and all(table["pred_cnn"][r] != table["true"][r] for r in rows)


def test_explore003_a_photo_opens_with_answers_audits_and_nearest_training_photos(explored_artifacts, make_app,
                                                                                services_of, tmp_path, text_of):
    app, out = _app(explored_artifacts, make_app, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    n_test = manifest["dataset"]["splits"]["test"]["size"]
    with app.server.app_context():
        services = services_of(app)
        details = sample_details(services, 2)
        test_view = text_of(details)
        [graph] = [child for child in details.children if type(child).__name__ == "Graph"]
        predictions = services.artifacts.predictions()
        assert [trace.x[0] for trace in graph.figure.data] == pytest.approx(
            [float(predictions[f"proba_{m}"][2][0]) for m in manifest["models"]])  # every model, every class
        assert "Test photo #2" in test_view and "Most like it among the training photos" in test_view
        assert "sure of it" in test_view
        train_view = sample_details(services, n_test + 5)
        text = text_of(train_view)
        assert "Training photo #5" in text and "(out of fold)" in text
        assert "train/" not in text.split("Most like it")[0]  # the heading names the photo by its number
        flagged = int(np.flatnonzero(services.artifacts.samples()["label_issue"])[0])
        assert "Suspect label: the network is confident it is a" in text_of(sample_details(services, flagged))


def test_explore004_a_label_review_is_recorded_and_downloadable(explored_artifacts, make_app, services_of, tmp_path):
    import csv

    from callbacks.explore import review_message
    from dash_app.feedback import feedback_csv

    data, out = explored_artifacts
    reviews = tmp_path / "reviews" / "label_reviews.csv"
    app = make_app(out, data=data, label_reviews_file=reviews)
    with app.server.app_context():
        services = services_of(app)
        table, names = services.artifacts.samples(), services.artifacts.class_names()
        given = names[int(table["true"][1])]
        other = next(name for name in names if name != given)
        assert review_message(services, None, other) == "Choose the photo's right label first."
        assert review_message(services, 1, given).startswith("Recorded: its label is right.")
        assert review_message(services, 1, other).startswith(f"Recorded: it is a {other}, not a {given}.")
        n_test = int((table["split"] == 0).sum())
        review_message(services, n_test + 3, given)
    rows = list(csv.DictReader(feedback_csv(reviews).splitlines()))
    assert [(r["split"], r["given_label"], r["right_label"]) for r in rows] == [
        ("test", given, given), ("test", given, other), ("train", names[int(table["true"][n_test + 3])], given)]
    assert rows[0]["file"] == json.loads((out / "dataset" / "test_files.json").read_text())[1]
    assert rows[2]["file"].startswith("train/")
