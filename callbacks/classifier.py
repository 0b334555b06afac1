"""Classifier page callbacks: classify dropped files, download the batch as CSV."""

from __future__ import annotations

from dash import ALL, MATCH, Input, Output, Patch, State, ctx, dcc, no_update

from dash_app.classify import Upload, classify_files, public, results_csv, too_many_files
from dash_app.examples import EXAMPLES, example_upload
from dash_app.feedback import feedback_csv, photo_digest, record_correction
from dash_app.figures.predictions import explanation_figure, probability_figure
from dash_app.gallery import GalleryUnavailable, dataset_images, prefetch
from dash_app.images import decode_data_uri, png_data_uri
from layouts.classifier import (
    BUTTON_CLASSIFIER_CORRECTION,
    BUTTON_CLASSIFIER_CSV,
    BUTTON_CLASSIFIER_EXAMPLE,
    BUTTON_CLASSIFIER_FEEDBACK,
    DEFAULT_OPACITY,
    DIV_CLASSIFIER_NEIGHBOURS,
    DIV_CLASSIFIER_RESULTS,
    DOWNLOAD_CLASSIFIER_CSV,
    DOWNLOAD_CLASSIFIER_FEEDBACK,
    GRAPH_CLASSIFIER_EXPLANATION,
    NONE_OF_THESE,
    RANGE_CLASSIFIER_OPACITY,
    SELECT_CLASSIFIER_CORRECTION,
    SPAN_CLASSIFIER_CORRECTION,
    STORE_CLASSIFIER_RESULTS,
    UPLOAD_CLASSIFIER_IMAGES,
    classifier_page,
    result_card,
)
from layouts.common import error_alert
from layouts.photo import NEIGHBOURS_SHOWN, neighbours_gallery
from ml.artifacts.folder import ArtifactError


def page(services):
    manifest = services.artifacts.manifest()  # the page needs usable models
    if manifest.neighbours:
        prefetch(services.config.data_path, manifest, services.config.cache_dir)  # for the most similar photos
    return classifier_page(services.config.max_upload_mb, services.artifacts.class_names(),
                           {key: label for key, (label, _) in EXAMPLES.items()})


def register(app) -> None:
    services = app.server.extensions["cifar"]

    @app.callback(Output(DIV_CLASSIFIER_RESULTS, "children"), Output(STORE_CLASSIFIER_RESULTS, "data"),
                  Output(BUTTON_CLASSIFIER_CSV, "disabled"),
                  Input(UPLOAD_CLASSIFIER_IMAGES, "contents"),
                  Input({"type": BUTTON_CLASSIFIER_EXAMPLE, "index": ALL}, "n_clicks"),
                  State(UPLOAD_CLASSIFIER_IMAGES, "filename"), State(RANGE_CLASSIFIER_OPACITY, "value"),
                  prevent_initial_call=True)
    def classify_uploads(contents, example_clicks, filenames, opacity):
        if isinstance(ctx.triggered_id, dict):  # an example's button
            if not any(example_clicks):
                return no_update, no_update, no_update  # the buttons were just drawn
            return uploads_view(services, [example_upload(ctx.triggered_id["index"])], opacity)
        return dropped_view(services, contents or [], filenames or [], opacity)

    @app.callback(Output({"type": GRAPH_CLASSIFIER_EXPLANATION, "index": ALL}, "figure"),
                  Input(RANGE_CLASSIFIER_OPACITY, "value"),
                  State({"type": GRAPH_CLASSIFIER_EXPLANATION, "index": ALL}, "id"), prevent_initial_call=True)
    def set_explanation_opacity(opacity, graphs):
        """Only the map's opacity travels: the photos are not sent again."""
        patches = []
        for _ in graphs:
            patch = Patch()
            patch["data"][1]["opacity"] = opacity
            patches.append(patch)
        return patches

    @app.callback(Output({"type": DIV_CLASSIFIER_NEIGHBOURS, "index": MATCH}, "children"),
                  Input({"type": DIV_CLASSIFIER_NEIGHBOURS, "index": MATCH}, "id"),
                  State(STORE_CLASSIFIER_RESULTS, "data"))
    def show_neighbours(div_id, stored):
        """After the answers: the first look may read the training split from the dataset."""
        return neighbours_view(services, div_id["index"], stored)

    @app.callback(Output({"type": SPAN_CLASSIFIER_CORRECTION, "index": MATCH}, "children"),
                  Input({"type": BUTTON_CLASSIFIER_CORRECTION, "index": MATCH}, "n_clicks"),
                  State({"type": SELECT_CLASSIFIER_CORRECTION, "index": MATCH}, "value"),
                  State(STORE_CLASSIFIER_RESULTS, "data"), prevent_initial_call=True)
    def record_wrong_answer(clicks, correct_class, stored):
        return correction_message(services, ctx.triggered_id["index"], correct_class, stored) if clicks else no_update

    @app.callback(Output(DOWNLOAD_CLASSIFIER_FEEDBACK, "data"), Input(BUTTON_CLASSIFIER_FEEDBACK, "n_clicks"),
                  prevent_initial_call=True)
    def download_corrections(_):
        text = feedback_csv(services.config.feedback_file)
        return no_update if text is None else dcc.send_string(text, "corrections.csv")

    @app.callback(Output(DOWNLOAD_CLASSIFIER_CSV, "data"), Input(BUTTON_CLASSIFIER_CSV, "n_clicks"),
                  State(STORE_CLASSIFIER_RESULTS, "data"), prevent_initial_call=True)
    def download_results_csv(_, stored):
        if not stored:
            return no_update
        return dcc.send_string(results_csv(stored["results"], stored["classes"]), "predictions.csv")


def correction_message(services, index: int, correct_class: str | None, stored: dict | None) -> str:
    """Record that photo `index` of the stored results is really a `correct_class`; what to tell the user."""
    if not correct_class:
        return "Choose the right category first."
    if not stored or index >= len(stored["results"]) or not stored["results"][index].get("ok"):
        return "This photo is no longer on the page: classify it again."
    result = stored["results"][index]
    if correct_class == result["label"]:
        return f"The answer was already {correct_class}: nothing recorded."
    record_correction(services.config.feedback_file, result, correct_class)
    what = correct_class if correct_class == NONE_OF_THESE else f"a {correct_class}"
    return f"Recorded: it is {what}. Download the corrections above to relabel or retrain."


def neighbours_view(services, index: int, stored: dict | None):
    """Result `index`'s most similar training photos, their images read from the dataset if it is here."""
    if not stored or index >= len(stored["results"]) or not stored["results"][index].get("neighbours"):
        return None
    rows = stored["results"][index]["neighbours"]
    try:
        images = dataset_images(services.config.data_path, services.artifacts.manifest(), services.config.cache_dir,
                                split="train")
        return neighbours_gallery(rows, [png_data_uri(images[row["position"]]) for row in rows])
    except GalleryUnavailable as exc:
        return neighbours_gallery(rows, [None] * len(rows), note=str(exc))


def uploads_from(contents: list[str], filenames: list[str]) -> list[Upload]:
    """dcc.Upload's data URIs and names as uploads; a malformed one carries its reason."""
    uploads = []
    for i, content in enumerate(contents):
        name = filenames[i] if i < len(filenames) else f"file {i + 1}"
        try:
            uploads.append(Upload(name, decode_data_uri(content)))
        except ValueError as exc:
            uploads.append(Upload(name, error=str(exc)))
    return uploads


def dropped_view(services, contents: list[str], filenames: list[str], opacity: float = DEFAULT_OPACITY):
    """uploads_view of the photos dropped on the page, refused with the limit when there are too many."""
    refused = too_many_files(len(contents), services.config)
    if refused:
        return error_alert(refused, "Too many photos at once"), None, True
    return uploads_view(services, uploads_from(contents, filenames), opacity)


def uploads_view(services, uploads: list[Upload], opacity: float = DEFAULT_OPACITY):
    """(cards, stored results, download disabled?) for a batch of uploads."""
    try:
        indexed = services.artifacts.neighbours() is not None
        results = classify_files(uploads, services.artifacts, services.config, explain=True,
                                 neighbours=NEIGHBOURS_SHOWN if indexed else 0)
        classes = services.artifacts.class_names()
    except ArtifactError as exc:
        return error_alert(str(exc), "The models cannot be loaded"), None, True
    cards = [result_card(
        r, png_data_uri(r["image"]) if r["ok"] else None,
        probability_figure(r["predictions"], classes) if r["ok"] else None,
        explanation_figure(r["photo"], r["box"], r["occlusion"], r["label"], opacity)
        if r["ok"] else None, i, classes)
        for i, r in enumerate(results)]
    # A correction names its photo by digest: computed here, for the page, not on the API's path.
    stored = {"results": [{**public(r), "sha256": photo_digest(upload.data)} if r["ok"] else public(r)
                          for upload, r in zip(uploads, results)], "classes": classes}
    return cards, stored, not any(r["ok"] for r in results)  # nothing to download without a classified photo
