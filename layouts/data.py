"""Data page: class balance, mean images, colour and brightness, duplicates, preprocessing."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import card

# Component ids, defined once: this layout, its callbacks, the tests and the benchmarks import them.
CHECKLIST_DATA_SPLIT = "checklist-data-split"
DROPDOWN_DATA_CLASS = "dropdown-data-class"
GRAPH_DATA_DISTRIBUTION = "graph-data-distribution"
GRAPH_DATA_CHANNELS = "graph-data-channels"
GRAPH_DATA_MEANS = "graph-data-means"
GRAPH_DATA_BRIGHTNESS = "graph-data-brightness"
GRAPH_DATA_CONTRAST = "graph-data-contrast"
DIV_DATA_AUGMENTATION = "div-data-augmentation"



def data_page(stats: dict) -> html.Div:
    """Controls and empty graphs (filled by callbacks), plus the static facts from the statistics."""
    classes = stats["class_names"]
    splits = list(stats["splits"])
    controls = dbc.Row([
        dbc.Col([dbc.Label("Splits"), dbc.Checklist(
            id=CHECKLIST_DATA_SPLIT, options=[{"label": s, "value": s} for s in splits],
            value=splits, inline=True)], md=3),
        dbc.Col([dbc.Label("Classes"), dcc.Dropdown(
            id=DROPDOWN_DATA_CLASS, options=classes, value=classes, multi=True,
            placeholder="all classes")], md=9),
    ], className="mb-3")
    return html.Div([
        html.H2("The data"),
        card("Filters", controls),
        dbc.Row([
            dbc.Col(card("Class distribution", dcc.Loading(dcc.Graph(id=GRAPH_DATA_DISTRIBUTION))), lg=6),
            dbc.Col(card("Colour channels", dcc.Loading(dcc.Graph(id=GRAPH_DATA_CHANNELS))), lg=6),
        ]),
        card("Mean image per class", dcc.Loading(dcc.Graph(id=GRAPH_DATA_MEANS)),
             html.P("Each tile averages every training image of its class: the blur shows what is "
                    "typical (sky behind planes and birds, water under ships, road under cars).",
                    className="text-muted mb-0")),
        dbc.Row([
            dbc.Col(card("Brightness", dcc.Loading(dcc.Graph(id=GRAPH_DATA_BRIGHTNESS))), lg=6),
            dbc.Col(card("Contrast", dcc.Loading(dcc.Graph(id=GRAPH_DATA_CONTRAST))), lg=6),
        ]),
        dbc.Row([
            dbc.Col(card("Source files", file_summary(stats["file_summary"])), lg=6),
            dbc.Col(card("Exact duplicates", duplicates_table(stats["duplicates"])), lg=6),
        ]),
        card("Preprocessing and augmentation", preprocessing_notes(),
             html.Div(id=DIV_DATA_AUGMENTATION)),
    ])


def file_summary(summary: dict) -> html.Div:
    rows = [("files", f"{summary.get('n_files', 0):,}"),
            ("formats", ", ".join(f"{k} ({v:,})" for k, v in summary.get("formats", {}).items())),
            ("modes", ", ".join(f"{k} ({v:,})" for k, v in summary.get("modes", {}).items())),
            ("sizes", ", ".join(f"{k} ({v:,})" for k, v in list(summary.get("sizes", {}).items())[:5])),
            ("distinct sizes", str(summary.get("distinct_sizes", "")))]
    return dbc.Table([html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in rows])],
                     size="sm", className="mb-0")


def duplicates_table(duplicates: dict) -> html.Div:
    rows = [html.Tr([html.Td(f"within {split}"), html.Td(f"{d['duplicate_images']:,}"),
                     html.Td(f"{d['groups_with_conflicting_labels']:,} with conflicting labels")])
            for split, d in duplicates["within"].items()]
    rows += [html.Tr([html.Td(name.replace("_in_", " images also in ")), html.Td(f"{d['images']:,}"),
                      html.Td("")]) for name, d in duplicates["across"].items()]
    return html.Div([
        dbc.Table([html.Thead(html.Tr([html.Th("where"), html.Th("images"), html.Th("")])),
                   html.Tbody(rows)], size="sm"),
        html.P("Exact pixel-level copies. Test images that also occur in training would inflate "
               "test accuracy.", className="text-muted mb-0 small"),
    ])


def preprocessing_notes() -> html.Div:
    return html.Div([
        html.P("Every image, for training, evaluation, this dashboard and the API, goes through "
               "one function (ml.preprocess.decode_image):"),
        html.Ol([
            html.Li("decode from the file's bytes (the name is never trusted), first frame of an "
                    "animation, EXIF orientation applied;"),
            html.Li("transparency flattened onto white, 16-bit scaled to 8-bit, any mode to RGB;"),
            html.Li("centre-crop to a square, resize to 32×32 (Lanczos)."),
        ]),
        html.P("Inside the network, pixels are scaled to 0-1, centred on the training mean (the "
               "channel means above) and decorrelated by a fixed whitening layer. During CNN "
               "training each image is mirrored at random and shifted by up to 2 pixels; at test "
               "time the prediction averages the image and its mirror."),
    ])


def augmentation_examples(pairs: list[tuple[str, str, str]]) -> html.Div:
    """(caption, original data URI, augmented data URI) triples as a small gallery."""
    items = [html.Div([html.Img(src=a, className="pixelated"), html.Img(src=b, className="pixelated"),
                       html.Div(caption)], className="aug-item me-3 mb-2") for caption, a, b in pairs]
    return html.Div([html.H6("Before → after augmentation (test images read from the dataset)"),
                     html.Div(items, className="d-flex flex-wrap")])
