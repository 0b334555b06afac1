"""Model performance callbacks: confusion matrix, its cell galleries, per-class scores, curves."""

from __future__ import annotations

from dash import Input, Output, State, dcc, no_update

from dash_app import views
from dash_app.gallery import GalleryUnavailable, dataset_test_images
from dash_app.images import png_data_uri
from dash_app.tables import models_table_rows, rows_csv
from layouts.common import image_gallery
from layouts.performance import (
    BUTTON_PERFORMANCE_CSV,
    DIV_MATRIX_GALLERY,
    DOWNLOAD_PERFORMANCE_CSV,
    DROPDOWN_MATRIX_MODEL,
    DROPDOWN_PERCLASS_SORT,
    DROPDOWN_PERFORMANCE_CLASSES,
    DROPDOWN_PERFORMANCE_MODELS,
    DIV_AUTOSORT_ANSWERS,
    GRAPH_AUTOSORT_CLASSES,
    GRAPH_AUTOSORT_COVERAGE,
    GRAPH_CALIBRATION_RELIABILITY,
    GRAPH_CONFUSION_MATRIX,
    GRAPH_PERCLASS_SCORES,
    GRAPH_ROBUSTNESS_ACCURACY,
    GRAPH_TRAINING_CURVES,
    TABLE_PERFORMANCE_MODELS,
    RADIO_MATRIX_MODE,
    RADIO_PERCLASS_METRIC,
    RADIO_AUTOSORT_TARGET,
    RADIO_ROBUSTNESS_SEVERITY,
    auto_sort_answers,
    performance_page,
)

GALLERY_LIMIT = 24


def page(services):
    manifest = services.artifacts.manifest()
    return performance_page(list(manifest["models"]), manifest["dataset"]["class_names"],
                            models_table_rows(manifest, list(manifest["models"])), services.config.auto_sort_target)


def register(app) -> None:
    services = app.server.extensions["cifar"]
    artifacts = services.artifacts
    figures_of = views.Views(artifacts)

    @app.callback(Output(TABLE_PERFORMANCE_MODELS, "data"), Input(DROPDOWN_PERFORMANCE_MODELS, "value"))
    def filter_models_table(models):
        return models_table_rows(artifacts.manifest(), views.normalise(models, artifacts.model_keys()))

    @app.callback(Output(GRAPH_CONFUSION_MATRIX, "figure"),
                  Input(DROPDOWN_MATRIX_MODEL, "value"), Input(DROPDOWN_PERFORMANCE_CLASSES, "value"),
                  Input(RADIO_MATRIX_MODE, "value"))
    def update_confusion_matrix(model, classes, mode):
        return figures_of.confusion_figure(model, views.normalise(classes, artifacts.class_names()), mode)

    @app.callback(Output(GRAPH_PERCLASS_SCORES, "figure"),
                  Input(DROPDOWN_PERFORMANCE_MODELS, "value"), Input(DROPDOWN_PERFORMANCE_CLASSES, "value"),
                  Input(RADIO_PERCLASS_METRIC, "value"), Input(DROPDOWN_PERCLASS_SORT, "value"))
    def update_per_class_metric(models, classes, metric, sort):
        return figures_of.per_class_figure(views.normalise(models, artifacts.model_keys()),
                                           views.normalise(classes, artifacts.class_names()), metric, sort)

    @app.callback(Output(GRAPH_ROBUSTNESS_ACCURACY, "figure"),
                  Input(DROPDOWN_PERFORMANCE_MODELS, "value"), Input(RADIO_ROBUSTNESS_SEVERITY, "value"))
    def update_robustness(models, severity):
        return figures_of.robustness_figure(views.normalise(models, artifacts.model_keys()), severity)

    @app.callback(Output(GRAPH_AUTOSORT_COVERAGE, "figure"), Output(GRAPH_AUTOSORT_CLASSES, "figure"),
                  Output(DIV_AUTOSORT_ANSWERS, "children"),
                  Input(DROPDOWN_PERFORMANCE_MODELS, "value"), Input(RADIO_AUTOSORT_TARGET, "value"))
    def update_auto_sort(models, target):
        coverage, classes, sentences = figures_of.auto_sort_view(views.normalise(models, artifacts.model_keys()),
                                                                 float(target))
        return coverage, classes, auto_sort_answers(sentences)

    @app.callback(Output(GRAPH_CALIBRATION_RELIABILITY, "figure"), Input(DROPDOWN_PERFORMANCE_MODELS, "value"))
    def update_reliability(models):
        return figures_of.reliability_figure(views.normalise(models, artifacts.model_keys()))

    @app.callback(Output(GRAPH_TRAINING_CURVES, "figure"), Input(DROPDOWN_PERFORMANCE_MODELS, "value"))
    def update_training_curves(models):
        return figures_of.training_figure(views.normalise(models, artifacts.model_keys()))

    @app.callback(Output(DOWNLOAD_PERFORMANCE_CSV, "data"), Input(BUTTON_PERFORMANCE_CSV, "n_clicks"),
                  State(DROPDOWN_PERFORMANCE_MODELS, "value"), prevent_initial_call=True)
    def download_models_csv(_, models):
        rows = models_table_rows(artifacts.manifest(), views.normalise(models, artifacts.model_keys()))
        return dcc.send_string(rows_csv(rows), "models.csv")

    @app.callback(Output(DIV_MATRIX_GALLERY, "children"),
                  Input(GRAPH_CONFUSION_MATRIX, "clickData"), State(DROPDOWN_MATRIX_MODEL, "value"))
    def show_cell_gallery(click, model):
        if not click or not click.get("points"):
            return no_update
        point = click["points"][0]
        return gallery_for_cell(services, model, point["y"], point["x"])


def gallery_for_cell(services, model: str, true_class: str, predicted_class: str):
    """The test images of one confusion-matrix cell, most confident first, with probabilities."""
    artifacts = services.artifacts
    manifest = artifacts.manifest()
    names = manifest["dataset"]["class_names"]
    true, predicted = names.index(true_class), names.index(predicted_class)
    predictions = artifacts.predictions()
    indices, total = views.cell_indices(predictions, model, true, predicted, GALLERY_LIMIT)
    proba = predictions[f"proba_{model}"]
    try:
        images, note = dataset_test_images(services.config.data_path, manifest), None
    except GalleryUnavailable as exc:
        images, note = None, str(exc)
    items = [{
        "src": png_data_uri(images[i]) if images is not None else None,
        "caption": f"#{i} · p={proba[i, predicted]:.2f}",
        "tooltip": f"test image {i}: p({predicted_class})={proba[i, predicted]:.2f}, "
                   f"p({true_class})={proba[i, true]:.2f}",
    } for i in indices]
    title = (f"True {true_class}, predicted {predicted_class}: {total} test images"
             + (f" (the {len(items)} most confident shown)" if total > len(items) else ""))
    return image_gallery(title, items, note)
