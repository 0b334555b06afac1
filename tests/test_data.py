"""The Data page's callbacks (callbacks/data.py): every view follows the split and class filters."""

from callbacks.data import augmentation_gallery
from dash_app.figures import EMPTY_SELECTION
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
