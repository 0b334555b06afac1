"""Classifier page: drop images, see every model's answer and what the CNN looked at."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import card
from layouts.formatting import pct
from ml.registry import display_name

# Component ids, defined once: this layout, its callbacks, the tests and the benchmarks import them.
UPLOAD_CLASSIFIER_IMAGES = "upload-classifier-images"
BUTTON_CLASSIFIER_CSV = "button-classifier-csv"
DOWNLOAD_CLASSIFIER_CSV = "download-classifier-csv"
STORE_CLASSIFIER_RESULTS = "store-classifier-results"
DIV_CLASSIFIER_RESULTS = "div-classifier-results"



def classifier_page(max_upload_mb: float) -> html.Div:
    return html.Div([
        html.H2("Classify your own photos"),
        html.P("Drop one or many product photos (JPEG, PNG, WebP, BMP, GIF; any size). Each is "
               "turned into the 32×32 image the models were trained on, exactly as in training.",
               className="text-muted"),
        # No `accept` / `max_size`: the browser would drop such files silently; the server
        # checks every file and explains what is wrong with it.
        dcc.Upload(id=UPLOAD_CLASSIFIER_IMAGES, multiple=True, className="upload-zone mb-3",
                   children=html.Div([html.H5("Drag and drop images here"),
                                      html.Span("or click to browse · up to "
                                                f"{max_upload_mb:g} MB per file")])),
        dbc.Button("Download results as CSV", id=BUTTON_CLASSIFIER_CSV, color="secondary",
                   className="mb-3", disabled=True),
        dcc.Download(id=DOWNLOAD_CLASSIFIER_CSV),
        dcc.Store(id=STORE_CLASSIFIER_RESULTS),
        dcc.Loading(html.Div(id=DIV_CLASSIFIER_RESULTS)),
    ])


def result_card(result: dict, image_src: str, probability_figure, explanation_figure,
                uncertain_below: float) -> dbc.Card:
    """One uploaded image's result; uncertain answers are labelled as such."""
    if not result["ok"]:
        return dbc.Alert(result["error"], color="danger", className="mb-3")
    if result["uncertain"]:
        verdict = dbc.Badge(f"uncertain: maybe {result['label']} ({pct(result['confidence'], 0)})",
                            color="warning", text_color="dark", className="fs-6")
        note = html.P(f"The best model is less than {pct(uncertain_below, 0)} sure: treat this as "
                      "a guess and let a person decide.", className="small text-muted mb-0")
    else:
        verdict = dbc.Badge(f"{result['label']} ({pct(result['confidence'], 0)})", color="success",
                            className="fs-6")
        note = html.P(f"according to {display_name(result['model'])}",
                      className="small text-muted mb-0")
    models = html.Ul([html.Li(f"{display_name(key)}: " + ", ".join(
        f"{t['class']} {pct(t['probability'], 0)}" for t in summary["top"]))
        for key, summary in result["predictions"].items()], className="small")
    return card(result["file"], dbc.Row([
        dbc.Col([html.Img(src=image_src, className="pixelated", width=128, height=128,
                          alt="the 32x32 model input"),
                 html.Div(verdict, className="my-2"), note, models], md=3),
        dbc.Col(dcc.Graph(figure=probability_figure, config={"displayModeBar": False}), md=5),
        dbc.Col(dcc.Graph(figure=explanation_figure, config={"displayModeBar": False}), md=4),
    ]))
