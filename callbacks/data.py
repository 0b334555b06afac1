"""Data page callbacks."""

from __future__ import annotations

import numpy as np
from dash import Input, Output

from dash_app import views
from dash_app.gallery import GalleryUnavailable, dataset_images
from dash_app.images import png_data_uri
from layouts.common import error_alert
from layouts.data import (
    CHECKLIST_DATA_CLASS,
    CHECKLIST_DATA_SPLIT,
    DIV_DATA_AUGMENTATION,
    DIV_DATA_MEANS,
    GRAPH_DATA_BRIGHTNESS,
    GRAPH_DATA_CHANNELS,
    GRAPH_DATA_CONTRAST,
    GRAPH_DATA_DISTRIBUTION,
    augmentation_examples,
    data_page,
    mean_images,
)
from ml.artifacts.folder import ArtifactError
from ml.data.augment import flip_and_shift

N_EXAMPLES = 6


def page(services):
    manifest = services.artifacts.manifest()
    return data_page(services.artifacts.stats(), manifest.near_duplicates, manifest.label_issues)


def register(app) -> None:
    services = app.server.extensions["cifar"]
    artifacts = services.artifacts
    figures_of = views.Views(artifacts)

    @app.callback(
        Output(GRAPH_DATA_DISTRIBUTION, "figure"), Output(GRAPH_DATA_CHANNELS, "figure"),
        Output(DIV_DATA_MEANS, "children"), Output(GRAPH_DATA_BRIGHTNESS, "figure"),
        Output(GRAPH_DATA_CONTRAST, "figure"),
        Input(CHECKLIST_DATA_SPLIT, "value"), Input(CHECKLIST_DATA_CLASS, "value"))
    def update_data_figures(splits, classes):
        stats = artifacts.stats()
        distribution, channels, tiles, brightness, contrast = figures_of.data_figures(
            views.normalise(splits, list(stats["splits"])), views.normalise(classes, stats["class_names"]))
        return distribution, channels, mean_images(tiles), brightness, contrast

    @app.callback(Output(DIV_DATA_AUGMENTATION, "children"), Input(CHECKLIST_DATA_CLASS, "value"))
    def show_augmentation_examples(classes):
        return augmentation_gallery(services, views.normalise(classes, artifacts.class_names()))


def augmentation_gallery(services, classes: tuple[str, ...]):
    """Before/after pairs of the selected classes (taking turns) from the configured dataset, or a
    note saying why there are none."""
    if not classes:
        return error_alert("Select at least one class to see examples.", "No class selected")
    try:
        manifest = services.artifacts.manifest()
        images = dataset_images(services.config.data_path, manifest, services.config.cache_dir)
    except (GalleryUnavailable, ArtifactError) as exc:
        return error_alert(str(exc), "Examples need the dataset")
    names = manifest.class_names
    labels = services.artifacts.predictions()["y_true"]
    rng = np.random.default_rng(0)
    picks = [int(rng.choice(np.flatnonzero(labels == names.index(classes[i % len(classes)]))))
             for i in range(N_EXAMPLES)]
    return augmentation_examples([
        (names[labels[i]], png_data_uri(images[i]), png_data_uri(flip_and_shift(images[i], rng)))
        for i in picks])
