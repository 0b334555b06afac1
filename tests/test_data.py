"""The Data page's callbacks (callbacks/data.py): every view follows the split and class filters."""

from callbacks.data import augmentation_gallery
from dash_app.figures.base import EMPTY_SELECTION
from dash_app.views import Views
from layouts.data import mean_images


def test_data001_every_chart_follows_the_selection_or_says_it_is_empty(tiny_artifacts, text_of, make_app,
                                                                        services_of):
    _, out = tiny_artifacts
    app = make_app(out)
    with app.server.app_context():
        views = Views(services_of(app).artifacts)
        for splits, classes in ((("train", "test"), ()), ((), ("cat",))):
            distribution, channels, tiles, brightness, contrast = views.data_figures(splits, classes)
            for figure in (distribution, channels, brightness, contrast):
                assert figure.layout.annotations[0].text == EMPTY_SELECTION
            assert tiles == [] and "Select at least one" in text_of(mean_images(tiles))
        distribution, channels, tiles, brightness, contrast = views.data_figures(("train", "test"), ("dog", "ship"))
    assert [t.name for t in brightness.data] == [t.name for t in contrast.data] == ["train split", "test split"]
    assert {t.name for t in channels.data} == {f"{c} ({s})" for c in ("red", "green", "blue") for s in ("train", "test")}
    assert [text_of(f).strip() for f in mean_images(tiles).children] == ["dog (train)", "dog (test)", "ship (train)",
                                                                          "ship (test)"]
    assert all(tile["src"].startswith("data:image/png;base64,") for tile in tiles)
    assert list(distribution.data[0].x) == ["dog", "ship"]


def test_data002_augmentation_examples_follow_the_class_filter(tiny_artifacts, text_of, make_app, services_of):
    data, out = tiny_artifacts
    app = make_app(out, data)
    with app.server.app_context():
        services = services_of(app)
        ships = text_of(augmentation_gallery(services, ("ship",)))
        both = text_of(augmentation_gallery(services, ("cat", "dog")))
        none = text_of(augmentation_gallery(services, ()))
    assert ships.count("ship") == 6 and "cat" not in ships and "dog" not in ships
    assert both.count("cat") == both.count("dog") == 3
    assert "Select at least one class" in none


def test_data003_near_duplicates_verdict_reads_the_audit_or_says_it_has_not_run(text_of):
    from layouts.data import near_duplicates_view

    assert "Not checked yet" in text_of(near_duplicates_view(None))
    from ml.artifacts.schema import NearDuplicates

    found = {"file": "dataset/near_duplicates.csv", "test_share_with_train_twin": 0.0292, "test_with_train_twin": 292,
             "rule": {"grey": 0.9, "detail": 0.8, "detail_window": 5, "candidates": 10, "max_shift": 2},
             "split_sizes": {"train": 50000, "test": 10000},
             "counts": {"test-train": {"pairs": 404, "images_a": 292, "images_b": 390},
                        "test-test": {"pairs": 55, "images_a": 50, "images_b": 52},
                        "train-train": {"pairs": 1300, "images_a": 1200, "images_b": 1250}},
             "accuracy": {"cnn": {"all": 0.9139, "with_train_twin": 0.99, "without_train_twin": 0.9116},
                          "hog_svm": {"all": 0.6, "with_train_twin": None, "without_train_twin": 0.6}}}
    text = text_of(near_duplicates_view(NearDuplicates.model_validate(found)))
    assert ("2.9% of the test photos (292) have a near-twin in the training photos. Without them, the best model "
            "(Neural network) scores 91.2% instead of 91.4%: the reported accuracy owes 0.2 points to them.") in text
    assert "292" in text and "1,300" in text and "–" in text  # test photos with a twin; pairs in training
    found["accuracy"]["cnn"]["without_train_twin"] = 0.9140
    assert "they do not inflate the reported accuracy" in text_of(near_duplicates_view(NearDuplicates.model_validate(found)))


def test_data004_suspect_labels_card_reads_the_audit_or_says_it_has_not_run(explored_artifacts, make_app,
                                                                           services_of, text_of):
    from callbacks.data import page
    from layouts.data import label_issues_view
    from ml.artifacts.folder import load_manifest

    assert "Not checked yet" in text_of(label_issues_view(None))
    data, out = explored_artifacts
    found = load_manifest(out).label_issues
    app = make_app(out, data)
    with app.server.app_context():
        text = text_of(page(services_of(app)))
    assert "Suspect labels" in text and "The network confidently disputes" in text
    for split, row in found.splits.items():
        assert f"{row.flagged:,}" in text_of(label_issues_view(found))
