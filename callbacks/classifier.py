"""Classifier page callbacks: classify dropped files, download the batch as CSV."""

from __future__ import annotations

from dash import ALL, Input, Output, Patch, State, dcc, no_update

from dash_app import figures
from dash_app.classify import Upload, classify_files, public, results_csv
from dash_app.images import decode_data_uri, png_data_uri
from layouts.classifier import (
    BUTTON_CLASSIFIER_CSV,
    DIV_CLASSIFIER_RESULTS,
    DEFAULT_OPACITY,
    DOWNLOAD_CLASSIFIER_CSV,
    GRAPH_CLASSIFIER_EXPLANATION,
    SLIDER_CLASSIFIER_OPACITY,
    STORE_CLASSIFIER_RESULTS,
    UPLOAD_CLASSIFIER_IMAGES,
    classifier_page,
    result_card,
)
from layouts.common import error_alert
from ml.artifacts import ArtifactError


def page(services):
    services.artifacts.manifest()  # the page needs usable models
    return classifier_page(services.config.max_upload_mb, services.artifacts.class_names())


def register(app) -> None:
    services = app.server.extensions["cifar"]

    @app.callback(Output(DIV_CLASSIFIER_RESULTS, "children"), Output(STORE_CLASSIFIER_RESULTS, "data"),
                  Output(BUTTON_CLASSIFIER_CSV, "disabled"),
                  Input(UPLOAD_CLASSIFIER_IMAGES, "contents"), State(UPLOAD_CLASSIFIER_IMAGES, "filename"),
                  State(SLIDER_CLASSIFIER_OPACITY, "value"), prevent_initial_call=True)
    def classify_uploads(contents, filenames, opacity):
        return uploads_view(services, contents or [], filenames or [], opacity)

    @app.callback(Output({"type": GRAPH_CLASSIFIER_EXPLANATION, "index": ALL}, "figure"),
                  Input(SLIDER_CLASSIFIER_OPACITY, "value"),
                  State({"type": GRAPH_CLASSIFIER_EXPLANATION, "index": ALL}, "id"), prevent_initial_call=True)
    def set_explanation_opacity(opacity, graphs):
        """Only the map's opacity travels: the photos are not sent again."""
        patches = []
        for _ in graphs:
            patch = Patch()
            patch["data"][1]["opacity"] = opacity
            patches.append(patch)
        return patches

    @app.callback(Output(DOWNLOAD_CLASSIFIER_CSV, "data"), Input(BUTTON_CLASSIFIER_CSV, "n_clicks"),
                  State(STORE_CLASSIFIER_RESULTS, "data"), prevent_initial_call=True)
    def download_results_csv(_, stored):
        if not stored:
            return no_update
        return dcc.send_string(results_csv(stored["results"], stored["classes"]), "predictions.csv")


def uploads_view(services, contents: list[str], filenames: list[str], opacity: float = DEFAULT_OPACITY):
    """(cards, stored results, download disabled?) for a batch of dcc.Upload contents."""
    uploads = []
    for i, content in enumerate(contents):
        name = filenames[i] if i < len(filenames) else f"file {i + 1}"
        try:
            uploads.append(Upload(name, decode_data_uri(content)))
        except ValueError as exc:
            uploads.append(Upload(name, error=str(exc)))
    try:
        results = classify_files(uploads, services.artifacts, services.config, explain=True)
        classes = services.artifacts.class_names()
    except ArtifactError as exc:
        return error_alert(str(exc), "The models cannot be loaded"), None, True
    cards = [result_card(
        r, png_data_uri(r["image"]) if r["ok"] else None,
        figures.probability_figure(r["predictions"], classes) if r["ok"] else None,
        figures.explanation_figure(r["photo"], r["box"], r["occlusion"], r["label"], opacity)
        if r["ok"] else None, index=i)
        for i, r in enumerate(results)]
    stored = {"results": [public(r) for r in results], "classes": classes}
    return cards, stored, not any(r["ok"] for r in results)  # nothing to download without a classified photo
