"""Catalogue page: a results file of `ml classify` (CLASSIFY_RESULTS), its counts and review queue."""

from __future__ import annotations

from dash import Input, Output, ctx

from dash_app.catalogue import CatalogueUnavailable, load_results, review_page, thumbnail_uri
from dash_app.figures.base import empty_figure
from dash_app.figures.catalogue import catalogue_figure
from layouts.catalogue import (
    DIV_CATALOGUE_REVIEW,
    GRAPH_CATALOGUE_CLASSES,
    PAGINATION_CATALOGUE_REVIEW,
    PER_PAGE,
    SELECT_CATALOGUE_CLASS,
    catalogue_page,
    catalogue_unavailable,
)
from layouts.common import image_gallery


def page(services):
    try:
        results = load_results(services.config.classify_results)
    except CatalogueUnavailable as exc:
        return catalogue_unavailable(str(exc))
    return catalogue_page(results.summary, results.path.name)


def register(app) -> None:
    services = app.server.extensions["cifar"]

    @app.callback(Output(GRAPH_CATALOGUE_CLASSES, "figure"), Input(GRAPH_CATALOGUE_CLASSES, "id"))
    def update_class_chart(_):
        try:
            return catalogue_figure(load_results(services.config.classify_results).summary["per_class"])
        except CatalogueUnavailable as exc:
            return empty_figure(str(exc))

    @app.callback(Output(DIV_CATALOGUE_REVIEW, "children"), Output(PAGINATION_CATALOGUE_REVIEW, "max_value"),
                  Output(PAGINATION_CATALOGUE_REVIEW, "active_page"),
                  Input(SELECT_CATALOGUE_CLASS, "value"), Input(PAGINATION_CATALOGUE_REVIEW, "active_page"))
    def update_review_queue(label, active_page):
        page_number = 1 if ctx.triggered_id == SELECT_CATALOGUE_CLASS else (active_page or 1)
        return (*review_gallery(services, label, page_number), page_number)


def review_gallery(services, label: str | None, page_number: int):
    """One page of the review queue as a gallery, and the number of pages."""
    try:
        results = load_results(services.config.classify_results)
    except CatalogueUnavailable as exc:
        return catalogue_unavailable(str(exc)), 1
    rows, total = review_page(results, label, page_number, PER_PAGE)
    items = [{"src": thumbnail_uri(row["source"]), "caption": _caption(row),
              "tooltip": f"{row['source']}\n{row['error'] or _caption(row, long=True)}"} for row in rows]
    selection = f"taken for {label}" if label else "of every class"
    first = (page_number - 1) * PER_PAGE + 1
    title = (f"{total:,} photos {selection} to review" + (f"; {first:,}–{first + len(rows) - 1:,} shown" if rows
                                                          else ""))
    return image_gallery(title, items, pixelated=False), max(1, -(-total // PER_PAGE))


def _caption(row: dict, long: bool = False) -> str:
    if row["error"]:
        return "unreadable"
    if long:
        return f"the model's best guess: {row['label']}, {row['confidence']:.1%} confident"
    return f"{row['label']}? {row['confidence']:.1%}"
