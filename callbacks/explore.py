"""Explore page callbacks: the map (colouring, hover, selection) and the sample browser."""

from __future__ import annotations

import math

import numpy as np
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dash_app.feedback import feedback_csv, record_label_review
from dash_app.figures.base import empty_figure
from dash_app.figures.explore import data_map_figure
from dash_app.gallery import GalleryUnavailable, prefetch
from dash_app.images import png_data_uri
from dash_app.photo_details import dataset_photos, sample_details
from dash_app.samples import NETWORK, SPLITS, UNKNOWN, Filters, filter_rows
from layouts.explore import (
    BUTTON_EXPLORE_IMAGE,
    BUTTON_EXPLORE_REVIEW,
    BUTTON_EXPLORE_REVIEWS,
    CHECKLIST_EXPLORE_CLASS,
    CHECKLIST_EXPLORE_FLAGS,
    CHECKLIST_EXPLORE_POINTS,
    CHECKLIST_EXPLORE_PREDICTED,
    DIV_EXPLORE_DETAILS,
    DIV_EXPLORE_GALLERY,
    DIV_EXPLORE_SELECTION,
    DOWNLOAD_EXPLORE_REVIEWS,
    GRAPH_EXPLORE_MAP,
    MODAL_EXPLORE_IMAGE,
    PAGE_SIZE,
    PAGINATION_EXPLORE_PAGE,
    RADIO_EXPLORE_COLOUR,
    RADIO_EXPLORE_CORRECT,
    RADIO_EXPLORE_SPLIT,
    RANGE_EXPLORE_CONFIDENCE_MAX,
    RANGE_EXPLORE_CONFIDENCE_MIN,
    SELECT_EXPLORE_MODEL,
    SELECT_EXPLORE_REVIEW,
    SELECT_EXPLORE_SORT,
    SELECTION_SHOWN,
    SPAN_EXPLORE_COUNT,
    SPAN_EXPLORE_REVIEW,
    STORE_EXPLORE_PHOTO,
    TOOLTIP_EXPLORE_MAP,
    explore_page,
    image_tiles,
)
from ml.models.registry import display_name


def page(services):
    manifest = services.artifacts.manifest()
    prefetch(services.config.data_path, manifest, services.config.cache_dir)  # for the nearest training photos
    table = services.artifacts.samples()
    answers = table.get(f"pred_{NETWORK}")
    trained = bool((answers[table["split"] == 1] != UNKNOWN).any()) if answers is not None else False
    return explore_page(manifest.class_names, list(manifest.models), manifest.data_map is not None, trained)


def register(app) -> None:
    services = app.server.extensions["cifar"]

    @app.callback(Output(GRAPH_EXPLORE_MAP, "figure"), Input(RADIO_EXPLORE_COLOUR, "value"),
                  Input(CHECKLIST_EXPLORE_POINTS, "value"))
    def draw_map(colouring, points):
        return map_figure(services, colouring, points or [])

    @app.callback(Output(TOOLTIP_EXPLORE_MAP, "show"), Output(TOOLTIP_EXPLORE_MAP, "bbox"),
                  Output(TOOLTIP_EXPLORE_MAP, "children"), Input(GRAPH_EXPLORE_MAP, "hoverData"))
    def show_hovered_photo(hover):
        if not hover or not hover.get("points"):
            return False, no_update, no_update
        point = hover["points"][0]
        return True, point["bbox"], hover_card(services, int(point["customdata"]))

    @app.callback(Output(DIV_EXPLORE_SELECTION, "children"), Input(GRAPH_EXPLORE_MAP, "selectedData"))
    def show_selection(selected):
        rows = [int(p["customdata"]) for p in (selected or {}).get("points", [])]
        return selection_gallery(services, rows) if rows else None

    @app.callback(Output(DIV_EXPLORE_GALLERY, "children"), Output(SPAN_EXPLORE_COUNT, "children"),
                  Output(PAGINATION_EXPLORE_PAGE, "max_value"), Output(PAGINATION_EXPLORE_PAGE, "active_page"),
                  Input(RADIO_EXPLORE_SPLIT, "value"), Input(CHECKLIST_EXPLORE_CLASS, "value"),
                  Input(SELECT_EXPLORE_MODEL, "value"), Input(CHECKLIST_EXPLORE_PREDICTED, "value"),
                  Input(RADIO_EXPLORE_CORRECT, "value"), Input(RANGE_EXPLORE_CONFIDENCE_MIN, "value"),
                  Input(RANGE_EXPLORE_CONFIDENCE_MAX, "value"),
                  Input(CHECKLIST_EXPLORE_FLAGS, "value"), Input(SELECT_EXPLORE_SORT, "value"),
                  Input(PAGINATION_EXPLORE_PAGE, "active_page"))
    def browse(split, classes, model, predicted, correctness, lowest, highest, flags, sort, active_page):
        """A filter change starts again at page 1; a page change keeps the filters."""
        filters = Filters(split=split, classes=tuple(classes or ()), model=model, predicted=tuple(predicted or ()),
                          correctness=correctness, confidence=confidence_range(lowest, highest),
                          near_duplicate="near_duplicate" in (flags or []), label_issue="label_issue" in (flags or []),
                          sort=sort)
        page_number = (active_page or 1) if ctx.triggered_id == PAGINATION_EXPLORE_PAGE else 1
        return browse_page(services, filters, page_number)

    @app.callback(Output(MODAL_EXPLORE_IMAGE, "is_open"), Output(DIV_EXPLORE_DETAILS, "children"),
                  Output(STORE_EXPLORE_PHOTO, "data"), Output(SELECT_EXPLORE_REVIEW, "value"),
                  Output(SPAN_EXPLORE_REVIEW, "children"),
                  Input({"type": BUTTON_EXPLORE_IMAGE, "index": ALL}, "n_clicks"), prevent_initial_call=True)
    def open_photo(clicks):
        if not any(clicks or []):
            return no_update, no_update, no_update, no_update, no_update  # a gallery was just drawn
        row = ctx.triggered_id["index"]
        given = services.artifacts.class_names()[int(services.artifacts.samples()["true"][row])]
        return True, sample_details(services, row), row, given, None

    @app.callback(Output(SPAN_EXPLORE_REVIEW, "children", allow_duplicate=True),
                  Input(BUTTON_EXPLORE_REVIEW, "n_clicks"), State(SELECT_EXPLORE_REVIEW, "value"),
                  State(STORE_EXPLORE_PHOTO, "data"), prevent_initial_call=True)
    def record_review(clicks, right_label, row):
        return review_message(services, row, right_label) if clicks else no_update

    @app.callback(Output(DOWNLOAD_EXPLORE_REVIEWS, "data"), Input(BUTTON_EXPLORE_REVIEWS, "n_clicks"),
                  prevent_initial_call=True)
    def download_reviews(_):
        text = feedback_csv(services.config.label_reviews_file)
        return no_update if text is None else dcc.send_string(text, "label_reviews.csv")


def review_message(services, row: int | None, right_label: str | None) -> str:
    """Record a person's verdict on the open photo's label; what to tell them."""
    if row is None or not right_label:
        return "Choose the photo's right label first."
    table, names = services.artifacts.samples(), services.artifacts.class_names()
    given = names[int(table["true"][row])]
    record_label_review(services.config.label_reviews_file, SPLITS[table["split"][row]], str(table["file"][row]),
                        given, right_label)
    verdict = "its label is right" if right_label == given else f"it is a {right_label}, not a {given}"
    return f"Recorded: {verdict}. Download the label reviews under the filters to fix the dataset."


def map_figure(services, colouring: str, points: list[str]):
    table = services.artifacts.samples()
    names = services.artifacts.class_names()
    shown = ~np.isnan(table["map_x"]) & np.isin(table["split"], [SPLITS.index(p) for p in points])
    if not shown.any():
        return empty_figure("Choose test photos, the training sample or both")
    rows = np.flatnonzero(shown)
    which = " and ".join({"test": f"{int((table['split'][rows] == 0).sum()):,} test photos",
                          "train": f"{int((table['split'][rows] == 1).sum()):,} training photos"}[p] for p in points)
    method = services.artifacts.manifest().data_map.method
    title = f"{which}, laid out by {dict(pca='PCA', tsne='t-SNE', umap='UMAP')[method]}"
    return data_map_figure(table["map_x"][rows], table["map_y"][rows], rows, colouring, table["true"][rows],
                                   table[f"pred_{NETWORK}"][rows], table["label_score"][rows], names, title)


def _source(services, row: int) -> str | None:
    table = services.artifacts.samples()
    split, position = SPLITS[table["split"][row]], int(table["position"][row])
    try:
        return png_data_uri(dataset_photos(services, split)[position])
    except GalleryUnavailable:
        return None


def _caption(table, row: int, names: list[str]) -> str:
    true, answer = int(table["true"][row]), int(table[f"pred_{NETWORK}"][row])
    if answer == UNKNOWN or answer == true:
        return names[true]
    return f"{names[true]} → {names[answer]}"


def hover_card(services, row: int) -> html.Div:
    table, names = services.artifacts.samples(), services.artifacts.class_names()
    src = _source(services, row)
    answer = int(table[f"pred_{NETWORK}"][row])
    lines = [f"{SPLITS[table['split'][row]]} photo, labelled {names[int(table['true'][row])]}"]
    if answer != UNKNOWN:
        lines.append(f"network: {names[answer]} ({table[f'conf_{NETWORK}'][row]:.0%})")
    if table["label_issue"][row]:
        lines.append(f"suspect label: perhaps {names[int(table['suggested'][row])]}")
    return html.Div([html.Img(src=src, className="pixelated", width=96, height=96, alt=lines[0]) if src else None,
                     *[html.Div(line, className="small") for line in lines]], style={"width": "170px"})


def _tiles(services, rows) -> html.Div:
    table, names = services.artifacts.samples(), services.artifacts.class_names()
    return image_tiles([{"row": int(row), "src": _source(services, int(row)),
                         "caption": _caption(table, int(row), names),
                         "tooltip": "open it large with every model's answer"} for row in rows])


def selection_gallery(services, rows: list[int]) -> html.Div:
    shown = rows[:SELECTION_SHOWN]
    counts = np.bincount(services.artifacts.samples()["true"][rows], minlength=len(services.artifacts.class_names()))
    names = services.artifacts.class_names()
    mix = ", ".join(f"{names[k]} {counts[k]:,}" for k in np.argsort(-counts) if counts[k])
    return html.Div([html.H6(f"{len(rows):,} photos selected ({mix})" +
                             (f"; the first {len(shown)} shown" if len(rows) > len(shown) else "")),
                     _tiles(services, shown)])


def browse_page(services, filters: Filters, page_number: int):
    """(gallery, count text, number of pages, page shown) for one page of the filtered photos."""
    table, names = services.artifacts.samples(), services.artifacts.class_names()
    rows = filter_rows(table, filters, names)
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page_number = min(page_number, pages)
    if not len(rows):
        note = ("No photo matches these filters." if filters.split == "test" or filters.model == NETWORK else
                f"{display_name(filters.model)} never answered for the training photos: only the network's "
                "out-of-fold answers exist for them.")
        return html.P(note, className="text-muted"), "0 photos", 1, 1
    shown = rows[(page_number - 1) * PAGE_SIZE:page_number * PAGE_SIZE]
    return _tiles(services, shown), f"{len(rows):,} photos", pages, page_number


def confidence_range(lowest, highest) -> tuple[float, float]:
    """The two range inputs as (low, high), whichever way round they were set (a browser sends text)."""
    low, high = sorted((float(0 if lowest in (None, "") else lowest), float(1 if highest in (None, "") else highest)))
    return low, high
