"""Data page: class balance, mean images, colour and brightness, duplicates, preprocessing."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import card
from layouts.formatting import pct
from layouts.widgets import checklist
from ml.artifacts.schema import LabelIssues, NearDuplicates
from ml.audit.label_issues import issues_verdict
from ml.audit.near_duplicates import twin_verdict
from ml.models.registry import display_name

# Component ids, defined once: this layout, its callbacks, the tests and the benchmarks import them.
CHECKLIST_DATA_SPLIT = "checklist-data-split"
CHECKLIST_DATA_CLASS = "checklist-data-class"
GRAPH_DATA_DISTRIBUTION = "graph-data-distribution"
GRAPH_DATA_CHANNELS = "graph-data-channels"
DIV_DATA_MEANS = "div-data-means"
GRAPH_DATA_BRIGHTNESS = "graph-data-brightness"
GRAPH_DATA_CONTRAST = "graph-data-contrast"
DIV_DATA_AUGMENTATION = "div-data-augmentation"



def data_page(stats: dict, near_duplicates: NearDuplicates | None = None,
              label_issues: LabelIssues | None = None) -> html.Div:
    """Controls and empty graphs (filled by callbacks), plus the static facts from the statistics and,
    when `ml near-duplicates` and `ml label-issues` have run, their findings."""
    classes = stats["class_names"]
    splits = list(stats["splits"])
    controls = dbc.Row([
        dbc.Col([dbc.Label("Splits"), dbc.Checklist(
            id=CHECKLIST_DATA_SPLIT, options=[{"label": s, "value": s} for s in splits],
            value=splits, inline=True)], md=3),
        dbc.Col(checklist(CHECKLIST_DATA_CLASS, "Classes", classes, classes), md=9),
    ], className="mb-3")
    return html.Div([
        html.H2("The data"),
        card("Filters", controls),
        dbc.Row([
            dbc.Col(card("Class distribution", dcc.Loading(dcc.Graph(id=GRAPH_DATA_DISTRIBUTION))), lg=6),
            dbc.Col(card("Colour", dcc.Loading(dcc.Graph(id=GRAPH_DATA_CHANNELS))), lg=6),
        ]),
        card("Mean image per class", dcc.Loading(html.Div(id=DIV_DATA_MEANS)),
             html.P("Each tile averages every image of its class in a split: the blur shows what is "
                    "typical (sky behind planes and birds, water under ships, road under cars).",
                    className="text-muted mb-0")),
        dbc.Row([
            dbc.Col(card("Brightness", dcc.Loading(dcc.Graph(id=GRAPH_DATA_BRIGHTNESS))), lg=6),
            dbc.Col(card("Contrast", dcc.Loading(dcc.Graph(id=GRAPH_DATA_CONTRAST))), lg=6),
        ]),
        html.P("Dots are the typical (median) image of a class, bars the middle half of its images. Classes "
               "whose bars barely overlap differ in a way a model can use without looking at shapes.",
               className="text-muted small"),
        dbc.Row([
            dbc.Col(card("Source files", file_summary(stats["file_summary"])), lg=6),
            dbc.Col(card("Exact duplicates", duplicates_table(stats["duplicates"])), lg=6),
        ]),
        card("Near-duplicates", near_duplicates_view(near_duplicates)),
        card("Suspect labels", label_issues_view(label_issues)),
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


def near_duplicates_view(found: NearDuplicates | None) -> html.Div:
    if not found:
        return html.P("Not checked yet for these artifacts.", className="text-muted mb-0")
    where = {"test-train": "test photos with a twin in training", "test-test": "pairs within the test photos",
             "train-train": "pairs within the training photos"}
    rows = [html.Tr([html.Td(where[kind]), html.Td(f"{count.images_a if kind == 'test-train' else count.pairs:,}")])
            for kind, count in found.counts.items()]
    accuracy = [html.Tr([html.Td(display_name(model)), html.Td(pct(row.all)), html.Td(pct(row.without_train_twin)),
                         html.Td(pct(row.with_train_twin) if row.with_train_twin is not None else "–")])
                for model, row in found.accuracy.items()]
    return html.Div([
        html.P(twin_verdict(found), className="fw-semibold"),
        dbc.Row([
            dbc.Col(dbc.Table([html.Thead(html.Tr([html.Th("where"), html.Th("count")])), html.Tbody(rows)],
                              size="sm"), lg=5),
            dbc.Col(dbc.Table([html.Thead(html.Tr([html.Th("model"), html.Th("test accuracy"),
                                                   html.Th("without the twins"), html.Th("on the twins")])),
                               html.Tbody(accuracy)], size="sm", responsive=True), lg=7),
        ]),
        html.P("A near-twin is the same photo again, shifted by a pixel or two, mirrored, recoloured or "
               "recompressed: found by the neural network's sense of likeness, then confirmed pixel by pixel. "
               "Exact copies (above) miss them.", className="text-muted mb-0 small"),
    ])


def label_issues_view(found: LabelIssues | None) -> html.Div:
    if not found:
        return html.P("Not checked yet for these artifacts.", className="text-muted mb-0")
    where = {"test": "test photos", "train": "training photos"}
    rows = [html.Tr([html.Td(where[split]), html.Td(f"{row.flagged:,}"), html.Td(pct(row.flagged / row.images)),
                     html.Td("; ".join(f"{given} → {suggested} ({count})"
                                       for given, suggested, count in row.top_pairs[:3]))])
            for split, row in found.splits.items()]
    sources = "; ".join(f"for the {where[split]}, {row.source}" for split, row in found.splits.items())
    return html.Div([
        html.P(issues_verdict(found), className="fw-semibold"),
        dbc.Table([html.Thead(html.Tr([html.Th("where"), html.Th("disputed"), html.Th("share"),
                                       html.Th("most often (label → the network's view)")])),
                   html.Tbody(rows)], size="sm", responsive=True),
        html.P([f"Found by confident learning on answers from networks that never trained on the photo: {sources}. "
                "Look at them on the ", dcc.Link("Explore page", href="/explore"),
                " (only suspect labels, most suspect first) and fix the labels that are wrong before retraining."],
               className="text-muted mb-0 small"),
    ])


def preprocessing_notes() -> html.Div:
    return html.Div([
        html.P("Every photo, for training, testing, this dashboard and the API alike, is prepared the same "
               "way before a model sees it:"),
        html.Ol([
            html.Li("read from the file's contents (never its name), turned upright as the camera recorded it, "
                    "the first frame of an animation;"),
            html.Li("transparent parts filled with white, any colour format turned into ordinary colour;"),
            html.Li("a plain background around a product trimmed away, so the product fills the picture as the "
                    "training photos' subjects do (photos without a plain border are left as they are);"),
            html.Li("the middle square kept and shrunk to 32×32 pixels, smoothly."),
        ]),
        html.P("Inside the network, colours are scaled and balanced against the training photos' average (the "
               "colours above). While the network learns, each photo is mirrored at random and shifted by up "
               "to 2 pixels, so it cannot memorise exact pixels; when it answers, it looks at the photo and its "
               "mirror image and averages the two."),
    ])


def mean_images(tiles: list[dict]) -> html.Div:
    """The per-class mean images (from dash_app.views.mean_image_tiles) as tiles that wrap to the
    screen's width, each captioned with its class and, when two splits are shown, its split."""
    if not tiles:
        return html.P("Select at least one split and one class", className="text-muted")
    both = len({tile["split"] for tile in tiles}) > 1
    items = [html.Figure([html.Img(src=tile["src"], className="pixelated", alt=f"mean {tile['split']} image of "
                                                                               f"{tile['class']}"),
                          html.Figcaption(tile["class"] + (f" ({tile['split']})" if both else ""))],
                         className="mean-item me-2 mb-2") for tile in tiles]
    return html.Div(items, className="d-flex flex-wrap")


def augmentation_examples(pairs: list[tuple[str, str, str]]) -> html.Div:
    """(caption, original data URI, augmented data URI) triples as a small gallery."""
    items = [html.Div([html.Img(src=a, className="pixelated", alt=f"{caption}: before"),
                       html.Img(src=b, className="pixelated", alt=f"{caption}: after"),
                       html.Div(caption)], className="aug-item me-3 mb-2") for caption, a, b in pairs]
    return html.Div([html.H6("Before → after augmentation (test images read from the dataset)"),
                     html.Div(items, className="d-flex flex-wrap")])
