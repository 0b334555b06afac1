"""Data page callbacks."""

from __future__ import annotations

import numpy as np
from dash import Input, Output

from dash_app import views
from dash_app.gallery import GalleryUnavailable, dataset_test_images
from dash_app.images import png_data_uri
from layouts.common import error_alert
from layouts.data import augmentation_examples
from ml.artifacts import ArtifactError
from ml.augment import flip_and_shift

N_EXAMPLES = 6


def register(app) -> None:
    services = app.server.extensions["cifar"]
    artifacts = services.artifacts

    @app.callback(
        Output("graph-class-distribution", "figure"), Output("graph-channel-stats", "figure"),
        Output("graph-mean-images", "figure"), Output("graph-brightness", "figure"),
        Output("graph-contrast", "figure"),
        Input("checklist-data-split", "value"), Input("dropdown-data-class", "value"))
    def update_data_figures(splits, classes):
        stats = artifacts.stats()
        return views.data_figures(artifacts.folder, artifacts.fingerprint,
                                  views.normalise(splits, list(stats["splits"])),
                                  views.normalise(classes, stats["class_names"]))

    @app.callback(Output("div-augmentation-examples", "children"),
                  Input("div-augmentation-examples", "id"))
    def show_augmentation_examples(_):
        return augmentation_gallery(services)


def augmentation_gallery(services):
    """Before/after pairs from the configured dataset, or a note saying why there are none."""
    try:
        manifest = services.artifacts.manifest()
        images = dataset_test_images(services.config.data_path, manifest)
    except (GalleryUnavailable, ArtifactError) as exc:
        return error_alert(str(exc), "Examples need the dataset")
    names = manifest["dataset"]["class_names"]
    labels = services.artifacts.predictions()["y_true"]
    rng = np.random.default_rng(0)
    picks = [int(rng.choice(np.flatnonzero(labels == k))) for k in range(min(N_EXAMPLES, len(names)))]
    return augmentation_examples([
        (names[labels[i]], png_data_uri(images[i]), png_data_uri(flip_and_shift(images[i], rng)))
        for i in picks])
