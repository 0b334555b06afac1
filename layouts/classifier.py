"""Classifier page: drop images, see every model's answer and what the CNN looked at."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import card
from layouts.formatting import pct
from layouts.widgets import options_of, range_input
from ml.models.registry import display_name, technical_name

# Component ids, defined once: this layout, its callbacks, the tests and the benchmarks import them.
UPLOAD_CLASSIFIER_IMAGES = "upload-classifier-images"
BUTTON_CLASSIFIER_CSV = "button-classifier-csv"
DOWNLOAD_CLASSIFIER_CSV = "download-classifier-csv"
STORE_CLASSIFIER_RESULTS = "store-classifier-results"
DIV_CLASSIFIER_RESULTS = "div-classifier-results"
RANGE_CLASSIFIER_OPACITY = "range-classifier-opacity"
BUTTON_CLASSIFIER_EXAMPLE = "button-classifier-example"  # the type of each example's button: {type, index}
# Per result, {type, index}: the right category, the button that records it, and what happened.
SELECT_CLASSIFIER_CORRECTION = "select-classifier-correction"
BUTTON_CLASSIFIER_CORRECTION = "button-classifier-correction"
SPAN_CLASSIFIER_CORRECTION = "span-classifier-correction"
BUTTON_CLASSIFIER_FEEDBACK = "button-classifier-feedback"
DOWNLOAD_CLASSIFIER_FEEDBACK = "download-classifier-feedback"
NONE_OF_THESE = "none of these categories"  # a correction for a photo of something the models do not know
GRAPH_CLASSIFIER_EXPLANATION = "graph-classifier-explanation"  # the type of each result's map: {type, index}
DIV_CLASSIFIER_NEIGHBOURS = "div-classifier-neighbours"  # the type of each result's similar photos: {type, index}
DEFAULT_OPACITY = 0.5



def classifier_page(max_upload_mb: float, class_names: list[str], examples: dict[str, str]) -> html.Div:
    """`examples`: key -> label of the example photos a visitor can try in one click."""
    return html.Div([
        html.H2("Classify your own photos"),
        html.P("Drop one or many product photos (JPEG, PNG, WebP, BMP, GIF; any size). Each is "
               "turned into the 32×32 image the models were trained on, exactly as in training.",
               className="text-muted"),
        dbc.Alert([html.Strong(f"The models know these {len(class_names)} categories: "), ", ".join(class_names),
                   ". A photo of anything else still gets the nearest of them, so treat such answers as "
                   "meaningless."], color="light", className="border small"),
        # No `accept` / `max_size`: the browser would drop such files silently; the server
        # checks every file and explains what is wrong with it.
        dcc.Upload(id=UPLOAD_CLASSIFIER_IMAGES, multiple=True, className="upload-zone mb-3",
                   children=html.Div([html.H5("Drag and drop images here"),
                                      html.Span("or click to browse · up to "
                                                f"{max_upload_mb:g} MB per file")])),
        html.Div([html.Span("Or try an example: ", className="me-2"),
                  *[dbc.Button(label, id={"type": BUTTON_CLASSIFIER_EXAMPLE, "index": key}, color="dark",
                               outline=True, size="sm", className="me-2 mb-1") for key, label in examples.items()]],
                 className="mb-3"),
        dbc.Button("Download results as CSV", id=BUTTON_CLASSIFIER_CSV, color="secondary",
                   className="mb-3 me-2", disabled=True),
        dbc.Button("Download the corrections recorded", id=BUTTON_CLASSIFIER_FEEDBACK, color="dark",
                   outline=True, className="mb-3"),
        dcc.Download(id=DOWNLOAD_CLASSIFIER_FEEDBACK),
        dcc.Download(id=DOWNLOAD_CLASSIFIER_CSV),
        dcc.Store(id=STORE_CLASSIFIER_RESULTS),
        html.Div(range_input(RANGE_CLASSIFIER_OPACITY, "How strongly the explanation covers each photo", 0, 1, 0.1,
                             DEFAULT_OPACITY, ("photo", "map")), className="mb-3 px-2"),
        dcc.Loading(html.Div(id=DIV_CLASSIFIER_RESULTS)),
    ])


def decision_note(result: dict) -> str:
    """Why a classified photo was sorted or sent to a person, in words a client reads."""
    model = display_name(result["model"])
    if result["target"] is None:
        rule = f"{model} sorts a photo itself when it is at least {pct(result['threshold'])} sure (not calibrated)"
    else:
        rule = (f"{model} sorts a photo itself when it is sure enough to be right {pct(result['target'], 1)} "
                "of the time, as measured on photos it never trained on")
    if result["decision"] == "review":
        return f"Not sure enough: a person should decide. {rule}."
    return f"Sorted automatically. {rule}."


def correction_form(index: int, class_names: list[str]) -> html.Div:
    """"This is wrong": choose the right category and record it for the client's export."""
    return html.Div([
        html.Div([
            html.Label([html.Span("Its right category", className="visually-hidden"),  # a label wrapping its select
                        dbc.Select(id={"type": SELECT_CLASSIFIER_CORRECTION, "index": index}, size="sm",
                                   options=options_of([*class_names, NONE_OF_THESE]), value="",
                                   placeholder="It is really a…")],
                       className="flex-grow-1 mb-0"),
            dbc.Button("This is wrong", id={"type": BUTTON_CLASSIFIER_CORRECTION, "index": index},
                       color="secondary", outline=True, size="sm", className="text-nowrap"),
        ], className="d-flex gap-2 align-items-center"),
        html.Div(id={"type": SPAN_CLASSIFIER_CORRECTION, "index": index}, className="small text-muted mt-1",
                 role="status"),
    ], className="mt-2")


def result_card(result: dict, image_src: str, probability_figure, explanation_figure, index: int,
                class_names: list[str]) -> dbc.Card:
    """One uploaded image's result, its badge coloured by the decision: sorted or to a person."""
    if not result["ok"]:
        return dbc.Alert(result["error"], color="danger", className="mb-3")
    if result["decision"] == "review":
        verdict = dbc.Badge(f"to review: maybe {result['label']} ({pct(result['confidence'])})",
                            color="warning", text_color="dark", className="fs-6")
    else:
        verdict = dbc.Badge(f"{result['label']} ({pct(result['confidence'])})", color="success",
                            className="fs-6")
    note = html.P(decision_note(result), className="small text-muted mb-0")
    warnings = [dbc.Alert(f"Note: {text}.", color="warning", className="small py-1 px-2 mb-2")
                for text in result.get("warnings", [])]
    models = html.Ul([html.Li(f"{display_name(key)}: " + ", ".join(
        f"{t['class']} {pct(t['probability'])}" for t in summary["top"]), title=technical_name(key))
        for key, summary in result["predictions"].items()], className="small")
    return card(result["file"], dbc.Row([
        dbc.Col([html.Img(src=image_src, className="pixelated", width=128, height=128,
                          alt="the 32x32 model input"),
                 html.Div("what the models saw: 32×32 pixels", className="small text-muted"),
                 html.Div(verdict, className="my-2"), *warnings, note, models,
                 correction_form(index, class_names)], md=3),
        dbc.Col(dcc.Graph(figure=probability_figure, config={"displayModeBar": False}), md=5),
        dbc.Col([dcc.Graph(id={"type": GRAPH_CLASSIFIER_EXPLANATION, "index": index}, figure=explanation_figure,
                           config={"displayModeBar": False}),
                 html.P("Red: parts of the photo that led the network to its answer; blue: parts that spoke "
                        "against it. The dotted square is the part of the photo the models looked at.",
                        className="small text-muted mb-0")], md=4),
    ]), *([dcc.Loading(html.Div(id={"type": DIV_CLASSIFIER_NEIGHBOURS, "index": index}, className="mt-2"))]
          if result.get("neighbours") else []))
