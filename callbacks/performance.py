"""Model performance callbacks: confusion matrix, its cell galleries, per-class scores, curves."""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dash_app import views
from dash_app.gallery import GalleryUnavailable, dataset_images
from dash_app.images import png_data_uri
from dash_app.photo_details import sample_details
from dash_app.tables import models_table_rows, rows_csv
from layouts.common import image_gallery
from layouts.performance import (
    BUTTON_MATRIX_IMAGE,
    BUTTON_PERFORMANCE_CSV,
    CHECKLIST_PERFORMANCE_CLASSES,
    CHECKLIST_PERFORMANCE_MODELS,
    DIV_AUTOSORT_ANSWERS,
    DIV_MATRIX_GALLERY,
    DIV_MATRIX_IMAGE,
    DIV_SAVINGS_TABLE,
    DOWNLOAD_PERFORMANCE_CSV,
    GALLERY_PER_PAGE,
    GRAPH_AUTOSORT_CLASS_CURVES,
    GRAPH_AUTOSORT_CLASSES,
    GRAPH_AUTOSORT_COVERAGE,
    GRAPH_CALIBRATION_RELIABILITY,
    GRAPH_CONFUSION_MATRIX,
    GRAPH_PERCLASS_SCORES,
    GRAPH_ROBUSTNESS_ACCURACY,
    GRAPH_TRAINING_CURVES,
    GRID_PERFORMANCE_MODELS,
    INPUT_SAVINGS_PHOTOS,
    INPUT_SAVINGS_SECONDS,
    LIST_TRAINING_RECORDS,
    MODAL_MATRIX_IMAGE,
    PAGINATION_MATRIX_GALLERY,
    RADIO_AUTOSORT_TARGET,
    RADIO_MATRIX_MODE,
    RADIO_PERCLASS_METRIC,
    RADIO_ROBUSTNESS_SEVERITY,
    SELECT_MATRIX_MODEL,
    SELECT_MATRIX_PREDICTED,
    SELECT_MATRIX_TRUE,
    SELECT_PERCLASS_SORT,
    STORE_MATRIX_CELL,
    auto_sort_answers,
    performance_page,
    savings_problem,
    savings_view,
    sentence_items,
)
from ml.models.registry import display_name


def page(services):
    manifest = services.artifacts.manifest()
    return performance_page(list(manifest.models), manifest.class_names,
                            models_table_rows(manifest, list(manifest.models)), services.config.auto_sort_target)


def register(app) -> None:
    services = app.server.extensions["cifar"]
    artifacts = services.artifacts
    figures_of = views.Views(artifacts)

    @app.callback(Output(GRID_PERFORMANCE_MODELS, "rowData"), Input(CHECKLIST_PERFORMANCE_MODELS, "value"))
    def filter_models_table(models):
        return models_table_rows(artifacts.manifest(), views.normalise(models, artifacts.model_keys()))

    @app.callback(Output(GRAPH_CONFUSION_MATRIX, "figure"),
                  Input(SELECT_MATRIX_MODEL, "value"), Input(CHECKLIST_PERFORMANCE_CLASSES, "value"),
                  Input(RADIO_MATRIX_MODE, "value"), Input(STORE_MATRIX_CELL, "data"))
    def update_confusion_matrix(model, classes, mode, cell):
        selected = (cell["true"], cell["predicted"]) if cell else None
        return figures_of.confusion_figure(model, views.normalise(classes, artifacts.class_names()), mode, selected)

    @app.callback(Output(GRAPH_PERCLASS_SCORES, "figure"),
                  Input(CHECKLIST_PERFORMANCE_MODELS, "value"), Input(CHECKLIST_PERFORMANCE_CLASSES, "value"),
                  Input(RADIO_PERCLASS_METRIC, "value"), Input(SELECT_PERCLASS_SORT, "value"))
    def update_per_class_metric(models, classes, metric, sort):
        return figures_of.per_class_figure(views.normalise(models, artifacts.model_keys()),
                                           views.normalise(classes, artifacts.class_names()), metric, sort)

    @app.callback(Output(GRAPH_ROBUSTNESS_ACCURACY, "figure"),
                  Input(CHECKLIST_PERFORMANCE_MODELS, "value"), Input(RADIO_ROBUSTNESS_SEVERITY, "value"),
                  Input(RADIO_AUTOSORT_TARGET, "value"))
    def update_robustness(models, severity, target):
        """The hover says whether sorting at the target chosen above still holds on damaged photos."""
        models = views.normalise(models, artifacts.model_keys())
        return figures_of.robustness_figure(models, severity, float(target))

    @app.callback(Output(GRAPH_AUTOSORT_COVERAGE, "figure"), Output(GRAPH_AUTOSORT_CLASSES, "figure"),
                  Output(GRAPH_AUTOSORT_CLASS_CURVES, "figure"), Output(DIV_AUTOSORT_ANSWERS, "children"),
                  Input(CHECKLIST_PERFORMANCE_MODELS, "value"), Input(RADIO_AUTOSORT_TARGET, "value"))
    def update_auto_sort(models, target):
        coverage, classes, class_curves, sentences = figures_of.auto_sort_view(
            views.normalise(models, artifacts.model_keys()), float(target))
        return coverage, classes, class_curves, auto_sort_answers(sentences)

    @app.callback(Output(GRAPH_CALIBRATION_RELIABILITY, "figure"), Input(CHECKLIST_PERFORMANCE_MODELS, "value"))
    def update_reliability(models):
        return figures_of.reliability_figure(views.normalise(models, artifacts.model_keys()))

    @app.callback(Output(GRAPH_TRAINING_CURVES, "figure"), Output(LIST_TRAINING_RECORDS, "children"),
                  Input(CHECKLIST_PERFORMANCE_MODELS, "value"))
    def update_training_curves(models):
        models = views.normalise(models, artifacts.model_keys())
        return (figures_of.training_figure(models),
                sentence_items(figures_of.training_records(models)))

    @app.callback(Output(DIV_SAVINGS_TABLE, "children"), Input(INPUT_SAVINGS_PHOTOS, "value"),
                  Input(INPUT_SAVINGS_SECONDS, "value"))
    def update_savings(photos, seconds):
        if not photos or photos < 1 or seconds is None or seconds <= 0:
            return savings_problem("Enter the number of photos (at least 1) and the seconds a person takes per "
                                   "photo (more than 0).")
        return savings_view(*figures_of.savings(int(photos), float(seconds)))

    @app.callback(Output(DOWNLOAD_PERFORMANCE_CSV, "data"), Input(BUTTON_PERFORMANCE_CSV, "n_clicks"),
                  State(CHECKLIST_PERFORMANCE_MODELS, "value"), prevent_initial_call=True)
    def download_models_csv(_, models):
        rows = models_table_rows(artifacts.manifest(), views.normalise(models, artifacts.model_keys()))
        return dcc.send_string(rows_csv(rows), "models.csv")

    @app.callback(Output(STORE_MATRIX_CELL, "data"), Output(SELECT_MATRIX_TRUE, "value"),
                  Output(SELECT_MATRIX_PREDICTED, "value"),
                  Input(GRAPH_CONFUSION_MATRIX, "clickData"), Input(SELECT_MATRIX_TRUE, "value"),
                  Input(SELECT_MATRIX_PREDICTED, "value"), prevent_initial_call=True)
    def remember_cell(click, true_class, predicted_class):
        """A cell clicked on the matrix or chosen in the two dropdowns; the dropdowns show either."""
        if ctx.triggered_id == GRAPH_CONFUSION_MATRIX:
            if not click or not click.get("points"):
                return no_update, no_update, no_update
            true_class, predicted_class = click["points"][0]["y"], click["points"][0]["x"]
        elif not (true_class and predicted_class):
            return no_update, no_update, no_update
        return {"true": true_class, "predicted": predicted_class}, true_class, predicted_class

    @app.callback(Output(MODAL_MATRIX_IMAGE, "is_open"), Output(DIV_MATRIX_IMAGE, "children"),
                  Input({"type": BUTTON_MATRIX_IMAGE, "index": ALL}, "n_clicks"), prevent_initial_call=True)
    def enlarge_image(clicks):
        """A gallery image clicked: shown large with every model's answer."""
        if not any(clicks or []):
            return no_update, no_update  # a gallery page was just drawn
        return True, image_details(services, ctx.triggered_id["index"])

    @app.callback(Output(DIV_MATRIX_GALLERY, "children"), Output(PAGINATION_MATRIX_GALLERY, "max_value"),
                  Output(PAGINATION_MATRIX_GALLERY, "active_page"),
                  Input(STORE_MATRIX_CELL, "data"), Input(SELECT_MATRIX_MODEL, "value"),
                  Input(PAGINATION_MATRIX_GALLERY, "active_page"))
    def show_cell_gallery(cell, model, active_page):
        """The selected cell's images for the model the matrix shows: a new cell or model starts at page 1."""
        if not cell:
            return None, 1, 1
        page_number = (active_page or 1) if ctx.triggered_id == PAGINATION_MATRIX_GALLERY else 1
        gallery, pages = gallery_for_cell(services, model, cell["true"], cell["predicted"], page_number)
        return gallery, pages, page_number


def image_details(services, index: int) -> html.Div:
    """Test image `index` large, with every model's answer for it (the Explore page's view: test
    images come first among its rows)."""
    return sample_details(services, index)


def gallery_for_cell(services, model: str, true_class: str, predicted_class: str, page_number: int = 1):
    """(one page of the test images of one confusion-matrix cell, most confident first, named by its
    model and cell; the number of pages)."""
    artifacts = services.artifacts
    manifest = artifacts.manifest()
    names = manifest.class_names
    true, predicted = names.index(true_class), names.index(predicted_class)
    predictions = artifacts.predictions()
    indices = views.cell_indices(predictions, model, true, predicted)
    pages = max(1, -(-len(indices) // GALLERY_PER_PAGE))
    page_number = min(max(page_number, 1), pages)
    shown = indices[(page_number - 1) * GALLERY_PER_PAGE:page_number * GALLERY_PER_PAGE]
    proba = predictions[f"proba_{model}"]
    try:
        config = services.config
        images, note = dataset_images(config.data_path, manifest, config.cache_dir), None
    except GalleryUnavailable as exc:
        images, note = None, str(exc)
    wrong = true != predicted
    items = [{
        "src": png_data_uri(images[i]) if images is not None else None,
        "caption": f"#{i} · {proba[i, predicted]:.1%} sure",
        "tooltip": f"test image {i}: {proba[i, predicted]:.1%} sure it is a {predicted_class}"
                   + (f"; {proba[i, true]:.1%} for {true_class}, its true class" if wrong else "")
                   + ". Click for every model's answer",
        "id": {"type": BUTTON_MATRIX_IMAGE, "index": int(i)},
    } for i in shown]
    first = (page_number - 1) * GALLERY_PER_PAGE + 1
    title = (f"{display_name(model)}: true {true_class}, predicted {predicted_class}: {len(indices):,} test images"
             + (f"; {first:,}–{first + len(items) - 1:,} shown, most confident first" if items else ""))
    return image_gallery(title, items, note), pages
