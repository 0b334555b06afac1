"""Explore page: a map of the dataset by the network's sense of likeness, and a browser of its images
filtered by class, answer, confidence, near-twins and suspect labels."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dash_app.figures.explore import MAP_COLOURINGS
from layouts.common import card, prose
from layouts.widgets import checklist, modal, options_of, range_input, select
from ml.models.registry import display_name, technical_name

# Component ids, defined once: this layout, its callbacks, the tests and the benchmarks import them.
RADIO_EXPLORE_COLOUR = "radio-explore-colour"
CHECKLIST_EXPLORE_POINTS = "checklist-explore-points"
GRAPH_EXPLORE_MAP = "graph-explore-map"
TOOLTIP_EXPLORE_MAP = "tooltip-explore-map"
DIV_EXPLORE_SELECTION = "div-explore-selection"
RADIO_EXPLORE_SPLIT = "radio-explore-split"
CHECKLIST_EXPLORE_CLASS = "checklist-explore-class"
SELECT_EXPLORE_MODEL = "select-explore-model"
CHECKLIST_EXPLORE_PREDICTED = "checklist-explore-predicted"
RADIO_EXPLORE_CORRECT = "radio-explore-correct"
RANGE_EXPLORE_CONFIDENCE_MIN = "range-explore-confidence-min"
RANGE_EXPLORE_CONFIDENCE_MAX = "range-explore-confidence-max"
CHECKLIST_EXPLORE_FLAGS = "checklist-explore-flags"
SELECT_EXPLORE_SORT = "select-explore-sort"
PAGINATION_EXPLORE_PAGE = "pagination-explore-page"
SPAN_EXPLORE_COUNT = "span-explore-count"
DIV_EXPLORE_GALLERY = "div-explore-gallery"
BUTTON_EXPLORE_IMAGE = "button-explore-image"  # the type of each image's button: {type, index: table row}
MODAL_EXPLORE_IMAGE = "modal-explore-image"
DIV_EXPLORE_DETAILS = "div-explore-details"
STORE_EXPLORE_PHOTO = "store-explore-photo"  # the table row of the photo open in the modal
SELECT_EXPLORE_REVIEW = "select-explore-review"
BUTTON_EXPLORE_REVIEW = "button-explore-review"
SPAN_EXPLORE_REVIEW = "span-explore-review"
BUTTON_EXPLORE_REVIEWS = "button-explore-reviews"
DOWNLOAD_EXPLORE_REVIEWS = "download-explore-reviews"
PAGE_SIZE = 24
SELECTION_SHOWN = 40
SORTS = {"confidence-desc": "most confident first", "confidence-asc": "least confident first",
         "label-issue": "most suspect label first"}
FLAGS = {"near_duplicate": "has a near-twin", "label_issue": "suspect label"}


def explore_page(class_names: list[str], models: list[str], has_map: bool, has_training_answers: bool) -> html.Div:
    splits = [{"label": "test photos", "value": "test"},
              {"label": "training photos" + ("" if has_training_answers else " (no answers yet)"), "value": "train"}]
    map_card = card("Map of the dataset", *([
        dbc.Row([
            dbc.Col([dbc.Label("Colour by", html_for=RADIO_EXPLORE_COLOUR), dbc.RadioItems(
                id=RADIO_EXPLORE_COLOUR, options=[{"label": v, "value": k} for k, v in MAP_COLOURINGS.items()],
                value="class", inline=True)], md=8),
            dbc.Col([dbc.Label("Points", html_for=CHECKLIST_EXPLORE_POINTS), dbc.Checklist(
                id=CHECKLIST_EXPLORE_POINTS, options=[{"label": "test", "value": "test"},
                                                      {"label": "training sample", "value": "train"}],
                value=["test"], inline=True)], md=4),
        ], className="mb-2"),
        dcc.Loading(dcc.Graph(id=GRAPH_EXPLORE_MAP, clear_on_unhover=True, config={"displaylogo": False})),
        dcc.Tooltip(id=TOOLTIP_EXPLORE_MAP, direction="bottom"),
        html.P("Each dot is a photo, placed near the photos the network finds alike. Classes that bleed into "
               "each other are the ones it confuses; a dot deep inside another class's cloud is either a hard "
               "photo or a wrong label. Hover over a dot to see the photo; draw round a group (lasso or box) "
               "to see its photos below.", className="small text-muted"),
        html.Div(id=DIV_EXPLORE_SELECTION),
    ] if has_map else [html.P(prose("No map in these artifacts: run `python -m ml map`."),
                              className="text-muted mb-0")]))
    filters = dbc.Row([
        dbc.Col([dbc.Label("Photos", html_for=RADIO_EXPLORE_SPLIT),
                 dbc.RadioItems(id=RADIO_EXPLORE_SPLIT, options=splits, value="test")], md=3),
        dbc.Col(checklist(CHECKLIST_EXPLORE_CLASS, "True class (none ticked: every class)", class_names, []), md=3),
        dbc.Col(select(SELECT_EXPLORE_MODEL, "Answer of", [
            {"label": display_name(m), "value": m, "title": technical_name(m)} for m in models], models[0]), md=3),
        dbc.Col(checklist(CHECKLIST_EXPLORE_PREDICTED, "Answered (none ticked: any class)", class_names, []), md=3),
        dbc.Col([dbc.Label("Right or wrong", html_for=RADIO_EXPLORE_CORRECT), dbc.RadioItems(
            id=RADIO_EXPLORE_CORRECT, value="all", inline=True, options=[
                {"label": "all", "value": "all"}, {"label": "right", "value": "right"},
                {"label": "wrong", "value": "wrong"}])], md=3),
        dbc.Col([range_input(RANGE_EXPLORE_CONFIDENCE_MIN, "Confidence at least", 0, 1, 0.05, 0, ("0%", "100%")),
                 range_input(RANGE_EXPLORE_CONFIDENCE_MAX, "Confidence at most", 0, 1, 0.05, 1, ("0%", "100%"))],
                md=3),
        dbc.Col([dbc.Label("Only", html_for=CHECKLIST_EXPLORE_FLAGS),
                 dbc.Checklist(id=CHECKLIST_EXPLORE_FLAGS, options=[{"label": v, "value": k} for k, v in FLAGS.items()],
                               value=[], inline=True)], md=3),
        dbc.Col(select(SELECT_EXPLORE_SORT, "Order", [{"label": v, "value": k} for k, v in SORTS.items()],
                       "confidence-desc"), md=3),
    ], className="g-3 mb-3")
    browser = card("Browse the photos", filters,
                   html.Div([dbc.Button("Download the label reviews recorded", id=BUTTON_EXPLORE_REVIEWS, color="dark",
                                        outline=True, size="sm"), dcc.Download(id=DOWNLOAD_EXPLORE_REVIEWS)],
                            className="mb-2"),
                   html.Div([html.Span(id=SPAN_EXPLORE_COUNT, className="me-3", role="status"),
                             dbc.Pagination(id=PAGINATION_EXPLORE_PAGE, max_value=1, active_page=1,
                                            fully_expanded=False, size="sm", className="mb-0")],
                            className="d-flex flex-wrap align-items-center mb-2"),
                   dcc.Loading(html.Div(id=DIV_EXPLORE_GALLERY)))
    return html.Div([
        html.H2("Explore the data"),
        map_card, browser,
        modal(MODAL_EXPLORE_IMAGE, "Photo", [
            html.Div(id=DIV_EXPLORE_DETAILS),
            html.Div([dbc.Label("Its right label, by your eye", html_for=SELECT_EXPLORE_REVIEW, className="small mb-1"),
                      dbc.InputGroup([dbc.Select(id=SELECT_EXPLORE_REVIEW, options=options_of(class_names)),
                                      dbc.Button("Record", id=BUTTON_EXPLORE_REVIEW, color="dark", outline=True)],
                                     size="sm"),
                      html.Div(id=SPAN_EXPLORE_REVIEW, className="small text-muted mt-1", role="status")],
                     className="mt-2")], size="lg", is_open=False),
        dcc.Store(id=STORE_EXPLORE_PHOTO),
    ])


def image_tiles(items: list[dict]) -> html.Div:
    """Buttons that open each photo large: items have row, src (or None), caption and tooltip."""
    return html.Div([html.Button([
        html.Img(src=item["src"], className="pixelated", alt=item["caption"]) if item["src"] else
        html.Div("no image", className="border rounded text-muted small p-4"),
        html.Div(item["caption"], className="small")],
        id={"type": BUTTON_EXPLORE_IMAGE, "index": int(item["row"])}, title=item["tooltip"], n_clicks=0,
        className="gallery-item gallery-button me-2 mb-2") for item in items], className="d-flex flex-wrap")
