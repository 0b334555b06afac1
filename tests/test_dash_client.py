"""bench/dash_client.py: the HTTP stand-in for Dash's renderer, checked on a small app and then run over
every control of every dashboard page."""

import base64
import shutil

from dash import ALL, MATCH, Dash, Input, Output, State, dcc, html

from bench.dash_client import DashClient, FlaskTransport, data_uri
from bench.interaction_bench import control_name, exercise_page
from bench.serve_bench import PAGES
from layouts.catalogue import PAGINATION_CATALOGUE_REVIEW, SELECT_CATALOGUE_CLASS
from layouts.classifier import (
    BUTTON_CLASSIFIER_CORRECTION,
    BUTTON_CLASSIFIER_EXAMPLE,
    RANGE_CLASSIFIER_OPACITY,
    UPLOAD_CLASSIFIER_IMAGES,
)
from layouts.common import BUTTON_NAV_TOGGLE
from layouts.data import CHECKLIST_DATA_CLASS, CHECKLIST_DATA_SPLIT
from layouts.explore import (
    BUTTON_EXPLORE_IMAGE,
    BUTTON_EXPLORE_REVIEW,
    BUTTON_EXPLORE_REVIEWS,
    GRAPH_EXPLORE_MAP,
    PAGINATION_EXPLORE_PAGE,
    RADIO_EXPLORE_COLOUR,
    RANGE_EXPLORE_CONFIDENCE_MAX,
    RANGE_EXPLORE_CONFIDENCE_MIN,
)
from layouts.performance import (
    BUTTON_MATRIX_IMAGE,
    CHECKLIST_PERFORMANCE_MODELS,
    GRAPH_CONFUSION_MATRIX,
    PAGINATION_MATRIX_GALLERY,
)


def small_app() -> Dash:
    """A chain (dropdown → double → plus one), a callback that writes its own input, and MATCH rows."""
    app = Dash(__name__)
    app.layout = html.Div([
        dcc.Dropdown(id="dropdown-test-number", options=[1, 2, 3], value=1),
        html.Div(id="div-test-double"), html.Div(id="div-test-plus"),
        dcc.Input(id="input-test-page", value=1), html.Div(id="div-test-page"),
        html.Div([html.Button(id={"type": "button-test-row", "index": i}) for i in range(3)]),
        html.Div([html.Div(id={"type": "div-test-row", "index": i}) for i in range(3)]),
        html.Div(id="div-test-clicks"),
    ])

    @app.callback(Output("div-test-double", "children"), Input("dropdown-test-number", "value"))
    def double(value):
        return value * 2

    @app.callback(Output("div-test-plus", "children"), Input("div-test-double", "children"))
    def plus_one(value):
        return value + 1

    @app.callback(Output("div-test-page", "children"), Output("input-test-page", "value"),
                  Input("input-test-page", "value"))
    def back_to_first(page):  # writes its own input, as a gallery resets its pagination
        return f"page {page}", 1

    @app.callback(Output({"type": "div-test-row", "index": MATCH}, "children"),
                  Input({"type": "button-test-row", "index": MATCH}, "n_clicks"), prevent_initial_call=True)
    def row(clicks):
        return f"clicked {clicks}"

    @app.callback(Output("div-test-clicks", "children"), Input({"type": "button-test-row", "index": ALL}, "n_clicks"),
                  State("div-test-double", "children"))
    def total(clicks, double):
        return f"{sum(c or 0 for c in clicks)} clicks, double {double}"

    return app


def test_dash_client001_fires_initial_callbacks_chains_and_pattern_matches_as_the_renderer():
    client = DashClient(FlaskTransport(small_app().server))
    first = client.open()
    assert first.errors == [] and first.requests == 4  # double, total, page; then plus one
    assert client.value("div-test-plus", "children") == 3 and client.value("div-test-page", "children") == "page 1"

    changed = client.change([("dropdown-test-number", "value", 3)])
    assert changed.requests == 2 and client.value("div-test-plus", "children") == 7

    clicked = client.change([({"type": "button-test-row", "index": 1}, "n_clicks", 2)])
    assert clicked.requests == 2  # the matching row and the total, nothing else
    assert client.value({"type": "div-test-row", "index": 1}, "children") == "clicked 2"
    assert client.value({"type": "div-test-row", "index": 0}, "children") is None
    assert client.value("div-test-clicks", "children") == "2 clicks, double 6"

    paged = client.change([("input-test-page", "value", 4)])
    assert paged.requests == 1 and client.value("div-test-page", "children") == "page 4"  # no endless loop


def test_dash_client002_every_control_of_every_page_answers_without_error(explored_artifacts, make_app, png, tmp_path,
                                                                          write_image_folder):
    from ml.catalogue.classify import classify_catalogue

    data, original = explored_artifacts
    out = tmp_path / "artifacts"  # (the catalogue run writes beside them)
    shutil.copytree(original, out)
    photos = write_image_folder(tmp_path / "photos", n_train=1, n_test=12)
    results = tmp_path / "results.csv"  # a catalogue run, so that its page has a review queue
    classify_catalogue([str(photos / "test")], results, out, workers=1, min_confidence=1.0, progress=False,
                       log=lambda *a: None)
    app = make_app(out, data, feedback_file=tmp_path / "corrections.csv", classify_results=results,
                   label_reviews_file=tmp_path / "label_reviews.csv")
    photo = data_uri(png(size=96), "image/png")
    done, timings = set(), []
    for path in PAGES:
        timings += exercise_page(DashClient(FlaskTransport(app.server)), path, 2, done, lambda: (photo, "shoe.png"))

    assert [t.errors for t in timings if t.errors] == []
    expected = {(BUTTON_NAV_TOGGLE, "n_clicks"), (CHECKLIST_DATA_SPLIT, "value"), (CHECKLIST_DATA_CLASS, "value"),
                (CHECKLIST_PERFORMANCE_MODELS, "value"), (GRAPH_CONFUSION_MATRIX, "clickData"),
                (PAGINATION_MATRIX_GALLERY, "active_page"), (BUTTON_MATRIX_IMAGE, "n_clicks"),
                (UPLOAD_CLASSIFIER_IMAGES, "contents"),
                (BUTTON_CLASSIFIER_EXAMPLE, "n_clicks"), (RANGE_CLASSIFIER_OPACITY, "value"),
                (BUTTON_CLASSIFIER_CORRECTION, "n_clicks"), (SELECT_CATALOGUE_CLASS, "value"),
                (PAGINATION_CATALOGUE_REVIEW, "active_page"), (GRAPH_EXPLORE_MAP, "hoverData"),
                (GRAPH_EXPLORE_MAP, "selectedData"), (RADIO_EXPLORE_COLOUR, "value"), (RANGE_EXPLORE_CONFIDENCE_MIN, "value"),
                (RANGE_EXPLORE_CONFIDENCE_MAX, "value"),
                (PAGINATION_EXPLORE_PAGE, "active_page"), (BUTTON_EXPLORE_IMAGE, "n_clicks"),
                (BUTTON_EXPLORE_REVIEW, "n_clicks"), (BUTTON_EXPLORE_REVIEWS, "n_clicks")}
    assert {f"{name}.{prop}" for name, prop in expected} <= done
    clicks = [t for t in timings if t.control == f"/performance {GRAPH_CONFUSION_MATRIX}.clickData"]
    assert clicks and all(t.requests >= 2 for t in clicks)  # the cell's store, then the matrix and its gallery


def test_dash_client003_controls_drawn_per_result_count_as_one():
    class Component:
        id = {"type": "button-classifier-correction", "index": 3}

    assert control_name(Component(), "n_clicks") == "button-classifier-correction.n_clicks"
    assert base64.b64decode(data_uri(b"abc", "image/png").split(",", 1)[1]) == b"abc"
